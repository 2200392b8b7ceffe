from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operating the portal: backup and restore."""

    name = "ops"
