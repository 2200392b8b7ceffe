from __future__ import annotations

import datetime
import logging

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.forms.utils import flatatt
from django.utils.formats import get_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class DateInput(forms.DateInput):
    """A native date picker; its value is ISO (yyyy-mm-dd), which the Dutch input formats accept."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def format_value(self, value):
        """A typed 01-05-2026 (e.g. in a link or an old bookmark) is shown as the picker needs it."""
        if isinstance(value, str):
            for fmt in get_format("DATE_INPUT_FORMATS"):
                try:
                    return datetime.datetime.strptime(value.strip(), fmt).date().isoformat()
                except ValueError:
                    continue
        return super().format_value(value)


class ReferenceDateForm(forms.Form):
    datum = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        help_text=_("Show the participants on this date."),
        error_messages={"invalid": _("Enter a valid date, for example 01-01-2026.")},
    )

    def date_or(self, default: datetime.date) -> datetime.date:
        return self.cleaned_data["datum"] if self.is_bound and self.is_valid() else default


class FastSelect(forms.Select):
    """A <select> whose options are written in Python instead of one template per option.

    Django renders every <option> through its own template; for the 120 contracts and 40
    providers of a filter form that was most of a list page's time. Same markup, same escaping.
    """

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        widget = context["widget"]
        options = []
        for group_name, group_choices, _index in widget["optgroups"]:
            rendered = [
                f'<option value="{escape(option["value"])}"{" selected" if option["selected"] else ""}>'
                f"{escape(option['label'])}</option>"
                for option in group_choices
            ]
            if group_name:
                inner = mark_safe("".join(rendered))  # each option was escaped by format_html
                options.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, inner))
            else:
                options.extend(rendered)
        attributes = flatatt({**widget["attrs"], "name": widget["name"]})
        return format_html("<select{}>{}</select>", attributes, mark_safe("".join(options)))


class OneTimeCodeForm(forms.Form):
    """The six digits of the authenticator app (spaces are allowed, as apps show 123 456)."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        help_text=_("The six digits the authenticator app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Enter the code from the app.")},
    )


class BackupCodeForm(forms.Form):
    """One of the backup codes shown at enrolment (letters and digits), for a phone left at home."""

    backup_code = forms.CharField(
        label=_("Backup code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
        error_messages={"required": _("Enter one of your backup codes.")},
    )


class TwoFactorPolicyForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles that must log in with two-factor verification"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        from access.policy import role_names

        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(name, name) for name in role_names()]


class ForgottenPasswordForm(PasswordResetForm):
    """Django's form, with the portal's mail (``entity.accounts``): every active account with the
    address gets a link, also one whose invitation expired. Whether any did is never shown."""

    def get_users(self, email: str):
        from entity import accounts

        return accounts.accounts_for_email(email)

    def save(self, *args, **kwargs) -> None:
        from entity import accounts

        for account in self.get_users(self.cleaned_data["email"]):
            try:
                accounts.send_password_link(account)
            except accounts.MAIL_ERRORS:
                # The same page as always (no enumeration); the operator sees it in the log.
                logger.exception("Password link for %s not sent", account.get_username())
