"""The 导入报送表 dialog: background checks, the preview, decisions, commit per file."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from core.collect_fixtures import build_scenario, fill
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout
from sqlalchemy import func, select

from foodsafety_desktop.core.excel.identity import IDENTITY_SHEET
from foodsafety_desktop.core.paths import archive_dir_for
from foodsafety_desktop.core.services.collect import SIGNATURE_FAILED
from foodsafety_desktop.core.services.templates import template_rows
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Submission, SubmissionEntry
from foodsafety_desktop.ui.collect_dialog import (
    COL_CHANGE,
    COL_FIRST_ANSWER,
    STATE_CONFIRM,
    STATE_ERROR,
    STATE_IMPORTED,
    STATE_OK,
    STATE_REJECTED,
    STATE_WARNING,
    CollectDialog,
)

MARKET = "县市场监管局"
HEALTH = "县卫健委"
FARM = "县农业农村局"
POLICE = "县公安局"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


@pytest.fixture
def scenario(db, tmp_path):
    return build_scenario(db, tmp_path / "templates", [MARKET, HEALTH, FARM, POLICE])


def tamper(path, department_id: int, name: str):
    """Claim another department in the hidden identity (the signature no longer fits)."""
    wb = openpyxl.load_workbook(path)
    for row in wb[IDENTITY_SHEET].iter_rows():
        if row[0].value == "department_id":
            row[1].value = str(department_id)
        if row[0].value == "department_name":
            row[1].value = name
    wb.save(path)
    return path


def hand_made(db, sc, path):
    """县农业农村局 typed its answers into its own sheet (no identity)."""
    with db.session() as s:
        rows = template_rows(s, sc.q3, sc.departments[FARM])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "县农业农村局2022年第三季度食品安全工作落实情况"
    ws["A2"] = "填报单位：县农业农村局"
    ws.append([])
    ws.append(["序号", "工作任务", "进展情况", "主要措施", "存在问题"])
    for r in rows:
        ws.append([r.seq, r.task_text[2:-3], "序时推进", f"措施{r.seq}", "无"])
    wb.save(path)
    return path


def open_dialog(qtbot, db, paths, period_id) -> CollectDialog:
    dialog = CollectDialog(db, paths, period_id=period_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.checked, timeout=30000)
    return dialog


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_preview_states_decisions_and_commit(qtbot, db, scenario, tmp_path):
    sc = scenario
    out = tmp_path / "returned"
    good = fill(sc.templates[MARKET], out / "市场监管局.xlsx", status="已完成")
    partial = fill(sc.templates[HEALTH], out / "卫健委.xlsx", only=2)
    bad = tamper(fill(sc.templates[POLICE], out / "公安局.xlsx"), sc.departments[FARM], FARM)
    typed = hand_made(db, sc, out / "农业农村局三季度报送.xlsx")
    dialog = open_dialog(qtbot, db, [out], sc.q3)  # a folder: its Excel files

    states = {f.file_name: f.state for f in dialog.files}
    assert states == {
        good.name: STATE_OK,
        partial.name: STATE_WARNING,
        bad.name: STATE_ERROR,
        typed.name: STATE_CONFIRM,
    }
    assert "有错误" in dialog.summary_text and "可导入 1" in dialog.summary_text
    # Only the clean file is ticked at first; the error file cannot be ticked at all.
    assert dialog.selected_indexes() == [dialog.index_of(good.name)]
    bad_item = dialog.filesList.item(dialog.index_of(bad.name))
    assert not bad_item.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert SIGNATURE_FAILED in bad_item.text() or SIGNATURE_FAILED in bad_item.toolTip()

    # The error file's detail names the sheet of the broken signature.
    dialog.select_file(bad.name)
    issues = [dialog.issuesList.item(i).text() for i in range(dialog.issuesList.count())]
    assert any(SIGNATURE_FAILED in t and IDENTITY_SHEET in t for t in issues)
    assert not dialog.acceptWarningsCheck.isVisible()

    # Warnings name the cell; accepting them ticks the file.
    dialog.select_file(partial.name)
    issues = [dialog.issuesList.item(i).text() for i in range(dialog.issuesList.count())]
    assert any("完成情况未填写" in t and "单元格 G" in t for t in issues)
    assert dialog.acceptWarningsCheck.isVisible()
    dialog.acceptWarningsCheck.click()
    assert dialog.index_of(partial.name) in dialog.selected_indexes()

    # The hand-made sheet shows the proposed department and row matching to confirm.
    dialog.select_file(typed.name)
    assert dialog.confirmMatchCheck.isVisible()
    assert dialog.departmentCombo.isVisible() and dialog.departmentCombo.currentText() == FARM
    assert not dialog.rowsTable.isColumnHidden(dialog.rowsTable.columnCount() - 1)  # 匹配度
    assert dialog.rowsTable.rowCount() > 0
    assert dialog.index_of(typed.name) not in dialog.selected_indexes()
    dialog.confirmMatchCheck.click()
    assert dialog.index_of(typed.name) in dialog.selected_indexes()

    # The clean file: rows are new, answers shown.
    dialog.select_file(good.name)
    assert dialog.rowsTable.item(0, COL_CHANGE).text() == "新增"
    assert dialog.rowsTable.item(0, COL_FIRST_ANSWER).text() == "已完成"

    assert dialog.importButton.isEnabled()
    dialog.importButton.click()
    qtbot.waitUntil(lambda: dialog.imported, timeout=30000)

    by_name = {r.file_name: r for r in dialog.results}
    assert by_name[good.name].accepted and by_name[partial.name].accepted
    assert by_name[typed.name].accepted
    assert not by_name[bad.name].accepted
    assert any(SIGNATURE_FAILED in e for e in by_name[bad.name].errors)
    assert "3 份已导入，1 份未导入" in dialog.summary_text
    assert dialog.files[dialog.index_of(good.name)].state == STATE_IMPORTED
    assert dialog.files[dialog.index_of(bad.name)].state == STATE_REJECTED
    assert not dialog.importButton.isEnabled()

    with db.session() as s:
        subs = s.scalars(select(Submission).order_by(Submission.id)).all()
        got = {(x.department.name, x.period_id, x.source_name) for x in subs}
        assert got == {
            (MARKET, sc.q3, good.name),
            (HEALTH, sc.q3, partial.name),
            (FARM, sc.q3, typed.name),
        }
        assert all((archive_dir_for(db.sqlite_path) / x.archive_path).exists() for x in subs)
        assert POLICE not in {x.department.name for x in subs}


def test_changed_rows_against_the_earlier_submission(qtbot, db, scenario, tmp_path):
    sc = scenario
    first = fill(sc.templates[MARKET], tmp_path / "a" / "first.xlsx", status="序时推进")
    dialog = open_dialog(qtbot, db, [first], sc.q3)
    dialog.import_selected()
    qtbot.waitUntil(lambda: dialog.imported, timeout=30000)
    assert dialog.results[0].accepted

    again = fill(
        sc.templates[MARKET],
        tmp_path / "b" / "again.xlsx",
        status="序时推进",
        edits={"G6": "已完成", "H7": "改写后的措施"},
    )
    dialog = open_dialog(qtbot, db, [again], sc.q3)
    check = dialog.files[0]
    assert check.state == STATE_OK
    assert "本期已收到的报送" in dialog.comparedLabel.text()
    table = dialog.rowsTable
    assert table.item(0, COL_CHANGE).text() == "有变化"
    assert table.item(0, COL_FIRST_ANSWER).text() == "序时推进 → 已完成"
    assert table.item(0, COL_FIRST_ANSWER).background().color().name() == "#ffe08a"
    assert table.item(1, COL_FIRST_ANSWER + 2).text() == "改写后的措施"
    assert "原：" in table.item(1, COL_FIRST_ANSWER + 2).toolTip()
    assert table.item(2, COL_CHANGE).text() == "未变"
    table.setCurrentCell(0, 0)
    assert "序时推进" in dialog.rowDetail.toPlainText()


def test_nothing_is_written_for_files_with_errors(qtbot, db, scenario, tmp_path):
    sc = scenario
    wrong = fill(sc.q2_templates[MARKET], tmp_path / "wrong-period.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    dialog = open_dialog(qtbot, db, [wrong, broken], sc.q3)
    assert [f.state for f in dialog.files] == [STATE_ERROR, STATE_ERROR]
    assert any("报送期次不符" in e for e in dialog.files[0].errors)
    assert dialog.files[1].read_error
    assert not dialog.importButton.isEnabled()
    assert dialog.import_selected() is None
    assert count(db, Submission) == 0 and count(db, SubmissionEntry) == 0


def test_files_of_the_folder_that_are_not_workbooks_are_named(qtbot, db, scenario, tmp_path):
    sc = scenario
    folder = tmp_path / "收到"
    good = fill(sc.templates[MARKET], folder / "市场监管局.xlsx", status="已完成")
    (folder / "~$市场监管局.xlsx").write_bytes(b"lock")
    (folder / "报送说明.docx").write_bytes(b"PK")
    dialog = open_dialog(qtbot, db, [folder], sc.q3)
    assert [f.path for f in dialog.files] == [good]
    text = dialog.summaryLabel.text()
    assert "另有 2 个文件未收取" in text
    assert "报送说明.docx（不是 Excel 报送表" in text and "~$市场监管局.xlsx（" in text
    dialog.import_selected()
    qtbot.waitUntil(lambda: dialog.imported, timeout=30000)
    text = dialog.summaryLabel.text()
    assert "1 份已导入" in text and "另有 2 个文件未收取" in text  # still said after
    assert count(db, Submission) == 1


def test_the_receipt_date_is_shown_and_can_be_changed(qtbot, db, scenario, tmp_path):
    from PySide6.QtCore import QDate

    from foodsafety_desktop.core.dates import local_date
    from foodsafety_desktop.core.excel.template_layout import FILLED_ON_CELL

    sc = scenario
    # Dated by the department three days after the deadline (2022-09-25): late.
    late = fill(
        sc.templates[MARKET], tmp_path / "r" / "市场.xlsx", edits={FILLED_ON_CELL: "2022-09-28"}
    )
    dialog = open_dialog(qtbot, db, [late], sc.q3)
    dialog.filesList.setCurrentRow(0)
    assert dialog.receivedEdit.date() == QDate(2022, 9, 28)
    assert "按填报日期" in dialog.receivedNote.text()
    assert "晚于截止日期 3 天" in dialog.receivedNote.text()
    # The e-mail came on the 24th: the clerk says so, and the note follows.
    dialog.receivedEdit.setDate(QDate(2022, 9, 24))
    assert "手动指定" in dialog.receivedNote.text() and "晚于" not in dialog.receivedNote.text()
    dialog.import_selected()
    qtbot.waitUntil(lambda: dialog.imported, timeout=30000)
    with db.session() as s:
        [sub] = s.scalars(select(Submission)).all()
        assert local_date(sub.received_at) == dt.date(2022, 9, 24)
    assert not dialog.receivedEdit.isEnabled()  # imported: changed afterwards in 报送管理


def test_versions_of_one_answer_are_shown_together_and_one_is_chosen(qtbot, db, scenario, tmp_path):
    import os
    import time

    from foodsafety_desktop.core.excel.template_layout import FILLED_ON_CELL
    from foodsafety_desktop.ui.collect_dialog import STATE_OK, STATE_OLDER

    sc = scenario
    folder = tmp_path / "收到"
    base = time.time() - 10 * 86400
    drafts = []
    for n, name in enumerate(["市场-初稿.xlsx", "市场-修改稿.xlsx", "市场-定稿.xlsx"]):
        path = fill(
            sc.templates[MARKET],
            folder / name,
            measures=f"第{n + 1}稿{{n}}",
            edits={FILLED_ON_CELL: None},
        )
        os.utime(path, (base + n * 86400, base + n * 86400))
        drafts.append(path)
    health = fill(sc.templates[HEALTH], folder / "卫健.xlsx")
    dialog = open_dialog(qtbot, db, [folder], sc.q3)
    names = [f.file_name for f in dialog.files]
    # The three versions next to each other, the newest first; only it is ticked.
    start = names.index("市场-定稿.xlsx")
    assert names[start : start + 3] == ["市场-定稿.xlsx", "市场-修改稿.xlsx", "市场-初稿.xlsx"]
    assert [dialog.files[start + i].state for i in range(3)] == [STATE_OK, STATE_OLDER, STATE_OLDER]
    assert {dialog.files[i].file_name for i in dialog.selected_indexes()} == {
        "市场-定稿.xlsx",
        health.name,
    }
    assert "旧版本 2" in dialog.summaryLabel.text()
    dialog.select_file("市场-初稿.xlsx")
    assert "还有更新的文件“市场-定稿.xlsx”" in dialog.issuesList.item(0).text()

    # The clerk wants the first draft after all: ticking it unticks the final one.
    item = dialog.filesList.item(dialog.index_of("市场-初稿.xlsx"))
    item.setCheckState(Qt.CheckState.Checked)
    assert {dialog.files[i].file_name for i in dialog.selected_indexes()} == {
        "市场-初稿.xlsx",
        health.name,
    }
    dialog.import_selected()
    qtbot.waitUntil(lambda: dialog.imported, timeout=30000)
    with db.session() as s:
        stored = {x.source_name for x in s.scalars(select(Submission))}
    assert stored == {"市场-初稿.xlsx", health.name}


def test_the_dialog_fits_a_small_screen_after_importing_many_files(qtbot, db, scenario, tmp_path):
    """24 returned files: the summary scrolls, the buttons stay on a 1366×768 screen."""
    sc = scenario
    folder = tmp_path / "many"
    names = [MARKET, HEALTH, FARM, POLICE]
    for n in range(24):
        fill(sc.templates[names[n % 4]], folder / f"{n:02d}.xlsx", measures=f"第{n}稿{{n}}")
    dialog = open_dialog(qtbot, db, [folder], sc.q3)
    dialog.import_selected()
    qtbot.waitUntil(lambda: dialog.imported, timeout=60000)
    assert "20 份是旧版本" in dialog.summary_text
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768 - 40, hint


def test_the_return_button_stands_in_the_button_row(qtbot, db, scenario, tmp_path):
    """退回修改… sits beside 导入所选, not over the summary at the dialog's corner."""
    path = fill(scenario.templates[MARKET], tmp_path / "市场.xlsx")
    dialog = open_dialog(qtbot, db, [path], scenario.q3)
    row = dialog.findChild(QHBoxLayout, "buttonsLayout")
    assert row.indexOf(dialog.returnButton) == row.indexOf(dialog.importButton) - 1
    assert dialog.returnButton.geometry().top() >= dialog.filesList.geometry().bottom()
