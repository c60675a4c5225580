"""Rules of the code base that keep the core reusable without Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "foodsafety_desktop"
FORMS = PACKAGE.parent / "forms"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_core_module_imports_no_qt(path: Path) -> None:
    qt = {name for name in imported_modules(path) if name.split(".")[0] in {"PySide6", "shiboken6"}}
    assert not qt, f"{path} imports {qt}: the core must stay free of Qt"


def test_importing_core_does_not_load_qt() -> None:
    code = (
        "import sys\n"
        "import foodsafety_desktop.core.storage.database\n"
        "import foodsafety_desktop.core.plans.model\n"
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("form", sorted(FORMS.glob("*.ui")), ids=lambda p: p.name)
def test_every_form_loads(qtbot, form: Path) -> None:
    from foodsafety_desktop.ui.forms import load_form

    widget = load_form(form.stem)
    qtbot.addWidget(widget)
    assert widget.objectName(), f"{form.name} needs an objectName on its top-level widget"


def _all_imports(path: Path) -> set[str]:
    """Every module a file imports, at the top, inside functions or TYPE_CHECKING."""
    return imported_modules(path)


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "ui").rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_gui_uses_core_use_cases_not_the_database(path: Path) -> None:
    """The GUI chooses and shows; queries and writes are the core's (no SQL in ui/)."""
    banned = {
        name
        for name in _all_imports(path)
        if name.split(".")[0] == "sqlalchemy" or name == "foodsafety_desktop.core.storage.models"
    }
    assert not banned, f"{path} imports {banned}: move the query into a core service"


def _core_package(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] != ["foodsafety_desktop", "core"] or len(parts) < 3:
        return None
    return parts[2]


def test_no_import_cycle_between_core_packages() -> None:
    """Formats (plans, excel, word, reports) never import services; storage imports no
    format: the graph of core packages has no cycle."""
    graph: dict[str, set[str]] = {}
    for path in (PACKAGE / "core").rglob("*.py"):
        relative = path.relative_to(PACKAGE / "core").parts
        own = relative[0].removesuffix(".py") if len(relative) > 1 else None
        if own is None:
            continue  # core/*.py modules (errors, dates, terms, changes): shared leaves
        targets = {_core_package(m) for m in _all_imports(path)}
        graph.setdefault(own, set()).update(t for t in targets if t and t != own)
    packages = {p for p in graph if (PACKAGE / "core" / p).is_dir()}
    edges = {p: {t for t in graph[p] if t in packages} for p in packages}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges[start]:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(p for p in packages if reaches(p, p, {p}))
    assert not cycles, f"core packages in an import cycle: {cycles} ({edges})"


def test_name_rules_need_no_database() -> None:
    """core/names.py (department names as written) is pure: no SQLAlchemy, no schema."""
    banned = {
        name
        for name in _all_imports(PACKAGE / "core" / "names.py")
        if name.split(".")[0] == "sqlalchemy"
        or name.startswith(("foodsafety_desktop.core.storage", "foodsafety_desktop.core.services"))
    }
    assert not banned, f"core/names.py imports {banned}: keep the name rules free of storage"


# The modules of services/collect, lowest first: each imports only modules before it.
COLLECT_LAYERS = ("received", "results", "versions", "match", "archive", "check", "commit", "batch")


@pytest.mark.parametrize("module", COLLECT_LAYERS)
def test_collect_modules_import_downwards(module: str) -> None:
    prefix = "foodsafety_desktop.core.services.collect."
    imported = {
        name.removeprefix(prefix)
        for name in _all_imports(PACKAGE / "core" / "services" / "collect" / f"{module}.py")
        if name.startswith(prefix)
    }
    allowed = set(COLLECT_LAYERS[: COLLECT_LAYERS.index(module)])
    assert imported <= allowed, f"collect/{module}.py imports {imported - allowed} (not below it)"
