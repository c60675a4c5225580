"""Loading the Qt Designer layouts in ``forms/*.ui`` (the one way dialogs get their layout)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFile, QIODevice
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QWidget


def forms_dir() -> Path:
    """``forms/`` beside the package in a checkout; ``foodsafety_desktop/forms`` when frozen."""
    package = Path(__file__).resolve().parents[1]
    bundled = package / "forms"
    return bundled if bundled.is_dir() else package.parent / "forms"


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
