"""Small QTableWidget tables of figures (the 概况's and the 考核 window's): one way to make
the table, its cells and its column widths."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem


def cell(text: object, *, center: bool = False, editable: bool = False) -> QTableWidgetItem:
    """A cell showing ``text`` ("" for None), read-only unless ``editable``."""
    item = QTableWidgetItem("" if text is None else str(text))
    if not editable:
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if center:
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    return item


def row_table(header: list[str], name: str) -> QTableWidget:
    """A table under ``header`` selecting one whole row at a time, found by ``name``."""
    table = QTableWidget(0, len(header))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(header)
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    return table


def stretch(table: QTableWidget, column: int) -> None:
    """Columns as wide as their contents, ``column`` taking the rest."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
