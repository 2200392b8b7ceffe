"""The main menu: only what the user's capabilities reach; a link that leads to 403 is not shown.

Only URL names, no app imports: the policy's layer may hold it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from access.policy import AnyUser, Capability, can


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    section: str


# After the pages every role reads: the link and the capability it needs.
GUARDED_ITEMS = [
    (NavItem(_("Organisation"), "entity:organisation", "organisation"), Capability.SEE_WHOLE_REGION),
    (NavItem(_("Import invoices"), "contracts:invoice_import", "invoice_import"), Capability.REGISTER_INVOICES),
    (NavItem(_("Import messages"), "traffic:import", "message_import"), Capability.IMPORT_MESSAGES),
    (NavItem(_("Import population"), "municipalities:import", "import"), Capability.IMPORT_POPULATION),
    (NavItem(_("Login security"), "account:lockouts", "login_security"), Capability.MANAGE_LOGIN_SECURITY),
    (NavItem(_("Management"), "admin:index", "admin"), Capability.MANAGE_REFERENCE_DATA),
]


def navigation(user: AnyUser) -> list[NavItem]:
    if not can(user, Capability.USE_PORTAL):
        return []
    items = [
        NavItem(_("Home"), "home", "home"),
        NavItem(_("Municipalities"), "municipalities:list", "municipalities"),
        NavItem(_("Modules"), "entity:modules", "modules"),
        NavItem(_("Contracts"), "contracts:list", "contracts"),
        NavItem(_("Invoices"), "contracts:invoices", "invoices"),
        NavItem(_("Monitor"), "monitor:overview", "monitor"),
        NavItem(_("Budgets"), "budgeting:list", "budgets"),
        NavItem(_("Transition"), "transition:index", "transition"),
    ]
    return items + [item for item, needed in GUARDED_ITEMS if can(user, needed)]
