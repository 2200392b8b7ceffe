"""Which contracts and invoices a user sees: all for internal roles; for a contact those its
municipality takes part in or is invoiced for; 404 for the rest. Whether the user may change
them is the policy's ``Capability.EDIT_CONTRACTS`` / ``PROCESS_INVOICES``."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from access.policy import AnyUser, Capability, can
from contracts.models import Contract, ContractParticipation, Invoice
from municipalities.visibility import visible_municipalities


def visible_contracts(user: AnyUser) -> QuerySet[Contract]:
    if can(user, Capability.SEE_WHOLE_REGION):
        return Contract.objects.all()
    if can(user, Capability.ACT_FOR_OWN_MUNICIPALITY):
        own = ContractParticipation.objects.filter(
            contract=OuterRef("pk"), municipality__in=visible_municipalities(user)
        )
        return Contract.objects.filter(Exists(own))
    return Contract.objects.none()


def get_contract_for_user(user: AnyUser, pk: int) -> tuple[Contract, bool]:
    try:
        contract = visible_contracts(user).select_related("provider", "segment__module").get(pk=pk)
    except Contract.DoesNotExist:
        raise Http404(_("No such contract.")) from None
    return contract, can(user, Capability.EDIT_CONTRACTS)


def visible_invoices(user: AnyUser) -> QuerySet[Invoice]:
    if can(user, Capability.SEE_WHOLE_REGION):
        return Invoice.objects.all()
    if can(user, Capability.ACT_FOR_OWN_MUNICIPALITY):
        return Invoice.objects.filter(municipality__in=visible_municipalities(user))
    return Invoice.objects.none()


def get_invoice_for_user(user: AnyUser, pk: int) -> tuple[Invoice, bool]:
    try:
        invoice = (
            visible_invoices(user).select_related("provider", "contract", "municipality", "registered_by").get(pk=pk)
        )
    except Invoice.DoesNotExist:
        raise Http404(_("No such invoice.")) from None
    return invoice, can(user, Capability.PROCESS_INVOICES)
