"""The import graph of src/otcsms follows the layers of docs/decisions/0004-layers.md.

Every module is read with ``ast``, nothing is imported: imports at any depth count (inside functions, methods
and ``if TYPE_CHECKING:`` blocks too: a deferred import is still a dependency), and so do model lookups by name
(``apps.get_model("org", "Person")``, ``get_model("org.Person")``), which depend on an app as much as an import
does. Migrations are left out: how they depend on each other is the migration graph's business.

A package may import its own modules and the packages of lower layers; packages of one layer do not import each
other, except in the top layer (the entry points). No cycle between packages, none between modules.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "otcsms"

# Bottom first. "otcsms" is the package's own __init__ (the version).
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "otcsms",
        "envconfig",
        "iec62443",
        "installed_apps",
    ),  # plain Python: version, environment parsing, IEC 62443 data
    ("core",),  # audit trail, actor, model mixins, scoping, API plumbing
    ("tenancy",),  # organisation, sites, memberships
    ("links", "checks", "signin"),  # platform services: object links; checks and findings; sign-in (issue 18)
    ("ui", "cli_support"),  # the kits every app's pages and commands are built from
    # directory: LDAP / AD sign-in and group -> role mappings (issue 18)
    ("org", "catalogs", "jobs", "directory"),
    ("plant", "people"),  # zones, conduits, assets; training and personnel security (issue 15)
    ("assessments",),
    ("evidence",),  # documents and evidence links (issue 11)
    ("access", "configs", "risk"),  # access governance (issue 12); configurations and drift (13); risk (14)
    ("roadmap",),  # roadmap actions and the planner (issue 14)
    (
        "resilience",
        "improvement",
    ),  # issue 15: drills and incidents; KPIs, reviews, nonconformities: both feed roadmap
    ("reports",),  # reports, backup and restore (issue 16): reads every app below
    ("web", "demo", "cli", "checks_cli", "api", "urls", "settings", "server", "wsgi", "asgi"),  # entry points
)
# Packages of plain Python: the standard library and themselves, nothing else (not even Django).
PLAIN = frozenset({"iec62443"})


@dataclass(frozen=True, slots=True)
class Dependency:
    module: str  # otcsms.plant.models
    path: str  # otcsms/plant/models.py
    line: int
    target: str  # otcsms.assessments.security_levels, or "apps.get_model('assessments', ...)"
    target_package: str

    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def package(self) -> str:
        return package_of(self.module)


def package_of(module: str) -> str:
    """otcsms.plant.models -> plant; otcsms.cli -> cli; otcsms -> otcsms."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def modules(src: Path) -> dict[str, Path]:
    """Every module under ``src`` (a package directory) by dotted name, migrations left out."""
    found = {}
    for path in sorted(src.rglob("*.py")):
        relative = path.relative_to(src.parent).with_suffix("")
        if "migrations" in relative.parts:
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        found[".".join(parts)] = path
    return found


def dependencies(src: Path) -> list[Dependency]:
    """Every reference from a module of ``src`` to another module of it, or to one of its apps by label."""
    known = modules(src)
    root = src.name
    found = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for line, target, package in _references(node, module, path, known, root):
                found.append(Dependency(module, str(path.relative_to(src.parent)), line, target, package))
    return found


def _references(
    node: ast.AST, module: str, path: Path, known: dict[str, Path], root: str
) -> Iterator[tuple[int, str, str]]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == root or alias.name.startswith(root + "."):
                yield node.lineno, alias.name, package_of(alias.name)
    elif isinstance(node, ast.ImportFrom):
        base = _absolute(node, module, path)
        if base == root or base.startswith(root + "."):
            for alias in node.names:
                # `from otcsms import cli` names the module otcsms.cli, not the package's __init__
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                yield node.lineno, target, package_of(target)
    elif isinstance(node, ast.Call) and _is_get_model(node):
        label = _looked_up_app(node)
        if label is not None and f"{root}.{label}" in known:  # an app of ours (not "contenttypes")
            yield node.lineno, f"apps.get_model({label!r}, ...)", label


def _absolute(node: ast.ImportFrom, module: str, path: Path) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_get_model(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name == "get_model" and bool(node.args)


def _looked_up_app(node: ast.Call) -> str | None:
    """The app label of ``get_model("app", "Model")`` or ``get_model("app.Model")``; None if not a literal."""
    first = node.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    return first.value.split(".")[0] if len(node.args) == 1 else first.value


def layer_of(package: str) -> int | None:
    for number, members in enumerate(LAYERS):
        if package in members:
            return number
    return None


def _describe(package: str) -> str:
    return f"{package} (layer {layer_of(package)}: {', '.join(LAYERS[layer_of(package) or 0])})"


def layer_violations(found: Iterable[Dependency]) -> list[str]:
    """One line per dependency that does not point to a lower layer."""
    top = len(LAYERS) - 1
    problems = []
    for dep in found:
        source, target = layer_of(dep.package), layer_of(dep.target_package)
        if dep.package == dep.target_package or source is None or target is None:
            continue
        if target < source or source == target == top:
            continue
        why = "the same layer" if source == target else "a higher layer"
        problems.append(
            f"{dep.where()} {dep.module} depends on {dep.target}: {_describe(dep.package)} may not depend on "
            f"{_describe(dep.target_package)}, {why}"
        )
    return problems


def plain_violations(src: Path) -> list[str]:
    """Imports of anything but the standard library (and themselves) in the PLAIN packages."""
    problems = []
    for module, path in modules(src).items():
        if package_of(module) not in PLAIN:
            continue
        own = f"{src.name}.{package_of(module)}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "__future__" and not name.startswith(own):
                    where = path.relative_to(src.parent)
                    problems.append(
                        f"{where}:{node.lineno} {module} imports {name}: {module} is plain Python"
                    )
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def cycle_report(found: list[Dependency], key) -> list[str]:
    """One line per cycle, listing the dependencies that close it."""
    edges: dict[str, set[str]] = defaultdict(set)
    by_edge: dict[tuple[str, str], list[Dependency]] = defaultdict(list)
    for dep in found:
        source, target = key(dep)
        if source != target:
            edges[source].add(target)
            by_edge[(source, target)].append(dep)
    lines = []
    for component in cycles(edges):
        inside = [
            f"{d.where()} {d.module} -> {d.target}"
            for (a, b), deps in sorted(by_edge.items())
            if a in component and b in component
            for d in deps
        ]
        lines.append(f"cycle between {', '.join(component)}: " + "; ".join(inside))
    return lines


def _target_module(dep: Dependency) -> str:
    # get_model lookups name an app, not a module: they count as a dependency on its models
    return f"{SRC.name}.{dep.target_package}.models" if dep.target.startswith("apps.") else dep.target


# --- the tests ------------------------------------------------------------------------------------------


def test_every_package_has_a_layer():
    packages = {package_of(module) for module in modules(SRC)}
    listed = {package for layer in LAYERS for package in layer}
    assert not packages - listed, (
        f"packages with no layer (add them to LAYERS here and to the decision): {sorted(packages - listed)}"
    )
    assert not listed - packages, f"LAYERS names packages that do not exist: {sorted(listed - packages)}"


def test_every_dependency_points_to_a_lower_layer():
    problems = layer_violations(dependencies(SRC))
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_plain_packages_import_only_the_standard_library():
    problems = plain_violations(SRC)
    assert not problems, "\n".join(problems)


def test_no_cycle_between_packages():
    problems = cycle_report(dependencies(SRC), lambda d: (d.package, d.target_package))
    assert not problems, "\n".join(problems)


def test_no_cycle_between_modules():
    problems = cycle_report(dependencies(SRC), lambda d: (d.module, _target_module(d)))
    assert not problems, "\n".join(problems)


# --- the checker itself: it must see what it is meant to see ----------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    src = tmp_path / "otcsms"
    for name, text in files.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in [src, *[p for p in src.rglob("*") if p.is_dir()]]:
        (folder / "__init__.py").touch()
    return src


def test_the_checker_names_deferred_imports_and_lookups_by_name(tmp_path):
    src = _tree(tmp_path, {
        "plant/models.py": "def level():\n    from otcsms.assessments.results import x\n    return x\n",
        "org/views.py": "from django.apps import apps\nPerson = apps.get_model('plant', 'Zone')\n",
        "core/scoping.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from otcsms.org import models\n",
        "assessments/results.py": "x = 1\n",
        "iec62443/levels.py": "import django\n",
    })  # fmt: skip
    problems = "\n".join(layer_violations(dependencies(src)))
    assert "otcsms/plant/models.py:2 otcsms.plant.models depends on otcsms.assessments.results" in problems
    assert "otcsms/org/views.py:2 otcsms.org.views depends on apps.get_model('plant', ...)" in problems
    assert "otcsms/core/scoping.py:3 otcsms.core.scoping depends on otcsms.org" in problems
    assert plain_violations(src) == [
        "otcsms/iec62443/levels.py:1 otcsms.iec62443.levels imports django: otcsms.iec62443.levels is plain Python"
    ]


def test_the_checker_finds_cycles(tmp_path):
    src = _tree(tmp_path, {
        "web/a.py": "from otcsms.cli import b\n",
        "cli.py": "def run():\n    import otcsms.web.a\n",
        "core/models.py": "def f():\n    from otcsms.core import audit\n",
        "core/audit.py": "from otcsms.core.models import f\n",
    })  # fmt: skip
    found = dependencies(src)
    packages = cycle_report(found, lambda d: (d.package, d.target_package))
    assert packages == [
        "cycle between cli, web: otcsms/cli.py:2 otcsms.cli -> otcsms.web.a; "
        "otcsms/web/a.py:1 otcsms.web.a -> otcsms.cli"
    ]
    modules_found = cycle_report(found, lambda d: (d.module, _target_module(d)))
    assert any("otcsms.core.audit, otcsms.core.models" in line for line in modules_found)
