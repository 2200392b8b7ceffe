from __future__ import annotations

from django.http import HttpRequest

from access.navigation import navigation as menu
from access.policy import role_names_of

MANAGER_SECURITY_PAGES = {"lockouts", "two_factor_policy", "two_factor_users"}


def _section(request: HttpRequest) -> str:
    """Which main-menu item the current page belongs to (for aria-current)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.namespace == "municipalities":
        return "import" if match.url_name == "import" else "municipalities"
    if match.namespace == "contracts":
        if match.url_name == "invoice_import":
            return "invoice_import"
        return "invoices" if match.url_name.startswith("invoice") else "contracts"
    if match.namespace == "monitor":
        return "monitor"
    if match.namespace == "traffic":  # the message import, or a declaration's answer (with the invoices)
        return "message_import" if match.url_name == "import" else "invoices"
    if match.namespace == "budgeting":
        return "budgets"
    if match.namespace == "transition":
        return "transition"
    if match.namespace == "account" and match.url_name in MANAGER_SECURITY_PAGES:
        return "login_security"
    if match.namespace == "entity":
        return "organisation" if match.url_name == "organisation" else "modules"
    return match.url_name or ""


def navigation(request: HttpRequest) -> dict:
    user = request.user
    # Until the second login step is done the menu would only lead back to it (see middleware).
    pending = getattr(request, "two_factor_pending", None) is not None
    return {
        "two_factor_pending": pending,
        "nav_items": [] if pending else menu(user),
        "nav_section": _section(request),
        "user_roles": role_names_of(user),
    }
