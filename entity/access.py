"""Who may see and change what. Every view asks this module; none decides on its own.

Roles are Django groups (created by a data migration). A municipality contact is granted its
municipality as a guardian object permission; everyone else with a role works for the whole
region. Outsiders get 404 on objects they may not see; read-only users get 403 on writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from contracts.models import Contract, ContractLogEntry, ContractParticipation, Invoice
from municipalities.models import Municipality

VIEW_MUNICIPALITY = "municipalities.view_municipality"


class Role(StrEnum):
    """The value is the group name as users see it in the admin (Dutch)."""

    STAFF = "Medewerker"
    MANAGER = "Leidinggevende"
    DAILY_BOARD = "Dagelijks bestuur"
    GENERAL_BOARD = "Algemeen bestuur"
    KWARTIERMAKER = "Kwartiermaker"
    CONTACT = "Gemeentelijk contactpersoon"


INTERNAL_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.DAILY_BOARD, Role.GENERAL_BOARD, Role.KWARTIERMAKER})
OFFICE_ROLES = frozenset({Role.STAFF, Role.MANAGER})

AnyUser = User | AnonymousUser


def roles_of(user: AnyUser) -> frozenset[Role]:
    """The user's roles, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        if user.is_superuser:
            cached = cached | {Role.MANAGER}
        user._portal_roles = cached
    return cached


def has_role(user: AnyUser, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def is_internal(user: AnyUser) -> bool:
    """Works for the whole region (staff, manager, boards, kwartiermaker)."""
    return bool(roles_of(user) & INTERNAL_ROLES)


def has_any_role(user: AnyUser) -> bool:
    return bool(roles_of(user))


def role_required(*roles: Role) -> Callable:
    """View decorator: 403 for a logged-in user without one of ``roles``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def any_role_required(view: Callable) -> Callable:
    """View decorator: 403 for a logged-in user who has no role in the portal at all."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not has_any_role(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- Municipalities -------------------------------------------------------------------------


def grant_municipality(user: User, municipality: Municipality) -> None:
    assign_perm(VIEW_MUNICIPALITY, user, municipality)


def revoke_municipality(user: User, municipality: Municipality) -> None:
    remove_perm(VIEW_MUNICIPALITY, user, municipality)


def visible_municipalities(user: AnyUser) -> QuerySet[Municipality]:
    if is_internal(user):
        return Municipality.objects.all()
    if has_role(user, Role.CONTACT):
        return get_objects_for_user(user, VIEW_MUNICIPALITY, klass=Municipality, accept_global_perms=False)
    return Municipality.objects.none()


def own_municipality(user: AnyUser) -> Municipality | None:
    """The municipality a contact acts for (None for everyone else)."""
    if not has_role(user, Role.CONTACT):
        return None
    return visible_municipalities(user).order_by("name").first()


def can_manage_reference_data(user: AnyUser) -> bool:
    """Municipalities, modules, memberships, seats: the manager keeps them (also in admin)."""
    return has_role(user, Role.MANAGER)


def can_import_population(user: AnyUser) -> bool:
    return has_role(user, *OFFICE_ROLES)


def get_municipality_for_user(user: AnyUser, slug: str) -> tuple[Municipality, bool]:
    """The municipality and whether the user may change it; 404 when it is not theirs to see."""
    try:
        municipality = visible_municipalities(user).get(slug=slug)
    except Municipality.DoesNotExist:
        raise Http404(_("No such municipality.")) from None
    return municipality, can_manage_reference_data(user)


# --- Contracts and invoices ----------------------------------------------------------------


def can_edit_contracts(user: AnyUser) -> bool:
    """Staff and managers log and change contracts and invoices; everyone else reads."""
    return has_role(user, *OFFICE_ROLES)


def visible_contracts(user: AnyUser) -> QuerySet[Contract]:
    if is_internal(user):
        return Contract.objects.all()
    if has_role(user, Role.CONTACT):
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
    return contract, can_edit_contracts(user)


def visible_invoices(user: AnyUser) -> QuerySet[Invoice]:
    if is_internal(user):
        return Invoice.objects.all()
    if has_role(user, Role.CONTACT):
        return Invoice.objects.filter(municipality__in=visible_municipalities(user))
    return Invoice.objects.none()


def get_invoice_for_user(user: AnyUser, pk: int) -> tuple[Invoice, bool]:
    try:
        invoice = (
            visible_invoices(user).select_related("provider", "contract", "municipality", "registered_by").get(pk=pk)
        )
    except Invoice.DoesNotExist:
        raise Http404(_("No such invoice.")) from None
    return invoice, can_edit_contracts(user)


def can_see_contract_log(user: AnyUser) -> bool:
    """Visits and signals about providers are working notes of the entity's office."""
    return has_role(user, *OFFICE_ROLES)


def can_change_log_entry(user: AnyUser, entry: ContractLogEntry) -> bool:
    return has_role(user, Role.MANAGER) or (has_role(user, Role.STAFF) and entry.author_id == user.pk)


# --- Budgets ---------------------------------------------------------------------------------


def visible_budgets(user: AnyUser):
    """Internal roles see every budget; a contact the budgets of modules its municipality is in
    (the draft budget goes to its council anyway)."""
    from budgeting.models import Budget
    from entity.models import Membership

    if is_internal(user):
        return Budget.objects.all()
    if has_role(user, Role.CONTACT):
        # Drafts in preparation are the office's; a council sees a budget once the draft is sent to it.
        modules = Membership.objects.filter(municipality__in=visible_municipalities(user)).values("module")
        return Budget.objects.filter(module__in=modules).exclude(status__in=("draft", "framework"))
    return Budget.objects.none()


def get_budget_for_user(user: AnyUser, pk: int):
    from budgeting.models import Budget

    try:
        budget = visible_budgets(user).select_related("module", "created_by").get(pk=pk)
    except Budget.DoesNotExist:
        raise Http404(_("No such budget.")) from None
    return budget, has_role(user, *OFFICE_ROLES) and budget.is_editable


def visible_accounts(user: AnyUser):
    """Annual accounts follow the budget they account for."""
    from budgeting.models import AnnualAccounts

    accounts = AnnualAccounts.objects.filter(budget__in=visible_budgets(user))
    return accounts if is_internal(user) else accounts.exclude(status="draft")


def get_accounts_for_user(user: AnyUser, pk: int):
    from budgeting.models import AnnualAccounts

    try:
        accounts = visible_accounts(user).select_related("budget__module", "created_by").get(pk=pk)
    except AnnualAccounts.DoesNotExist:
        raise Http404(_("No such annual accounts.")) from None
    return accounts, has_role(user, *OFFICE_ROLES) and not accounts.is_frozen


# --- Cost allocation -------------------------------------------------------------------------


def can_see_allocation_table(user: AnyUser) -> bool:
    """Every participant's contribution at once (table, CSV, XLSX, ZIP, joining scenario): the
    entity's own people and the boards. A contact sees its own statement only."""
    return is_internal(user)


def can_set_allocation_basis(user: AnyUser, budget) -> bool:
    """The office chooses inhabitants or a fixed key while the budget is still a draft."""
    return has_role(user, *OFFICE_ROLES) and budget.is_editable


def can_record_financial_frames(user: AnyUser) -> bool:
    return has_role(user, Role.MANAGER)


def get_allocation_document_for_user(user: AnyUser, kind: str, pk: int):
    """The budget (``kind`` "budget") or annual accounts whose allocation is asked for; 404 when
    the user may not see it."""
    if kind == "accounts":
        return get_accounts_for_user(user, pk)[0]
    return get_budget_for_user(user, pk)[0]


def get_statement_municipality_for_user(user: AnyUser, slug: str) -> Municipality:
    """Whose statement: a contact only its own municipality's (another's is 404), like every
    other object of another municipality."""
    return get_municipality_for_user(user, slug)[0]


# --- The transition programme ----------------------------------------------------------------


def can_edit_programme(user: AnyUser) -> bool:
    """The kwartiermaker steers the programme; everyone else reads."""
    return has_role(user, Role.KWARTIERMAKER)


def can_see_whole_programme(user: AnyUser) -> bool:
    """Milestones, inventory, risks and checklist: the entity's people and the boards. A contact
    sees the steps of its own municipality and the issued reports."""
    return is_internal(user)


def visible_programmes(user: AnyUser):
    from transition.models import Programme

    if is_internal(user):
        return Programme.objects.all()
    own = own_municipality(user)
    if own is None:
        return Programme.objects.none()
    members = Programme.objects.filter(module__memberships__municipality=own)
    return (members | Programme.objects.filter(joining=own)).distinct()


def get_programme_for_user(user: AnyUser, pk: int):
    from transition.models import Programme

    try:
        programme = visible_programmes(user).select_related("module").get(pk=pk)
    except Programme.DoesNotExist:
        raise Http404(_("No such programme.")) from None
    return programme, can_edit_programme(user)


def visible_reports(user: AnyUser):
    """Issued reports for everyone who sees the programme; drafts for the kwartiermaker only."""
    from transition.models import ProgressReport

    reports = ProgressReport.objects.filter(programme__in=visible_programmes(user))
    return reports if can_edit_programme(user) else reports.filter(issued_on__isnull=False)


def get_report_for_user(user: AnyUser, pk: int):
    from transition.models import ProgressReport

    try:
        report = visible_reports(user).select_related("programme", "issued_by").get(pk=pk)
    except ProgressReport.DoesNotExist:
        raise Http404(_("No such report.")) from None
    return report, can_edit_programme(user) and not report.is_issued


# --- Audit trail ---------------------------------------------------------------------------


def can_see_history(user: AnyUser) -> bool:
    """Who changed what, and when: the managers who answer for the office, and the general board
    that supervises it. A DB member sees it as a member of the AB (every DB member is one)."""
    return has_role(user, Role.MANAGER, Role.GENERAL_BOARD)

# --- Login security ------------------------------------------------------------------------


def can_manage_login_security(user: AnyUser) -> bool:
    """Unlocking blocked logins, the two-factor policy per role and resetting a lost phone."""
    return has_role(user, Role.MANAGER)


def two_factor_required(user: AnyUser) -> bool:
    """A manager requires a second factor for one of the user's roles."""
    from accounts.models import TwoFactorPolicy

    if not user.is_authenticated:
        return False
    # One query on every page of a logged-in user (the middleware asks), joined to the groups.
    mine = Q(group__user=user) | (Q(group__name=Role.MANAGER.value) if user.is_superuser else Q(pk__in=[]))
    return TwoFactorPolicy.objects.filter(mine, required=True).exists()


# --- Accounts --------------------------------------------------------------------------------
# A manager keeps the office's accounts in /beheer/: names, e-mail, active or not, roles,
# municipality-contact links and board seats. Never a password, a permission or superuser
# status; the manager role itself only a superuser (made on the server with createsuperuser).


def can_manage_accounts(user: AnyUser) -> bool:
    return has_role(user, Role.MANAGER)


def is_privileged(account: User) -> bool:
    """A superuser or a manager: whose account only a superuser changes."""
    return account.is_superuser or account.groups.filter(name=Role.MANAGER.value).exists()


def can_change_account(user: AnyUser, account: User | None) -> bool:
    """A manager changes every account but a superuser's or another manager's (its own: its names
    and e-mail, see ``can_change_roles_of``); a superuser changes them all."""
    if not can_manage_accounts(user):
        return False
    return user.is_superuser or account is None or account.pk == user.pk or not is_privileged(account)


def can_change_roles_of(user: AnyUser, account: User | None) -> bool:
    """Roles and whether the account is active: not a manager's own (nobody locks themselves out
    or leaves their role), nor a privileged account's, unless the user is a superuser."""
    if not can_manage_accounts(user):
        return False
    return user.is_superuser or account is None or (account.pk != user.pk and not is_privileged(account))


def assignable_roles(user: AnyUser) -> frozenset[Role]:
    """The roles a user may give or take away."""
    if not can_manage_accounts(user):
        return frozenset()
    return frozenset(Role) if user.is_superuser else frozenset(Role) - {Role.MANAGER}


def can_delete_accounts(user: AnyUser) -> bool:
    """An account is deactivated, not deleted (its name stays on what it did); a superuser may."""
    return user.is_authenticated and user.is_superuser


# --- Navigation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    section: str


def navigation(user: AnyUser) -> list[NavItem]:
    """Only what the role may use: a link that leads to 403 is not shown."""
    if not has_any_role(user):
        return []
    items = [
        NavItem(_("Home"), "home", "home"),
        NavItem(_("Municipalities"), "municipalities:list", "municipalities"),
        NavItem(_("Modules"), "entity:modules", "modules"),
        NavItem(_("Contracts"), "contracts:list", "contracts"),
        NavItem(_("Invoices"), "contracts:invoices", "invoices"),
        NavItem(_("Budgets"), "budgeting:list", "budgets"),
    ]
    items.append(NavItem(_("Transition"), "transition:index", "transition"))
    if is_internal(user):
        items.append(NavItem(_("Organisation"), "entity:organisation", "organisation"))
    if can_edit_contracts(user):
        items.append(NavItem(_("Import invoices"), "contracts:invoice_import", "invoice_import"))
    if can_import_population(user):
        items.append(NavItem(_("Import population"), "municipalities:import", "import"))
    if can_manage_login_security(user):
        items.append(NavItem(_("Login security"), "account:lockouts", "login_security"))
    if can_manage_reference_data(user):
        items.append(NavItem(_("Management"), "admin:index", "admin"))
    return items
