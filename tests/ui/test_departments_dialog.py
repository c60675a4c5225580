"""部门管理 dialog: every edit is saved at once and can be read back in a new session."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QTableView, QTableWidget
from sqlalchemy import select

from foodsafety_desktop.core.plans.model import ParsedItem, ParsedPlan, ParsedTask
from foodsafety_desktop.core.services import departments
from foodsafety_desktop.core.services.plan_import import import_plan, prepare_import
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import (
    KIND_GROUP,
    KIND_TOWNSHIP,
    Assignment,
    Department,
    DepartmentAlias,
    GroupMember,
)
from foodsafety_desktop.ui.departments_dialog import DepartmentsDialog

MARKET = "区市场监管局"
TYPO = "区场监管局"


def task(label: str, lead: list[str], others: list[str]) -> ParsedTask:
    return ParsedTask(label, [], f"任务{label}", f"任务{label}。", [ParsedItem("。", lead, others)])


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "t.sqlite3")
    plan = ParsedPlan(
        title="测试方案",
        jurisdiction="区",
        tasks=[
            task("（一）", [MARKET], ["区公安局"]),
            task("（二）", [MARKET], ["区农业农村局"]),
            task("（三）", ["区农业农村局"], [TYPO]),
            task("（四）", [TYPO], ["区公安局"]),
        ],
    )
    with database.session() as session:
        review = prepare_import(session, plan)
        # Stored as its own department, the way a non-interactive import leaves it.
        typo = review.resolutions[TYPO]
        typo.department_id, typo.canonical_name, typo.match = None, TYPO, "new"
        import_plan(session, review, user="测试")
        group = departments.create_department(session, "各乡镇政府", user="测试")
        assert group.kind == KIND_GROUP
        for name in ("城关镇", "东风路街道"):
            departments.create_department(session, name, user="测试", kind=KIND_TOWNSHIP)
    yield database
    database.close()


@pytest.fixture
def dialog(qtbot, db):
    dlg = DepartmentsDialog(db)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


@pytest.fixture
def answers(monkeypatch):
    """QMessageBox.question answers Yes; questions and warnings are recorded."""
    asked: dict[str, list[str]] = {"question": [], "warning": []}

    def question(_parent, _title, text, *_args, **_kwargs):
        asked["question"].append(text)
        return QMessageBox.StandardButton.Yes

    def warning(_parent, _title, text, *_args, **_kwargs):
        asked["warning"].append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    return asked


def type_text(widget, text: str) -> None:
    """Type Chinese text the way an input method does (QTest.keyClicks is ASCII only)."""
    widget.setFocus()
    widget.selectAll()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def department(db, name: str) -> Department | None:
    with db.session() as session:
        return session.scalar(select(Department).where(Department.name == name))


def test_lists_departments_with_task_counts(dialog):
    row = dialog.row_by_name(MARKET)
    assert row is not None and row.task_count == 2
    model = dialog.departmentsTable.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["名称", "类型", "联系人", "电话", "别名", "任务数"]
    assert dialog.countLabel.text() == f"共 {len(dialog.model.rows)} 个"


def test_filter_box(dialog):
    type_text(dialog.filterEdit, "监管")
    names = {
        dialog.departmentsTable.model().index(r, 0).data()
        for r in range(dialog.departmentsTable.model().rowCount())
    }
    assert names == {MARKET, TYPO}
    assert dialog.countLabel.text().startswith("显示 2 /")


def test_editing_phone_persists(qtbot, db, dialog):
    assert dialog.select_department(MARKET)
    dialog.phoneEdit.setFocus()
    qtbot.keyClicks(dialog.phoneEdit, "0373-2012345")
    qtbot.keyClick(dialog.phoneEdit, Qt.Key.Key_Return)
    type_text(dialog.contactEdit, "王芳")
    qtbot.keyClick(dialog.contactEdit, Qt.Key.Key_Return)

    saved = department(db, MARKET)
    assert (saved.phone, saved.contact_person) == ("0373-2012345", "王芳")
    assert dialog.row_by_name(MARKET).phone == "0373-2012345"
    assert dialog.phoneEdit.text() == "0373-2012345"


def test_renaming_to_a_used_name_shows_the_error(qtbot, db, dialog, answers):
    dialog.select_department(TYPO)
    type_text(dialog.nameEdit, MARKET)
    qtbot.keyClick(dialog.nameEdit, Qt.Key.Key_Return)
    assert answers["warning"] and "已被其他单位使用" in answers["warning"][0]
    assert department(db, TYPO) is not None
    assert dialog.nameEdit.text() == TYPO  # the field shows what is stored


def test_kind_change_persists(db, dialog):
    dialog.select_department("区公安局")
    dialog.kindCombo.setCurrentIndex(dialog.kindCombo.findText("单位组"))
    dialog.kindCombo.activated.emit(dialog.kindCombo.currentIndex())
    assert department(db, "区公安局").kind == KIND_GROUP
    assert dialog.membersBox.isVisible()


def test_add_and_remove_alias_persist(qtbot, db, dialog):
    dialog.select_department(MARKET)
    type_text(dialog.aliasEdit, "区市场监督管理局")
    qtbot.mouseClick(dialog.addAliasButton, Qt.MouseButton.LeftButton)

    with db.session() as session:
        aliases = session.scalars(
            select(DepartmentAlias.alias)
            .where(DepartmentAlias.department_id == Department.id)
            .where(Department.name == MARKET)
        ).all()
    assert "区市场监督管理局" in aliases
    assert dialog.aliasesList.findItems("区市场监督管理局", Qt.MatchFlag.MatchExactly)

    dialog.aliasesList.setCurrentRow(0)
    qtbot.mouseClick(dialog.removeAliasButton, Qt.MouseButton.LeftButton)
    with db.session() as session:
        assert (
            session.scalar(
                select(DepartmentAlias).where(DepartmentAlias.alias == "区市场监督管理局")
            )
            is None
        )


def test_merge_moves_assignments(qtbot, monkeypatch, db, dialog, answers):
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: (MARKET, True)))
    market_id = department(db, MARKET).id
    dialog.select_department(TYPO)
    qtbot.mouseClick(dialog.mergeButton, Qt.MouseButton.LeftButton)

    (question,) = answers["question"]
    assert f"将“{TYPO}”合并到“{MARKET}”" in question
    assert "2 项任务" in question
    assert department(db, TYPO) is None
    with db.session() as session:
        moved = session.scalars(
            select(Assignment.department_id).where(Assignment.written_name == TYPO)
        ).all()
        alias = session.scalar(select(DepartmentAlias).where(DepartmentAlias.alias == TYPO))
        assert moved and set(moved) == {market_id}
        assert alias.department_id == market_id
    assert dialog.row_by_name(MARKET).task_count == 4
    assert dialog.nameEdit.text() == MARKET  # the kept department is selected


def test_duplicates_are_listed_and_merged(qtbot, monkeypatch, db, dialog, answers):
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: (MARKET, True)))
    qtbot.mouseClick(dialog.duplicatesButton, Qt.MouseButton.LeftButton)
    assert dialog.duplicatesBox.isVisible()
    texts = [dialog.duplicatesTable.item(0, c).text() for c in range(3)]
    assert {texts[0].split("（")[0], texts[1].split("（")[0]} == {MARKET, TYPO}
    assert texts[2].endswith("%")

    button = dialog.mergeDuplicateButton
    qtbot.waitUntil(lambda: not button.visibleRegion().isEmpty())  # splitter laid out
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert department(db, TYPO) is None
    assert len(answers["question"]) == 1


def test_group_members_persist(db, dialog):
    dialog.select_department("各乡镇政府")
    assert dialog.membersBox.isVisible()
    members = dialog.membersList
    items = {members.item(i).text(): members.item(i) for i in range(members.count())}
    assert "各乡镇政府" not in items
    items["城关镇"].setCheckState(Qt.CheckState.Checked)
    items["东风路街道"].setCheckState(Qt.CheckState.Checked)

    group_id = department(db, "各乡镇政府").id
    with db.session() as session:
        member_names = session.scalars(
            select(Department.name)
            .join(GroupMember, GroupMember.member_id == Department.id)
            .where(GroupMember.group_id == group_id)
        ).all()
    assert sorted(member_names) == sorted(["城关镇", "东风路街道"])
    assert sorted(dialog.row_by_name("各乡镇政府").members) == sorted(["城关镇", "东风路街道"])

    items["城关镇"].setCheckState(Qt.CheckState.Unchecked)
    with db.session() as session:
        assert session.scalars(
            select(GroupMember.member_id).where(GroupMember.group_id == group_id)
        ).all() == [department(db, "东风路街道").id]


def test_members_box_hidden_for_plain_departments(dialog):
    dialog.select_department(MARKET)
    assert not dialog.membersBox.isVisible()


def test_history_button_shows_the_departments_changes(qtbot, monkeypatch, tmp_path):
    from foodsafety_desktop.core.services.departments import add_alias
    from foodsafety_desktop.ui import history_dialog

    database = open_database(tmp_path / "history.sqlite3")
    with database.session() as s:
        dept = Department(name="县市场监管局")
        s.add(dept)
        s.flush()
        add_alias(s, dept.id, "县市场监督管理局", user="测试")
    shown: list = []
    monkeypatch.setattr(history_dialog.HistoryDialog, "exec", lambda self: shown.append(self) or 0)
    dialog = DepartmentsDialog(database)
    qtbot.addWidget(dialog)
    assert dialog.select_department("县市场监管局")
    dialog.historyButton.click()
    table = shown[0].findChild(QTableView) or shown[0].findChild(QTableWidget)
    texts = [
        str(table.model().index(r, c).data())
        for r in range(table.model().rowCount())
        for c in range(table.model().columnCount())
    ]
    assert any("县市场监督管理局" in t for t in texts)
    database.close()
