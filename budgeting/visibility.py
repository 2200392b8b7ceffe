"""Which budgets and annual accounts a user sees, and whether the user may change them.

Internal roles see every budget; a contact the budgets of modules its municipality is in once
the draft is sent to the councils; 404 for the rest. The office changes a document while it
may still change (``Capability.PREPARE_DOCUMENTS`` and the document's own state)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from access.policy import AnyUser, Capability, can
from budgeting.models import AnnualAccounts, Budget
from entity.models import Membership
from municipalities.visibility import visible_municipalities


def visible_budgets(user: AnyUser) -> QuerySet[Budget]:
    if can(user, Capability.SEE_WHOLE_REGION):
        return Budget.objects.all()
    if can(user, Capability.ACT_FOR_OWN_MUNICIPALITY):
        # Drafts in preparation are the office's; a council sees a budget once the draft is sent to it.
        modules = Membership.objects.filter(municipality__in=visible_municipalities(user)).values("module")
        return Budget.objects.filter(module__in=modules).exclude(status__in=("draft", "framework"))
    return Budget.objects.none()


def get_budget_for_user(user: AnyUser, pk: int) -> tuple[Budget, bool]:
    try:
        budget = visible_budgets(user).select_related("module", "created_by").get(pk=pk)
    except Budget.DoesNotExist:
        raise Http404(_("No such budget.")) from None
    return budget, can(user, Capability.PREPARE_DOCUMENTS) and budget.is_editable


def visible_accounts(user: AnyUser) -> QuerySet[AnnualAccounts]:
    """Annual accounts follow the budget they account for."""
    accounts = AnnualAccounts.objects.filter(budget__in=visible_budgets(user))
    return accounts if can(user, Capability.SEE_WHOLE_REGION) else accounts.exclude(status="draft")


def get_accounts_for_user(user: AnyUser, pk: int) -> tuple[AnnualAccounts, bool]:
    try:
        accounts = visible_accounts(user).select_related("budget__module", "created_by").get(pk=pk)
    except AnnualAccounts.DoesNotExist:
        raise Http404(_("No such annual accounts.")) from None
    return accounts, can(user, Capability.PREPARE_DOCUMENTS) and not accounts.is_frozen


def can_set_allocation_basis(user: AnyUser, budget: Budget) -> bool:
    """The office chooses inhabitants or a fixed key while the budget is still a draft."""
    return can(user, Capability.PREPARE_DOCUMENTS) and budget.is_editable


def get_allocation_document_for_user(user: AnyUser, kind: str, pk: int) -> Budget | AnnualAccounts:
    """The budget (``kind`` "budget") or annual accounts whose allocation is asked for; 404 when
    the user may not see it."""
    if kind == "accounts":
        return get_accounts_for_user(user, pk)[0]
    return get_budget_for_user(user, pk)[0]
