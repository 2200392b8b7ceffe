"""The forms of logging in: the second factor, its policy and the forgotten password."""

from __future__ import annotations

import logging

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


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
    """Django's form, with the portal's mail (``accounts.services``): every active account with the
    address gets a link, also one whose invitation expired. Whether any did is never shown."""

    def get_users(self, email: str):
        from accounts import services as accounts

        return accounts.accounts_for_email(email)

    def save(self, *args, **kwargs) -> None:
        from accounts import services as accounts

        for account in self.get_users(self.cleaned_data["email"]):
            try:
                accounts.send_password_link(account)
            except accounts.MAIL_ERRORS:
                # The same page as always (no enumeration); the operator sees it in the log.
                logger.exception("Password link for %s not sent", account.get_username())
