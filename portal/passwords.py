"""Password rules with their explanation in Dutch.

Django 5.2 rewrote the minimum-length message (``%d`` instead of ``%(min_length)d``) and its Dutch
catalogue still has only the old text, so a short password was explained in English."""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.utils.translation import ngettext


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: use at least %(min_length)d character.",
            "This password is too short: use at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
