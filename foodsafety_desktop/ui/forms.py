"""Loading the Qt Designer layouts in ``forms/*.ui`` (the one way dialogs get their layout)."""

from __future__ import annotations

import importlib
from pathlib import Path

from PySide6.QtCore import QFile, QIODevice
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QWidget


def forms_dir() -> Path:
    """The folder of the ``*.ui`` files.

    In a source checkout (also an editable install), the top-level ``forms/`` beside the
    package, so a checkout never loads the forms of another installed checkout.  Elsewhere
    the data package ``foodsafety_desktop.forms`` (pyproject.toml ``package-dir``), found by
    the import system inside the installed package (wheel) or the frozen build.  An
    editable install cannot import that namespace package (pypa/setuptools#4943).
    """
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "forms").is_dir():
        return checkout / "forms"
    try:
        portions = importlib.import_module("foodsafety_desktop.forms").__path__
    except ImportError:
        return package / "forms"
    # A namespace package: __path__ lists its folders; the forms are in the first one.
    return Path(next(iter(portions), package / "forms"))


def load_form(name: str, parent: QWidget | None = None) -> QWidget:
    """Build the widget tree of ``forms/<name>.ui``; child widgets are found by objectName."""
    path = forms_dir() / f"{name}.ui"
    file = QFile(str(path))
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f"界面文件缺失：{path}")
    try:
        widget = QUiLoader().load(file, parent)
    finally:
        file.close()
    if widget is None:
        raise RuntimeError(f"界面文件无法加载：{path}")
    return widget


def child(form: QWidget, cls: type, name: str):
    """The child widget ``name`` of ``form``; a missing one is a programming error."""
    widget = form.findChild(cls, name)
    if widget is None:
        raise LookupError(f"{name} ({cls.__name__}) missing in form {form.objectName()}")
    return widget
