"""Four eyes on every write path: an invoice moves one step at a time, and whoever registered it
never approves it. Each path below is tried and must be refused with nothing changed."""

from __future__ import annotations

import datetime

from django.urls import reverse

from contracts.models import Invoice

D = datetime.date


def test_the_admin_does_not_add_a_paid_invoice_registered_by_anyone(client, manager_user, staff_user, youth, region):
    """Finding 3: /beheer/contracts/invoice/add/ accepted status "paid" and any "registered by"."""
    client.force_login(manager_user)
    response = client.post(
        reverse("admin:contracts_invoice_add"),
        {
            "provider": youth["provider"].pk,
            "contract": youth["contract"].pk,
            "municipality": region["weert"].pk,
            "invoice_number": "BEHEER-1",
            "invoice_date": "06-05-2026",
            "period_start": "01-04-2026",
            "period_end": "30-04-2026",
            "amount": "790.00",
            "status": "paid",
            "source": "manual",
            "registered_by": staff_user.pk,
            "registered_at_0": "06-05-2026",
            "registered_at_1": "09:00:00",
        },
    )
    assert response.status_code == 403
    assert not Invoice.objects.filter(invoice_number="BEHEER-1").exists()
