"""评议考核 in the GUI (issue 15): the 考核 window on seed 002's collected 2022年度 and a
2022 细则 — auto-link from its button, the linked tasks and the units' 落实情况 of an
item, three evidence files dropped on the item, a 考核得分 typed and saved, the ranking;
then a unit's workbook returned with two row comments from the history, the corrected
file collected, and the states and the history checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from core.evidence_fixtures import make_docx, make_pdf, make_png
from core.realistic_fixtures import build_realistic
from PySide6.QtCore import Qt
from user_input import drop, type_comment

from foodsafety_desktop.core.excel import template_layout as layout
from foodsafety_desktop.core.services import history, returns, tracking
from foodsafety_desktop.core.services.assessment import KIND_MEMBER, import_assessment
from foodsafety_desktop.core.services.assessment_links import item_links
from foodsafety_desktop.core.services.assessment_scores import score_table
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.evidence import evidence_list, item_evidence
from foodsafety_desktop.core.storage.database import current_user, open_database
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.history_dialog import HistoryDialog
from foodsafety_desktop.ui.main_window import MainWindow
from foodsafety_desktop.ui.reporting_window import ReportingWindow

DATA = Path(__file__).resolve().parents[1] / "data" / "assessment"
MEMBER_2022 = DATA / "member_2022.xlsx"
MARKET = "县市场监管局"


@pytest.fixture
def boxes(monkeypatch) -> list[tuple[str, str]]:
    """Record every message box instead of showing it (it would block the test)."""
    shown: list[tuple[str, str]] = []
    for module in ("foodsafety_desktop.ui.assessment_window", "foodsafety_desktop.ui.messages"):
        monkeypatch.setattr(
            f"{module}.show_info", lambda _p, text, _t="": shown.append(("info", text))
        )
        monkeypatch.setattr(
            f"{module}.show_error", lambda _p, exc, _t="": shown.append(("error", str(exc)))
        )
    monkeypatch.setattr(messages, "confirm", lambda *_a, **_k: True)
    return shown


@pytest.fixture
def year(tmp_path):
    """Seed 002 with its 2022年度 collected and the 2022 成员单位 细则 imported."""
    path = tmp_path / "office.sqlite3"
    db = open_database(path)
    realistic = build_realistic(db, tmp_path / "round")
    imported = import_assessment(db, MEMBER_2022, year=2022, kind=KIND_MEMBER, user="王芳")
    yield db, path, realistic, imported.assessment_id
    db.close()


def _node(tree, label_start: str):
    found = []

    def walk(node):
        if node.text(0).startswith(label_start):
            found.append(node)
        for i in range(node.childCount()):
            walk(node.child(i))

    for i in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(i))
    assert found, label_start
    return found[0]


def test_the_assessment_view_links_attaches_and_scores(qtbot, year, tmp_path, boxes):
    db, path, realistic, assessment_id = year
    main = MainWindow(db)
    qtbot.addWidget(main)
    main.show()
    window = main.open_assessment()
    assert window.assessment_id() == assessment_id
    tree = window.itemTree
    assert tree.topLevelItemCount() >= 5

    # 自动关联 from its button, on the worker.
    with qtbot.waitSignal(window.auto_link().finished, timeout=60000):
        pass
    assert boxes[-1][0] == "info" and "已自动关联" in boxes[-1][1]
    with db.session() as s:
        links = item_links(s, assessment_id)
    linked_item = next(i for i, ls in links.items() if any(link.confirmed for link in ls))
    item = next(i for i in window.outline.items if i.id == linked_item)
    node = _node(tree, item.label)
    tree.setCurrentItem(node)
    confirmed = [link for link in links[linked_item] if link.confirmed]
    assert node.text(2).startswith(str(len(confirmed)))
    shown = [window.linksTable.item(r, 0).text() for r in range(window.linksTable.rowCount())]
    assert confirmed[0].label in shown
    # The record: the linked task and what its units wrote for 2022年度.
    record = window.recordBrowser.toPlainText()
    assert confirmed[0].title[:10] in record

    # Three evidence files dropped on the item, for 县市场监管局.
    window.unitCombo.setCurrentIndex(window.unitCombo.findText(MARKET))
    unit_id = window.unit_id()
    assert unit_id is not None
    tree.setCurrentItem(_node(tree, item.label))
    folder = tmp_path / "微信文件"
    folder.mkdir()
    files = [
        make_pdf(folder / "抽检计划.pdf", 2),
        make_png(folder / "现场检查照片.png"),
        make_docx(folder / "联席会议纪要.docx", pages=1),
    ]
    panel = window.evidencePanel
    window.tabs.setCurrentWidget(panel)
    with qtbot.waitSignal(panel.changed, timeout=30000):
        drop(panel, files)
    qtbot.waitUntil(lambda: len(panel.rows) == 3, timeout=10000)
    qtbot.waitUntil(lambda: _node(tree, item.label).text(3) == "3", timeout=10000)
    again = open_database(path)
    try:
        with again.session() as s:
            stored = evidence_list(s, item_id=linked_item, department_id=unit_id)
            assert sorted(e.name for e in stored) == sorted(f.name for f in files)
            assert len(item_evidence(s, assessment_id, department_id=unit_id)[linked_item]) == 3
    finally:
        again.close()

    # A 考核得分 typed into the 评分 tab and saved.
    table = window.scoresTable
    assert table.rowCount() == 1  # only the chosen unit
    points = item.points or 1.0
    table.item(0, 3).setText(f"{points - 0.5:g}")
    table.item(0, 4).setText("抽检计划未按季度调整")
    assert window.save_scores()
    with db.session() as s:
        scores = score_table(s, assessment_id)
    unit = next(u for u in scores.units if u.department_id == unit_id)
    assert unit.scores[linked_item].score == points - 0.5
    assert unit.scores[linked_item].reason == "抽检计划未按季度调整"
    ranking = window.rankingTable
    rows = {ranking.item(r, 1).text(): r for r in range(ranking.rowCount())}
    assert MARKET in rows and "项未评分" in ranking.item(rows[MARKET], 8).text()
    window.grab().save(str(tmp_path / "assessment.png"))

    # 退回修改: 县市场监管局's workbook returned from the history with two row comments.
    reporting = ReportingWindow(db, realistic.plan_id)
    qtbot.addWidget(reporting)
    reporting.show()
    assert reporting.select_period(realistic.period_id)
    assert reporting.status_of(MARKET) in (tracking.STATE_REPORTED, tracking.STATE_LATE)
    hist = HistoryDialog(db, entity=None, entity_id=None, title="操作记录")
    qtbot.addWidget(hist)
    hist.show()
    rows = hist.visible_rows()
    index = next(
        i
        for i, r in enumerate(rows)
        if r.action_code == "submission.collect" and MARKET in r.summary
    )
    hist.entriesView.selectRow(index)
    qtbot.mouseClick(hist.returnButton, Qt.MouseButton.LeftButton)
    dialog = hist.return_dialog
    submission_id = dialog.submission_id
    type_comment(qtbot, dialog, 0, "请补充抽检批次和不合格产品核查处置情况。")
    type_comment(qtbot, dialog, 1, "完成情况填写“已完成”，但措施中写明仍在推进，请核实。")
    dialog.folderEdit.setText(str(tmp_path / "退回"))
    with qtbot.waitSignal(dialog.returnFinished, timeout=30000) as done:
        qtbot.mouseClick(dialog.returnButton, Qt.MouseButton.LeftButton)
    package = done.args[0].package
    reporting.refresh()
    assert reporting.select_period(realistic.period_id)
    assert reporting.status_of(MARKET) == tracking.STATE_RETURNED

    # The unit corrects the prefilled template; the collect replaces the returned one.
    wb = openpyxl.load_workbook(package.template_path)
    ws = wb[layout.REPORT_SHEET]
    first_row = dialog.review.rows[0].row
    ws[layout.cell("measures", first_row)] = "全年抽检1620批次，不合格23批次，已全部核查处置。"
    corrected = tmp_path / "back" / "县市场监管局（更正）.xlsx"
    corrected.parent.mkdir(exist_ok=True)
    wb.save(corrected)
    outcome = collect_files(
        db, [corrected], user=current_user(), received_at=dt.datetime(2022, 12, 1, 2),
        accept_warnings=True,
    )[0]  # fmt: skip
    assert outcome.accepted, outcome.errors
    reporting.refresh()
    assert reporting.select_period(realistic.period_id)
    assert reporting.status_of(MARKET) in (tracking.STATE_REPORTED, tracking.STATE_LATE)
    with db.session() as s:
        chain = history.submission_history(s, outcome.submission_id)
    assert [(r.action_code, r.entity_id) for r in chain[:3]] == [
        ("submission.collect", outcome.submission_id),
        (returns.ACTION_RETURN, submission_id),
        ("submission.collect", submission_id),
    ]
    # The evidence dropped on the item stays, and the 考核 window still shows it.
    window.refresh()
    assert _node(window.itemTree, item.label).text(3) == "3"
