from __future__ import annotations

from django.http import HttpRequest

from entity import access


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
    if match.namespace == "budgeting":
        return "budgets"
    if match.namespace == "transition":
        return "transition"
    if match.namespace == "entity":
        return "organisation" if match.url_name == "organisation" else "modules"
    return match.url_name or ""


def navigation(request: HttpRequest) -> dict:
    user = request.user
    return {
        "nav_items": access.navigation(user),
        "nav_section": _section(request),
        "user_roles": sorted(role.value for role in access.roles_of(user)),
    }
