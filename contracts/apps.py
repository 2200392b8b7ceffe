from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from contracts.models import Invoice, InvoiceLedger, SpendingTotal

        def invoice_deleted(instance, **kwargs) -> None:
            # Deletions (only by cascade in practice) move the ledger and the totals too.
            InvoiceLedger.bump()
            SpendingTotal.refresh([(instance.municipality_id, instance.invoice_date.year)])

        post_delete.connect(invoice_deleted, sender=Invoice, weak=False)
