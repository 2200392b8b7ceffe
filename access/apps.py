from django.apps import AppConfig


class AccessConfig(AppConfig):
    """No models: the policy lives in code (``access/policy.py``), the roles are auth groups."""

    name = "access"
