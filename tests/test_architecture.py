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
