"""An invoice keeps its contract's law, so a declaration number is unique per provider per law
(OP349); a declared performance keeps its client's pseudonym."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_law(apps, schema_editor):
    Invoice = apps.get_model("contracts", "Invoice")
    Contract = apps.get_model("contracts", "Contract")
    law = Contract.objects.filter(pk=OuterRef("contract_id")).values("segment__law")[:1]
    # The model's QuerySet guards are not in a migration's historical model: a plain UPDATE.
    Invoice.objects.update(law=Subquery(law))


class Migration(migrations.Migration):
    dependencies = [("contracts", "0004_fewer_invoice_indexes")]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="law",
            field=models.CharField(
                choices=[("jeugdwet", "Youth Act (Jeugdwet)"), ("wmo", "Social Support Act (Wmo 2015)")],
                default="",
                editable=False,
                max_length=10,
                verbose_name="law",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_law, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="invoice", name="invoice_number_unique_per_provider"),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.UniqueConstraint(
                fields=("provider", "law", "invoice_number"), name="invoice_number_unique_per_provider_and_law"
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="client_key",
            field=models.CharField(blank=True, max_length=32, verbose_name="client key"),
        ),
    ]
