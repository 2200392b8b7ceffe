"""The apps import each other in one direction only (issue 14): no circle between apps.

``APP_ORDER`` is the one place the layers are written down, bottom first: an app may import the
apps listed before it and never one listed after it. That also rules out every circle; the cycle
test still runs on its own, so a circle is reported as a circle (with the import lines that make
it), not only as a list of wrong-way imports.

What is read: every ``.py`` file of every first-party package (a folder in the project root with
an ``__init__.py``; ``tests/`` is not an app and is left out), parsed with ``ast``, with:

- every ``import`` and ``from … import``, also inside functions and methods (an import deferred
  into a function still ties the apps together; deferring it only hides the circle), under
  ``if TYPE_CHECKING:`` too, and relative imports resolved against the module's package;
- ``importlib.import_module("…")`` with a literal name;
- migrations as well: they run in production like any other code, and an import in a migration
  ties two apps as firmly (it cannot be changed later without rewriting history, so it is caught
  now). Dependencies between migrations are strings in ``dependencies``, not imports, and are not
  edges here.

``portal`` is two things: ``portal.settings``, ``portal.urls``, ``portal.wsgi`` and
``portal.asgi`` are the project root, which wires every app together and so sits on top (the
pseudo-app ``project``); the rest of ``portal`` (money, uploads, template filters, admin bases…)
is the shared helpers at the bottom.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom first. An app imports only apps before it.
APP_ORDER = [
    "portal",  # shared helpers: money, uploads, text files, PDFs, template filters, admin bases
    "access",  # the policy: roles and what each may do
    "audit",  # the trail of every change
    "municipalities",
    "entity",  # modules, memberships, functions, board seats, municipality contacts
    "contracts",
    "budgeting",
    "transition",
    "traffic",  # the municipalities' message traffic: allocations, declarations' lines, returns
    "monitor",  # steering information on the traffic: stored figures, pages, signals
    "accounts",  # logging in: accounts, passwords, lockouts, the second factor
    "pages",  # the pages that combine every app: home page, navigation, demo loader
    "ops",  # operating the portal: backup and restore
    "project",  # portal.settings/urls/wsgi/asgi: wires everything together
]
PROJECT_MODULES = {"portal.settings", "portal.urls", "portal.wsgi", "portal.asgi"}
NOT_APPS = {"tests"}


@dataclass(frozen=True)
class Edge:
    source: str  # app
    target: str  # app
    module: str  # the importing module
    line: int
    imported: str  # the module named in the import

    def __str__(self) -> str:
        path = self.module.replace(".", "/") + ".py"
        return f"{self.source} -> {self.target}: {path}:{self.line} imports {self.imported}"


def first_party_packages(root: Path = ROOT) -> list[str]:
    return sorted(
        p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_APPS
    )


def app_of(module: str, packages: set[str]) -> str | None:
    """The app a dotted module belongs to (None: not first-party)."""
    if module in PROJECT_MODULES or any(module.startswith(f"{m}.") for m in PROJECT_MODULES):
        return "project"
    top = module.split(".")[0]
    return top if top in packages else None


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in ``source``, wherever it stands in the file."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return sorted(found)


def module_name(path: Path, root: Path = ROOT) -> tuple[str, bool]:
    relative = path.relative_to(root).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def app_edges(root: Path = ROOT) -> list[Edge]:
    """Every import from one app into another."""
    packages = set(first_party_packages(root))
    edges = []
    for package in sorted(packages):
        for path in sorted((root / package).rglob("*.py")):
            module, is_package = module_name(path, root)
            source_app = app_of(module, packages)
            for line, name in imported_modules(path.read_text(encoding="utf-8"), module, is_package):
                target_app = app_of(name, packages)
                if target_app and target_app != source_app:
                    edges.append(Edge(source_app, target_app, module, line, name))
    return edges


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle in ``graph`` as [a, b, …, a], or None when there is none (depth-first search)."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once fully explored
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def describe_cycle(cycle: list[str], edges: list[Edge]) -> str:
    lines = [" -> ".join(cycle)]
    for source, target in zip(cycle, cycle[1:], strict=False):
        lines += [f"  {e}" for e in edges if (e.source, e.target) == (source, target)]
    return "\n".join(lines)


def graph_of(edges: list[Edge]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        graph[edge.source].add(edge.target)
    return graph


# --- The project ---------------------------------------------------------------------------


def test_every_app_has_its_place_in_the_order():
    missing = set(first_party_packages()) - set(APP_ORDER)
    assert not missing, f"Add {sorted(missing)} to APP_ORDER in {__file__}, in the layer it belongs to."


def test_no_circle_between_apps():
    edges = app_edges()
    cycle = find_cycle(graph_of(edges))
    assert cycle is None, "Apps import each other in a circle:\n" + describe_cycle(cycle, edges)


def test_apps_import_only_apps_below_them():
    rank = {app: i for i, app in enumerate(APP_ORDER)}
    wrong = [e for e in app_edges() if rank.get(e.target, -1) > rank.get(e.source, len(rank))]
    assert not wrong, (
        "Imports against APP_ORDER (bottom first: " + ", ".join(APP_ORDER) + "):\n" + "\n".join(f"  {e}" for e in wrong)
    )


# --- The checker itself --------------------------------------------------------------------


def test_find_cycle_reports_a_circle_and_accepts_a_ladder():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"top": {"middle", "bottom"}, "middle": {"bottom"}, "bottom": set()}) is None
    assert find_cycle({"x": {"y"}, "y": {"y2"}, "y2": {"y"}}) == ["y", "y2", "y"]


def test_a_circle_is_described_with_the_import_lines_that_make_it():
    edges = [Edge("a", "b", "a.models", 3, "b.models"), Edge("b", "a", "b.views", 12, "a.services")]
    text = describe_cycle(find_cycle(graph_of(edges)), edges)
    assert text.splitlines() == [
        "a -> b -> a",
        "  a -> b: a/models.py:3 imports b.models",
        "  b -> a: b/views.py:12 imports a.services",
    ]


def test_imports_inside_functions_relative_ones_and_import_module_are_read():
    source = (
        "import os\n"
        "from entity.models import Module\n"
        "from . import forms\n"
        "from ..shared import helper\n"
        "def save():\n"
        "    from audit import services\n"
        "    importlib.import_module('budgeting.models')\n"
    )
    assert imported_modules(source, "contracts.views.detail") == [
        (1, "os"),
        (2, "entity.models"),
        (3, "contracts.views"),
        (4, "contracts.shared"),
        (6, "audit"),
        (7, "budgeting.models"),
    ]
    assert imported_modules("from . import views", "contracts", is_package=True) == [(1, "contracts")]


def test_the_project_root_is_its_own_layer_on_top():
    packages = {"portal", "entity"}
    assert app_of("portal.urls", packages) == "project"
    assert app_of("portal.settings", packages) == "project"
    assert app_of("portal.money", packages) == "portal"
    assert app_of("entity.models", packages) == "entity"
    assert app_of("django.db", packages) is None


@pytest.mark.parametrize("bad", [{"a": {"b"}, "b": {"a"}}, {"a": {"a2"}, "a2": {"b"}, "b": {"a"}}])
def test_find_cycle_fails_on_any_circle(bad):
    assert find_cycle(bad) is not None
