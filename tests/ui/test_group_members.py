"""部门管理 gives a group its members (issue 12, item 3): the groups without members are
named, proposals are offered, new units can be typed in, and the members then report."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from seeds import seed_path

from foodsafety_desktop.core.services import departments
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.reporting_units import reporting_units
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui import departments_dialog
from foodsafety_desktop.ui.departments_dialog import DepartmentsDialog, offer_group_members

TOWNSHIPS = "各乡镇政府"
COMMITTEE = "区食安委各成员单位"


@pytest.fixture
def seeded(tmp_path):
    """A database with seed 002 (各乡镇政府, no members) and seed 001 (committee groups)."""
    database = open_database(tmp_path / "t.sqlite3")
    plans = {
        number: import_plan_file(database, seed_path(number), user="测试").plan_id
        for number in ("002", "001")
    }
    yield database, plans
    database.close()


def type_text(widget, text: str) -> None:
    """Type Chinese text the way an input method does (QTest.keyClicks is ASCII only)."""
    widget.setFocus()
    widget.selectAll()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def members_of(db, name: str) -> list[str]:
    with db.session() as s:
        return departments.department_row(s, departments.find_department_id(s, name)).members


def unit_names(db, plan_id: int) -> list[str]:
    with db.session() as s:
        return [d.name for d in reporting_units(s, plan_id).departments]


def test_typing_new_members_gives_the_group_its_reporting_units(qtbot, seeded):
    db, plans = seeded
    with db.session() as s:
        pending = [g.id for g in reporting_units(s, plans["002"]).groups_without_members]
    dialog = DepartmentsDialog(db, first_groups=pending)
    qtbot.addWidget(dialog)
    dialog.show()

    # The plan's group is selected and the clerk is told nobody reports its tasks.
    assert dialog.nameEdit.text() == TOWNSHIPS
    assert dialog.membersBox.isVisible() and dialog.groupsWarningLabel.isVisible()
    assert "各乡镇政府" in dialog.groupsWarningLabel.text()
    assert "暂无单位报送" in dialog.membersHintLabel.text()
    assert dialog.proposals() == []  # no township known yet
    assert TOWNSHIPS not in unit_names(db, plans["002"])

    type_text(dialog.newMemberEdit, "城关镇、东明镇")
    qtbot.mouseClick(dialog.addMemberButton, Qt.MouseButton.LeftButton)

    assert members_of(db, TOWNSHIPS) == ["城关镇", "东明镇"]
    assert dialog.newMemberEdit.text() == ""
    assert dialog.nameEdit.text() == TOWNSHIPS
    checked = [
        dialog.membersList.item(i).text()
        for i in range(dialog.membersList.count())
        if dialog.membersList.item(i).checkState() == Qt.CheckState.Checked
    ]
    assert sorted(checked) == sorted(["城关镇", "东明镇"])
    assert dialog.membersBox.title() == "成员单位（已选 2 个，勾选属于本组的单位）"
    names = unit_names(db, plans["002"])
    assert {"城关镇", "东明镇"} <= set(names) and TOWNSHIPS not in names
    # Seed 001's groups still have none: the warning names them, the button goes there.
    assert TOWNSHIPS not in dialog.groupsWarningLabel.text()
    assert COMMITTEE in dialog.groupsWarningLabel.text()
    assert dialog.select_next_group()
    assert dialog.nameEdit.text() == dialog.groups_without_members()[0].name


def test_accepting_the_proposals(qtbot, seeded):
    db, plans = seeded
    dialog = DepartmentsDialog(db)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.select_department(COMMITTEE)
    proposals = dialog.proposals()
    expected = unit_names(db, plans["001"])
    assert sorted(p.name for p in proposals) == sorted(expected)
    proposed = [
        dialog.membersList.item(i)
        for i in range(dialog.membersList.count())
        if dialog.membersList.item(i).data(departments_dialog.PROPOSED_ROLE)
    ]
    assert sorted(i.text() for i in proposed) == sorted(expected)
    assert all(i.font().bold() for i in proposed)
    assert dialog.proposalsLabel.text() == f"建议的成员 {len(expected)} 个（粗体）"
    assert "区市场监管局：本方案的单位" in dialog.proposalsLabel.toolTip()

    qtbot.mouseClick(dialog.acceptProposalsButton, Qt.MouseButton.LeftButton)

    assert sorted(members_of(db, COMMITTEE)) == sorted(expected)
    assert dialog.proposals() == []
    assert not dialog.acceptProposalsButton.isEnabled()
    assert "区食安办" not in members_of(db, COMMITTEE)


def test_after_an_import_the_clerk_is_offered_the_groups(qtbot, seeded, monkeypatch):
    db, plans = seeded
    asked: list[str] = []
    shown: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    def run(dialog):
        shown.append(dialog.nameEdit.text())
        return 0

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(DepartmentsDialog, "exec", run)
    assert offer_group_members(None, db, plans["001"]) is not None
    assert len(asked) == 1 and "本方案有 3 个单位组还没有成员单位" in asked[0]
    assert f"“{COMMITTEE}”" in asked[0]
    assert shown == [COMMITTEE]

    with db.session() as s:
        group = departments.find_department_id(s, TOWNSHIPS)
        departments.add_group_members(s, group, ["城关镇"], user="测试", create=True)
    assert offer_group_members(None, db, plans["002"]) is None
    assert len(asked) == 1
