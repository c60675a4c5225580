"""The import review dialog: what the clerk sees and corrects before a plan is saved."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QMessageBox
from seeds import seed_path
from sqlalchemy import func, inspect, select, text

from foodsafety_desktop.core.dates import format_due_date, parse_due_dates
from foodsafety_desktop.core.plans.model import (
    Heading,
    ParsedItem,
    ParsedPlan,
    ParsedTarget,
    ParsedTask,
    ReportingRule,
)
from foodsafety_desktop.core.services import departments
from foodsafety_desktop.core.services.plan_import import import_plan, prepare_import
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Assignment, Department
from foodsafety_desktop.ui.import_dialog import (
    ImportReviewDialog,
    split_names,
)

FUZZY = "区场监管局"
MARKET = "区市场监管局"


def hand_made_plan() -> ParsedPlan:
    """Three tasks; "区场监管局" (a typo) is written once, "区市场监管局" often."""
    path = [Heading("一、", "纵深推进示范创建", 1)]
    return ParsedPlan(
        title="2023年某区食品安全工作要点",
        issuer="某区食品安全委员会办公室",
        doc_number="区食安办〔2023〕1号",
        year_start=2023,
        year_end=2023,
        jurisdiction="区",
        tasks=[
            ParsedTask(
                label="（一）",
                path=path,
                title="推进示范创建",
                text="推进示范创建。明厨亮灶覆盖率达到90%。",
                items=[
                    ParsedItem(
                        "推进示范创建。",
                        lead=[MARKET],
                        others=["区农业农村局", "区公安局"],
                    )
                ],
                deadline="2023年12月",
                targets=[ParsedTarget("明厨亮灶覆盖率达到90%", 90.0, "%", "≥")],
            ),
            ParsedTask(
                label="（二）",
                path=path,
                title="推进反食品浪费工作",
                text="发布公告。开展专项行动。",
                items=[
                    ParsedItem("发布公告。", lead=[MARKET], others=["区商务局"]),
                    ParsedItem("开展专项行动。", lead=["区商务局"], others=[FUZZY]),
                ],
            ),
            ParsedTask(
                label="（三）",
                path=path,
                title="严把农业投入品关",
                text="严把农业投入品关。",
                items=[ParsedItem("严把农业投入品关。", lead=["区农业农村局"], others=[MARKET])],
            ),
        ],
        reporting=[
            ReportingRule("每年12月1日前报送年度工作总结。", ["12-01"], "yearly", "年度工作总结")
        ],
        warnings=["第（三）项的完成时限未找到。"],
    )


def count_rows(db) -> dict[str, int]:
    with db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        return {
            t: connection.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables
        }


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "t.sqlite3")
    yield database
    database.close()


@pytest.fixture
def review(db):
    with db.session() as session:
        return prepare_import(session, hand_made_plan())


@pytest.fixture
def answer_yes(monkeypatch):
    """QMessageBox.question answers Yes; the questions asked are recorded."""
    asked: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def type_text(widget, text: str) -> None:
    """Type Chinese text the way an input method does (QTest.keyClicks is ASCII only)."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def make_dialog(qtbot, db, review) -> ImportReviewDialog:
    dialog = ImportReviewDialog(db, review)
    # Closing an edited dialog asks "放弃本次导入？"; at teardown it just goes away.
    qtbot.addWidget(dialog, before_close_func=lambda d: QDialog.done(d, 0))
    dialog.show()
    return dialog


def test_names_tab_lists_fuzzy_name_first_as_pending(qtbot, db, review):
    dialog = make_dialog(qtbot, db, review)

    assert dialog.tabs.currentWidget() is dialog.namesTab  # pending names are shown first
    assert "待确认 1" in dialog.tabs.tabText(dialog.tabs.indexOf(dialog.namesTab))
    model = dialog.namesTable.model()
    assert model.index(0, 0).data() == FUZZY
    assert model.index(0, 2).data().startswith("近似")
    assert model.index(0, 4).data() == "待确认"
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert dialog.name_combo(FUZZY).currentText() == f"合并为：{MARKET}"
    assert dialog.pending_names() == [FUZZY]
    assert dialog.ok_button.text() == "确认导入"
    assert dialog.warningsLabel.isVisible()
    assert "完成时限未找到" in dialog.warningsLabel.text()


def test_choosing_other_option_changes_resolution(qtbot, db, review):
    dialog = make_dialog(qtbot, db, review)
    combo = dialog.name_combo(FUZZY)
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert f"新建：{FUZZY}" in labels
    assert "新建为其他名称…" in labels

    combo.setCurrentIndex(labels.index(f"新建：{FUZZY}"))

    res = review.resolutions[FUZZY]
    assert (res.department_id, res.canonical_name, res.match) == (None, FUZZY, "new")
    assert dialog.pending_names() == []
    assert dialog.namesTable.model().index(0, 4).data() == "已确认"
    assert "待确认" not in dialog.tabs.tabText(dialog.tabs.indexOf(dialog.namesTab))


def test_existing_department_is_proposed_and_can_be_refused(qtbot, db):
    with db.session() as session:
        market = departments.create_department(session, MARKET, user="测试").id
        review = prepare_import(session, hand_made_plan())
    dialog = make_dialog(qtbot, db, review)
    combo = dialog.name_combo(FUZZY)
    assert combo.currentText() == f"使用已有：{MARKET}"
    assert review.resolutions[FUZZY].department_id == market

    combo.setCurrentIndex(combo.findText(f"新建：{FUZZY}"))
    assert review.resolutions[FUZZY].department_id is None
    combo.setCurrentIndex(combo.findText(f"使用已有：{MARKET}"))
    res = review.resolutions[FUZZY]
    assert (res.department_id, res.match) == (market, "alias")


def test_custom_new_name(qtbot, monkeypatch, db, review):
    monkeypatch.setattr(
        QInputDialog, "getText", staticmethod(lambda *a, **k: ("区市场监督管理局", True))
    )
    dialog = make_dialog(qtbot, db, review)
    combo = dialog.name_combo(FUZZY)
    combo.setCurrentIndex(combo.findText("新建为其他名称…"))
    qtbot.waitUntil(lambda: review.resolutions[FUZZY].canonical_name == "区市场监督管理局")
    assert combo.currentText() == "新建：区市场监督管理局"


def test_editing_task_title_and_lead_changes_parsed(qtbot, db, review):
    dialog = make_dialog(qtbot, db, review)
    dialog.tabs.setCurrentWidget(dialog.tasksTab)
    dialog.select_task(0)

    dialog.taskTitleEdit.selectAll()
    type_text(dialog.taskTitleEdit, "深化示范创建")
    dialog.leadEdit.setFocus()
    dialog.leadEdit.selectAll()
    type_text(dialog.leadEdit, "区卫健委、区市场监管局")
    qtbot.keyClick(dialog.leadEdit, Qt.Key.Key_Return)

    task = review.parsed.tasks[0]
    assert task.title == "深化示范创建"
    assert task.items[0].lead == ["区卫健委", MARKET]
    assert dialog.tasksTable.model().index(0, 1).data() == "深化示范创建"
    assert dialog.tasksTable.model().index(0, 2).data() == "区卫健委、区市场监管局"
    # The new name is resolved and listed on the names tab.
    assert "区卫健委" in review.resolutions
    assert "区卫健委" in dialog.names_model.names
    assert dialog.name_combo("区卫健委").currentText() == "新建：区卫健委"


def test_items_are_edited_one_by_one(qtbot, db, review):
    dialog = make_dialog(qtbot, db, review)
    dialog.tabs.setCurrentWidget(dialog.tasksTab)
    dialog.select_task(1)
    assert dialog.itemsTable.isVisible()
    assert dialog.itemsTable.rowCount() == 2
    assert dialog.leadEdit.text() == MARKET

    dialog.itemsTable.setCurrentCell(1, 0)
    assert dialog.leadEdit.text() == "区商务局"
    assert dialog.othersEdit.text() == FUZZY
    dialog.othersEdit.setFocus()
    dialog.othersEdit.selectAll()
    type_text(dialog.othersEdit, MARKET)
    qtbot.keyClick(dialog.othersEdit, Qt.Key.Key_Return)

    assert review.parsed.tasks[1].items[1].others == [MARKET]
    assert review.parsed.tasks[1].items[0].lead == [MARKET]
    assert dialog.itemsTable.item(1, 2).text() == MARKET  # the row shows the edit
    # The typo is no longer written anywhere: nothing left to confirm.
    assert FUZZY not in review.resolutions
    assert dialog.pending_names() == []


def test_deleting_a_task_removes_it(qtbot, db, review, answer_yes):
    dialog = make_dialog(qtbot, db, review)
    dialog.tabs.setCurrentWidget(dialog.tasksTab)
    dialog.select_task(1)
    qtbot.mouseClick(dialog.deleteTaskButton, Qt.MouseButton.LeftButton)

    assert [t.label for t in review.parsed.tasks] == ["（一）", "（三）"]
    assert dialog.tasksTable.model().rowCount() == 2
    assert dialog.taskTitleEdit.text() == "严把农业投入品关"  # the next task is selected
    assert dialog.tabs.tabText(dialog.tabs.indexOf(dialog.tasksTab)) == "任务（2）"
    assert FUZZY not in review.resolutions  # only that task named it
    assert len(answer_yes) == 1


def test_targets_and_deadline_are_edited(qtbot, db, review):
    dialog = make_dialog(qtbot, db, review)
    dialog.tabs.setCurrentWidget(dialog.tasksTab)
    dialog.select_task(0)
    task = review.parsed.tasks[0]

    dialog.targetsTable.item(0, 2).setText("95")
    assert task.targets[0].value == 95.0
    qtbot.mouseClick(dialog.addTargetButton, Qt.MouseButton.LeftButton)
    dialog.targetsTable.item(1, 0).setText("抽检量达到3.2批次/千人")
    assert task.targets[1].text == "抽检量达到3.2批次/千人"
    dialog.targetsTable.setCurrentCell(0, 0)
    qtbot.mouseClick(dialog.removeTargetButton, Qt.MouseButton.LeftButton)
    assert [t.text for t in task.targets] == ["抽检量达到3.2批次/千人"]

    dialog.deadlineEdit.selectAll()
    type_text(dialog.deadlineEdit, "2023年11月底前")
    assert task.deadline == "2023年11月底前"


def test_reporting_dates_are_edited(qtbot, db, review):
    dialog = make_dialog(qtbot, db, review)
    table = dialog.reportingTable
    assert table.item(0, 2).text() == "12月1日"
    assert table.cellWidget(0, 1).currentText() == "每年"

    table.item(0, 2).setText("6月20日、11月30日")
    assert review.parsed.reporting[0].dates == ["06-20", "11-30"]
    table.item(0, 2).setText("十二月")  # unreadable: kept as it was, cell marked
    assert review.parsed.reporting[0].dates == ["06-20", "11-30"]
    assert table.item(0, 2).toolTip()


def test_metadata_edits_reach_the_plan(qtbot, db, review):
    dialog = make_dialog(qtbot, db, review)
    dialog.titleEdit.selectAll()
    type_text(dialog.titleEdit, "2023年红旗区食品安全工作要点")
    dialog.yearEndSpin.setValue(2024)
    assert review.parsed.title == "2023年红旗区食品安全工作要点"
    assert review.parsed.year_end == 2024
    assert review.parsed.date is None  # not recognised, still not set


def test_accepting_with_unconfirmed_rows_asks_once_and_accepts(qtbot, db, review, answer_yes):
    dialog = make_dialog(qtbot, db, review)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert answer_yes == ["还有 1 个部门名称的匹配未确认，按建议处理？"]
    assert dialog.result() == QDialog.DialogCode.Accepted
    res = review.resolutions[FUZZY]
    assert not res.needs_confirmation
    assert res.canonical_name == MARKET

    # The caller stores the reviewed plan: the typo lands on the same department.
    with db.session() as session:
        import_plan(session, review, user="测试")
    with db.session() as session:
        market = session.scalar(select(Department.id).where(Department.name == MARKET))
        assert session.scalar(select(func.count()).where(Department.name == FUZZY)) == 0
        written = session.scalars(
            select(Assignment.written_name).where(Assignment.department_id == market)
        ).all()
        assert FUZZY in written


def test_refusing_the_question_keeps_the_dialog_open(qtbot, monkeypatch, db, review):
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No)
    )
    dialog = make_dialog(qtbot, db, review)
    dialog.tabs.setCurrentWidget(dialog.tasksTab)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.tabs.currentWidget() is dialog.namesTab
    assert dialog.pending_names() == [FUZZY]


def test_dialog_writes_nothing_to_the_database(qtbot, db, review, answer_yes):
    before = count_rows(db)
    dialog = make_dialog(qtbot, db, review)
    dialog.tabs.setCurrentWidget(dialog.tasksTab)
    dialog.select_task(0)
    dialog.leadEdit.setFocus()
    dialog.leadEdit.selectAll()
    type_text(dialog.leadEdit, "区卫健委")
    qtbot.keyClick(dialog.leadEdit, Qt.Key.Key_Return)
    qtbot.mouseClick(dialog.confirmAllButton, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert count_rows(db) == before


def test_seed_plan_from_the_real_parser(qtbot, db):
    reader = pytest.importorskip(
        "foodsafety_desktop.core.plans.reader",
        reason="core.plans.reader (the plan reader) is not written yet",
    )
    seed = seed_path("001")
    parsed = reader.read_plan(seed)
    with db.session() as session:
        review = prepare_import(session, parsed, seed)
    dialog = make_dialog(qtbot, db, review)

    assert FUZZY in dialog.pending_names()
    assert review.resolutions[FUZZY].canonical_name == MARKET
    pending = len(dialog.pending_names())
    model = dialog.namesTable.model()
    assert all(model.index(r, 4).data() == "待确认" for r in range(pending))
    assert dialog.name_combo(FUZZY).currentText().endswith(MARKET)
    assert dialog.tasksTable.model().rowCount() == len(parsed.tasks) > 20


def test_name_and_date_helpers():
    assert split_names("区市场监管局、区公安局，区公安局 区法院") == [
        "区市场监管局",
        "区公安局",
        "区法院",
    ]
    assert format_due_date("12-01") == "12月1日"
    assert format_due_date("2023-06-30") == "2023年6月30日"
    assert parse_due_dates("12月1日、2023年6月30日") == ["12-01", "2023-06-30"]
