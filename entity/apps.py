from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate
from django.utils.translation import gettext_lazy as _


class EntityConfig(AppConfig):
    name = "entity"
    verbose_name = _("Entity")

    def ready(self) -> None:
        from entity import signals

        # Without a sender: it must run after the last app's permissions exist, and again after a
        # test flush (which empties the tables the data migration filled).
        post_migrate.connect(signals.ensure_reference_rows)
        post_delete.connect(signals.revoke_contact_permission, sender="entity.MunicipalityContact")
