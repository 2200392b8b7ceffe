from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "monitor"
    verbose_name = _("Monitor")

    def ready(self) -> None:
        from monitor import signals  # noqa: F401  (keeps the figures in step with the lines)
