"""Who may do what is said once, in access/policy.py: the table is complete, a typo fails loudly, and
no role is named anywhere else (views, services, templates) but in migrations, demo data and tests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from access import policy
from access.policy import POLICY, Capability, Role, can, requires
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
# Where roles may be named: the policy itself, the migrations that create the groups, the demo
# users and load-test users (their groups by name), and the tests.
ALLOWED = (
    "access/policy.py",
    "pages/demo_data.py",
    "pages/management/commands/load_demo.py",
    "bench/loadsetup.py",
    "tests/",
)
ALLOWED_PARTS = {"migrations"}
ALLOWED_NAMES = {"demo.py", "demo_data.py", "load_demo.py"}
SKIPPED_DIRS = {".venv", ".git", "node_modules", "static", "locale", "__pycache__"}
# The old ways of deciding by role, by any name they might be imported under.
ROLE_LISTS = {"Role", "has_role", "role_required", "OFFICE_ROLES", "INTERNAL_ROLES", "POLICY", "roles_of"}
ROLE_VALUES = {role.value for role in Role}
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy"}
TEMPLATE_TAG = re.compile(r"{%\s*(?:el)?if\b(.*?)%}", re.S)
QUOTED = re.compile(r"""["']([^"']*)["']""")


def _translated_strings(tree: ast.AST) -> set[int]:
    """The ids of string constants that are messages to translate (prose, not identifiers)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in GETTEXT:
                ids.update(id(arg) for arg in node.args)
    return ids


def python_findings(source: str) -> list[tuple[int, str]]:
    """(line, what) for every role named in Python source."""
    tree = ast.parse(source)
    prose = _translated_strings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in ROLE_LISTS:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_LISTS:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name in ROLE_LISTS]
        elif isinstance(node, ast.Constant) and node.value in ROLE_VALUES and id(node) not in prose:
            found.append((node.lineno, repr(node.value)))
    return found


def template_findings(source: str) -> list[tuple[int, str]]:
    """(line, what) for a role compared in a template's {% if %}, or the old has_role flag."""
    found = []
    for match in TEMPLATE_TAG.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        condition = match.group(1)
        found += [(line, repr(v)) for v in QUOTED.findall(condition) if v in ROLE_VALUES]
        # The roles listed for display (base.html) must not decide: no membership test on them.
        found += [(line, word) for word in (r"in\s+user_roles", "has_role") if re.search(rf"\b{word}\b", condition)]
    return found


def _allowed(relative: str) -> bool:
    parts = relative.split("/")
    return relative.startswith(ALLOWED) or ALLOWED_PARTS.intersection(parts[:-1]) or parts[-1] in ALLOWED_NAMES


def _project_files():
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT).as_posix()
        if path.suffix not in (".py", ".html") or SKIPPED_DIRS.intersection(relative.split("/")):
            continue
        if not _allowed(relative):
            yield relative, path


def test_no_role_is_named_outside_the_policy():
    problems = []
    for relative, path in _project_files():
        scan = python_findings if path.suffix == ".py" else template_findings
        problems += [f"{relative}:{line}: {what}" for line, what in scan(path.read_text(encoding="utf-8"))]
    assert not problems, "Ask the policy (access/policy.py) by capability instead:\n" + "\n".join(problems)


def test_the_scan_covers_views_services_and_templates():
    scanned = {relative for relative, _path in _project_files()}
    assert {"budgeting/views/budgets.py", "budgeting/services/cycle.py", "templates/base.html"} <= scanned
    assert "access/policy.py" not in scanned and "entity/migrations/0002_roles_and_functions.py" not in scanned


@pytest.mark.parametrize(
    "source",
    [
        "from access.policy import Role\n",
        "from access import policy\nok = policy.Role.MANAGER in roles\n",
        "x = access.has_role(user, Role.STAFF, Role.MANAGER)\n",
        "office_only = access.role_required(*OFFICE_ROLES)\n",
        "def f(user):\n    return is_in(user, INTERNAL_ROLES)\n",
        'users = User.objects.filter(groups__name="Leidinggevende")\n',
        'GROUPS = ["Medewerker", "Dagelijks bestuur"]\n',
    ],
)
def test_the_check_finds_a_role_in_python(source):
    assert python_findings(source)


@pytest.mark.parametrize(
    "source",
    [
        '{% if can_edit and "Leidinggevende" in user_roles %}x{% endif %}',
        "{% if user.is_staff %}{% elif 'Kwartiermaker' in roles %}x{% endif %}",
        "{% if not has_role %}x{% endif %}",
        "{% if role in user_roles %}x{% endif %}",
    ],
)
def test_the_check_finds_a_role_in_a_template(source):
    assert template_findings(source)


def test_prose_and_capabilities_pass_the_check():
    python = (
        'label = _("Algemeen bestuur")\n'
        "if can(user, Capability.DECIDE_AS_AB):\n    pass\n"
        '"""The Algemeen bestuur decides."""\n'
    )
    template = (
        '{% translate "Algemeen bestuur" %}<h2>Dagelijks bestuur</h2>'
        "{% if may_decide %}x{% endif %}{% if user_roles %}{{ user_roles|join:', ' }}{% endif %}"
    )
    assert python_findings(python) == []
    assert template_findings(template) == []


# --- The table --------------------------------------------------------------------------------


def test_every_capability_is_in_the_table_with_existing_roles():
    assert set(POLICY) == set(Capability)
    for capability, roles in POLICY.items():
        assert roles, capability
        assert roles <= set(Role), capability


def test_every_role_has_a_capability_and_uses_the_portal():
    assert POLICY[Capability.USE_PORTAL] == frozenset(Role)
    for role in Role:
        assert any(role in roles for capability, roles in POLICY.items() if capability != Capability.USE_PORTAL)


def test_an_unknown_capability_fails_when_the_view_is_decorated():
    with pytest.raises(ValueError, match="no_such_capability"):
        requires("no_such_capability")
    with pytest.raises(AttributeError):
        Capability.NO_SUCH_CAPABILITY  # noqa: B018 - the attribute access is the test


def test_an_unknown_capability_fails_when_asked():
    with pytest.raises(ValueError):
        can(AnonymousUser(), "approve_invoices_typo")


@pytest.mark.django_db
def test_requires_refuses_a_user_without_the_capability():
    view = requires(Capability.DECIDE_AS_AB)(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/")
    request.user = UserFactory(roles=[Role.GENERAL_BOARD.value])
    assert view(request).status_code == 200
    request.user = UserFactory(roles=[Role.STAFF.value])
    with pytest.raises(PermissionDenied):
        view(request)
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        view(request)


@pytest.mark.django_db
def test_a_superuser_counts_as_a_manager():
    superuser = UserFactory(is_superuser=True)
    assert can(superuser, Capability.MANAGE_ACCOUNTS)
    assert policy.implicit_role_names(superuser) == [policy.manager_group_name()]
    assert not can(superuser, Capability.DECIDE_AS_AB)
