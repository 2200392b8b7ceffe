from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Everything about people logging in: accounts, passwords, lockouts and the second factor."""

    name = "accounts"
    verbose_name = _("Login security")

    def ready(self) -> None:
        from accounts import services, signals

        user_logged_out.connect(signals.say_logged_out)
        # Superuser status, permissions and the manager role: a superuser's alone, on every path.
        services.connect_guards()
