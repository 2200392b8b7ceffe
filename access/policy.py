"""Who may do what, said once: the roles, and for each capability the roles that have it.

Roles are Django groups (created by entity's data migration 0002). Views declare
``@requires(Capability.X)``; services, context processors and views ask ``can(user, Capability.X)``
and hand templates the answer. No role is named outside this module (tests/test_access_policy.py
fails when one is). Adding a role means: a member of ``Role``, its capabilities in ``POLICY``, its
group in the data migration and a demo user.

Which objects a user sees (a contact: its own municipality's; 404 for the rest) is decided by the
app that owns them, in ``<app>/visibility.py``, which asks this module only through capabilities.
This module imports no app of the portal, so every app may import it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

AnyUser = User | AnonymousUser


class Role(StrEnum):
    """The value is the group name as users see it in the admin (Dutch)."""

    STAFF = "Medewerker"
    MANAGER = "Leidinggevende"
    DAILY_BOARD = "Dagelijks bestuur"
    GENERAL_BOARD = "Algemeen bestuur"
    KWARTIERMAKER = "Kwartiermaker"
    CONTACT = "Gemeentelijk contactpersoon"


class Capability(StrEnum):
    """What a user may do. A name that is not a member raises (``Capability("typo")``: ValueError)."""

    USE_PORTAL = "use_portal"
    SEE_WHOLE_REGION = "see_whole_region"
    ACT_FOR_OWN_MUNICIPALITY = "act_for_own_municipality"
    MANAGE_REFERENCE_DATA = "manage_reference_data"
    IMPORT_POPULATION = "import_population"
    EDIT_CONTRACTS = "edit_contracts"
    SEE_CONTRACT_LOG = "see_contract_log"
    CHANGE_OWN_LOG_ENTRIES = "change_own_log_entries"
    CHANGE_ANY_LOG_ENTRY = "change_any_log_entry"
    REGISTER_INVOICES = "register_invoices"
    IMPORT_MESSAGES = "import_messages"
    SEE_MONITOR = "see_monitor"
    SEE_MONITOR_LINES = "see_monitor_lines"
    PROCESS_INVOICES = "process_invoices"
    PREPARE_DOCUMENTS = "prepare_documents"
    SEE_STATEMENT_DOWNLOADS = "see_statement_downloads"
    ENTER_COUNCIL_VIEW = "enter_council_view"
    TAKE_DB_STEP = "take_db_step"
    DECIDE_AS_AB = "decide_as_ab"
    SEE_ALLOCATION_TABLE = "see_allocation_table"
    RECORD_FINANCIAL_FRAMES = "record_financial_frames"
    STEER_PROGRAMME = "steer_programme"
    SEE_WHOLE_PROGRAMME = "see_whole_programme"
    READ_HISTORY = "read_history"
    MANAGE_LOGIN_SECURITY = "manage_login_security"
    MANAGE_ACCOUNTS = "manage_accounts"


_OFFICE = frozenset({Role.STAFF, Role.MANAGER})
_INTERNAL = _OFFICE | {Role.DAILY_BOARD, Role.GENERAL_BOARD, Role.KWARTIERMAKER}

# The policy table: each capability and the roles that have it. A superuser counts as a manager.
POLICY: dict[Capability, frozenset[Role]] = {
    # Every role uses the portal; a logged-in user without a role sees an explanation only.
    Capability.USE_PORTAL: frozenset(Role),
    # The entity's own people and the boards work for the whole region.
    Capability.SEE_WHOLE_REGION: _INTERNAL,
    # A municipality contact sees and acts for its own municipality (a guardian object permission).
    Capability.ACT_FOR_OWN_MUNICIPALITY: frozenset({Role.CONTACT}),
    # Municipalities, modules, memberships, seats: the manager keeps them (also in /beheer/, where
    # the model permissions this gives the manager's group are listed in entity/signals.py).
    Capability.MANAGE_REFERENCE_DATA: frozenset({Role.MANAGER}),
    Capability.IMPORT_POPULATION: _OFFICE,
    # Staff and managers log and change contracts; everyone else reads.
    Capability.EDIT_CONTRACTS: _OFFICE,
    # Visits and signals about providers are working notes of the entity's office.
    Capability.SEE_CONTRACT_LOG: _OFFICE,
    Capability.CHANGE_OWN_LOG_ENTRIES: frozenset({Role.STAFF}),
    Capability.CHANGE_ANY_LOG_ENTRY: frozenset({Role.MANAGER}),
    # Register (by hand or imported), then check, approve, reject, pay (four eyes: the model).
    Capability.REGISTER_INVOICES: _OFFICE,
    Capability.PROCESS_INVOICES: _OFFICE,
    # The municipalities' message traffic (301, 323, 325), pseudonymised on import.
    Capability.IMPORT_MESSAGES: _OFFICE,
    # The monitor's figures: the whole region for internal roles, its own municipality for a
    # contact (small numbers suppressed). The signals and the declared lines behind them are the
    # office's material for targeted checks.
    Capability.SEE_MONITOR: frozenset(Role),
    Capability.SEE_MONITOR_LINES: _OFFICE,
    # Budgets, amendments, the plan, annual accounts and the allocation basis while they may change.
    Capability.PREPARE_DOCUMENTS: _OFFICE,
    Capability.SEE_STATEMENT_DOWNLOADS: _OFFICE,
    # A council's view: its municipality's contact, or the office for any council.
    Capability.ENTER_COUNCIL_VIEW: _OFFICE | {Role.CONTACT},
    # The DB's steps and replies to views; the AB's decisions (both also need a seat that day).
    Capability.TAKE_DB_STEP: frozenset({Role.DAILY_BOARD}),
    Capability.DECIDE_AS_AB: frozenset({Role.GENERAL_BOARD}),
    # Every participant's contribution at once (table, exports, joining scenario); a contact sees
    # its own statement only.
    Capability.SEE_ALLOCATION_TABLE: _INTERNAL,
    Capability.RECORD_FINANCIAL_FRAMES: frozenset({Role.MANAGER}),
    # The kwartiermaker steers the transition programme; everyone else reads.
    Capability.STEER_PROGRAMME: frozenset({Role.KWARTIERMAKER}),
    # Milestones, inventory, risks and checklist; a contact sees its own steps and issued reports.
    Capability.SEE_WHOLE_PROGRAMME: _INTERNAL,
    # Who changed what: the managers who answer for the office and the general board that
    # supervises it (a DB member sees it as a member of the AB; every DB member is one).
    Capability.READ_HISTORY: frozenset({Role.MANAGER, Role.GENERAL_BOARD}),
    # Unlocking blocked logins, the two-factor policy per role and resetting a lost phone.
    Capability.MANAGE_LOGIN_SECURITY: frozenset({Role.MANAGER}),
    # Accounts in /beheer/: names, e-mail, active or not, roles, contact links and board seats.
    Capability.MANAGE_ACCOUNTS: frozenset({Role.MANAGER}),
}


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


def capability(name: str) -> Capability:
    """The capability called ``name``; an unknown name raises ``ValueError`` (typos fail loudly)."""
    return Capability(name)


def can(user: AnyUser, name: str) -> bool:
    """Whether one of the user's roles has the capability."""
    return bool(roles_of(user) & POLICY[capability(name)])


def requires(name: str) -> Callable:
    """View decorator: 403 for a logged-in user without the capability. An unknown capability
    fails when the view is decorated, that is on import."""
    wanted = capability(name)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not can(request.user, wanted):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# A logged-in user who has no role in the portal at all gets 403.
any_role_required = requires(Capability.USE_PORTAL)


def has_any_role(user: AnyUser) -> bool:
    return can(user, Capability.USE_PORTAL)


def is_internal(user: AnyUser) -> bool:
    """Works for the whole region (staff, manager, boards, kwartiermaker)."""
    return can(user, Capability.SEE_WHOLE_REGION)


def can_change_log_entry(user: AnyUser, entry) -> bool:
    """A manager changes every entry of the contract-management log; staff their own."""
    if can(user, Capability.CHANGE_ANY_LOG_ENTRY):
        return True
    return can(user, Capability.CHANGE_OWN_LOG_ENTRIES) and entry.author_id == user.pk


def board_capability(daily_board: bool) -> Capability:
    """What a board member does in that board: the DB takes its steps, the AB decides."""
    return Capability.TAKE_DB_STEP if daily_board else Capability.DECIDE_AS_AB


# --- Role names, for those who list or store roles (the groups) -------------------------------


def role_names() -> list[str]:
    """Every role's group name, in the order of ``Role``."""
    return [role.value for role in Role]


def role_names_of(user: AnyUser) -> list[str]:
    """The user's roles by name, sorted (for display)."""
    return sorted(role.value for role in roles_of(user))


def implicit_role_names(user: AnyUser) -> list[str]:
    """Roles a user has without being in the group: a superuser is a manager."""
    return [Role.MANAGER.value] if user.is_authenticated and user.is_superuser else []


def manager_group_name() -> str:
    """The group whose members keep /beheer/; only a superuser grants or removes it."""
    return Role.MANAGER.value


# --- Accounts --------------------------------------------------------------------------------
# A manager keeps the office's accounts in /beheer/: names, e-mail, active or not, roles,
# municipality-contact links and board seats. Never a password, a permission or superuser
# status; the manager role itself only a superuser (made on the server with createsuperuser).


def can_manage_accounts(user: AnyUser) -> bool:
    return can(user, Capability.MANAGE_ACCOUNTS)


def is_privileged(account: User) -> bool:
    """A superuser or a manager: whose account only a superuser changes."""
    return account.is_superuser or account.groups.filter(name=manager_group_name()).exists()


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


def assignable_role_names(user: AnyUser) -> frozenset[str]:
    """The roles (group names) a user may give or take away."""
    if not can_manage_accounts(user):
        return frozenset()
    roles = frozenset(Role) if user.is_superuser else frozenset(Role) - {Role.MANAGER}
    return frozenset(role.value for role in roles)


def can_delete_accounts(user: AnyUser) -> bool:
    """An account is deactivated, not deleted (its name stays on what it did); a superuser may."""
    return user.is_authenticated and user.is_superuser
