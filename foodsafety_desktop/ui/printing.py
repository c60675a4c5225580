"""Printing the 工作台账: an HTML table document on A4 landscape, with preview and PDF.

The header row sits in ``<thead>``: Qt turns it into the table's header rows, which
it repeats at the top of every printed page.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from foodsafety_desktop.core.services.ledger import LedgerRow, SectionRow
from foodsafety_desktop.ui.screen import fit_on_screen

MARGIN_MM = 15
# Relative column widths (percent), like the exported workbook.
COLUMNS: list[tuple[str, int]] = [
    ("序号", 6),
    ("任务", 35),
    ("牵头单位", 10),
    ("责任单位", 12),
    ("完成时限", 7),
    ("指标", 10),
    ("状态", 6),
    ("最新进展", 14),
]
SECTION_BACKGROUNDS = ("#d9d9d9", "#ededed", "#f5f5f5")
OVERDUE_BACKGROUND = "#fde2e2"
PRINT_FONT_FAMILIES = ("SimSun", "宋体", "Microsoft YaHei", "Noto Serif CJK SC", "Noto Sans CJK SC")
PRINT_POINT_SIZE = 9


def _esc(text: str | None) -> str:
    return html.escape(text or "").replace("\n", "<br/>")


def _section_chain(row: LedgerRow, by_id: dict[int, SectionRow]) -> list[SectionRow]:
    chain: list[SectionRow] = []
    current = row.section_id
    seen: set[int] = set()
    while current is not None and current in by_id and current not in seen:
        seen.add(current)
        chain.append(by_id[current])
        current = by_id[current].parent_id
    return chain[::-1]


def ledger_html(
    rows: Sequence[LedgerRow],
    sections: Sequence[SectionRow],
    title: str,
    *,
    subtitle: str | None = None,
) -> str:
    """The HTML of the printed ledger: title, repeated header, section rows, task rows."""
    by_id = {s.id: s for s in sections}
    ncols = len(COLUMNS)
    today = dt.date.today()
    subtitle = (
        subtitle or f"共 {len(rows)} 项任务　　打印日期：{today.year}年{today.month}月{today.day}日"
    )
    parts = [
        "<html><head><meta charset='utf-8'/></head><body>",
        f"<h2 align='center' style='font-size:16pt'>{_esc(title)}</h2>",
        f"<p align='right' style='font-size:8pt; color:#555555'>{_esc(subtitle)}</p>",
        "<table width='100%' border='1' cellspacing='0' cellpadding='3' "
        "style='border-collapse:collapse; border-color:#444444'>",
        "<thead><tr>",
    ]
    for name, width in COLUMNS:
        parts.append(f"<th width='{width}%' bgcolor='#cfd8e3' align='center'>{_esc(name)}</th>")
    parts.append("</tr></thead><tbody>")
    shown: set[int] = set()
    for row in rows:
        for section in _section_chain(row, by_id):
            if section.id in shown:
                continue
            shown.add(section.id)
            level = max(1, section.level)
            color = SECTION_BACKGROUNDS[min(level, len(SECTION_BACKGROUNDS)) - 1]
            parts.append(
                f"<tr><td colspan='{ncols}' bgcolor='{color}'><b>{_esc(section.as_text())}</b>"
                "</td></tr>"
            )
        parts.append(_task_html(row))
    parts.append("</tbody></table></body></html>")
    return "".join(parts)


def _task_html(row: LedgerRow) -> str:
    title, text = row.title.strip(), row.text.strip()
    if text.startswith(title):  # the title is the text's first sentence: bold it in place
        task = f"<b>{_esc(title)}</b>{_esc(text[len(title) :])}"
    elif text:
        task = f"<b>{_esc(title)}</b><br/>{_esc(text)}"
    else:
        task = f"<b>{_esc(title)}</b>"
    if row.removed:  # dropped by an update of the plan, kept for the departments' reports
        task = f"【已从方案中删除】{task}"
    deadline = _esc(row.deadline_display)
    if row.overdue:
        deadline = f"<span style='color:#c00000; font-weight:bold'>{deadline}<br/>（已逾期）</span>"
    number = _esc(row.label or str(row.position))
    cells = [
        f"<td align='center' style='white-space:nowrap'>{number}</td>",
        f"<td>{task}</td>",
        f"<td>{_esc('、'.join(row.lead))}</td>",
        f"<td>{_esc('、'.join(row.responsible))}</td>",
        f"<td align='center'>{deadline}</td>",
        f"<td>{_esc('；'.join(row.indicators))}</td>",
        f"<td align='center' style='white-space:nowrap'>{_esc(row.status)}</td>",
        f"<td>{_esc(row.progress)}</td>",
    ]
    background = f" bgcolor='{OVERDUE_BACKGROUND}'" if row.overdue else ""
    return f"<tr{background}>{''.join(cells)}</tr>"


def print_font() -> QFont:
    """A CJK font for paper: 宋体 on Windows, the installed Noto CJK elsewhere."""
    from PySide6.QtGui import QFontDatabase

    installed = set(QFontDatabase.families())
    font = QFont()
    for family in PRINT_FONT_FAMILIES:
        if family in installed:
            font.setFamily(family)
            break
    font.setPointSize(PRINT_POINT_SIZE)
    return font


def ledger_document(
    rows: Sequence[LedgerRow],
    sections: Sequence[SectionRow],
    title: str,
    *,
    subtitle: str | None = None,
) -> QTextDocument:
    """The printable ledger of ``rows`` (already filtered) under their section headings."""
    doc = QTextDocument()
    doc.setDefaultFont(print_font())
    doc.setDocumentMargin(0)
    doc.setHtml(ledger_html(rows, sections, title, subtitle=subtitle))
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)
    return doc


def make_printer(mode: QPrinter.PrinterMode = QPrinter.PrinterMode.HighResolution) -> QPrinter:
    """A4 landscape with 15 mm margins."""
    printer = QPrinter(mode)
    layout = QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Landscape,
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
        QPageLayout.Unit.Millimeter,
    )
    printer.setPageLayout(layout)
    return printer


def print_document(doc: QTextDocument, printer: QPrinter) -> None:
    """Lay ``doc`` out on the printer's page (a fresh layout per printer) and print it."""
    # The document's own page size would override the printer's; let print() use the
    # printer's paint rect instead.
    doc.setPageSize(QSizeF())
    doc.print_(printer)


def print_to_pdf(doc: QTextDocument, path: str | Path) -> Path:
    """Write ``doc`` to a PDF file on A4 landscape (what 打印 would put on paper)."""
    path = Path(path)
    printer = make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    title = doc.metaInformation(QTextDocument.MetaInformation.DocumentTitle)
    if title:
        printer.setDocName(title)
    print_document(doc, printer)
    return path


def preview(parent: QWidget | None, doc: QTextDocument) -> QPrintPreviewDialog:
    """A print preview dialog (not yet shown) that prints ``doc`` A4 landscape."""
    printer = make_printer()
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle("打印预览 — 工作台账")
    fit_on_screen(dialog, 1100, 800)
    dialog.paintRequested.connect(lambda p: print_document(doc, p))
    # Keep the printer and document alive as long as the dialog.
    dialog._printer = printer  # type: ignore[attr-defined]
    dialog._document = doc  # type: ignore[attr-defined]
    return dialog
