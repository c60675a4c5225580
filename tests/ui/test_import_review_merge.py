"""The import review: a name merged into another new name of the same file, and the
分项 table (every item of a task with its departments)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHeaderView
from seeds import seed_path
from sqlalchemy import func, select

from foodsafety_desktop.core.plans.reader import read_plan
from foodsafety_desktop.core.services.plan_import import (
    import_plan,
    merge_targets,
    prepare_import,
)
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Assignment, Department, DepartmentAlias
from foodsafety_desktop.ui.import_dialog import ImportReviewDialog

OLD = "区食药监局"  # the former name, written in task (一) and (二)
NEW = "区市场监管局"  # today's name, written in task (二) and (三)

PLAN = f"""清河区2024年食品安全工作要点

一、强化源头治理

（一）加强食用农产品抽检。开展农产品质量安全抽检，抽检量达到1.5批次/千人。（牵头单位：{OLD}；责任单位：区农业农村局）

（二）开展校园食品安全守护行动。组织学校食堂联合检查。（牵头单位：{NEW}；责任单位：区教育局、{OLD}）

（三）加强餐饮服务监管。推进明厨亮灶建设。（牵头单位：{NEW}；责任单位：区商务局）
"""


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "t.sqlite3")
    yield database
    database.close()


def make_dialog(qtbot, db, review) -> ImportReviewDialog:
    dialog = ImportReviewDialog(db, review)
    qtbot.addWidget(dialog, before_close_func=lambda d: QDialog.done(d, 0))
    dialog.show()
    return dialog


def read_review(db, path):
    with db.session() as session:
        return prepare_import(session, read_plan(path))


def test_new_name_is_merged_into_another_new_name_of_the_file(qtbot, db, tmp_path):
    path = tmp_path / "清河区工作要点.txt"
    path.write_text(PLAN, encoding="utf-8")
    review = read_review(db, path)
    assert {OLD, NEW} <= set(review.resolutions)
    assert review.resolutions[OLD].department_id is None  # both are new departments
    assert review.resolutions[NEW].department_id is None
    dialog = make_dialog(qtbot, db, review)
    dialog.tabs.setCurrentWidget(dialog.namesTab)

    combo = dialog.name_combo(OLD)
    labels = [combo.itemText(i) for i in range(combo.count())]
    # Every other new name of the file is offered, not only the look-alikes.
    for other in ("区农业农村局", NEW, "区教育局", "区商务局"):
        assert f"合并为：{other}" in labels
    combo.setCurrentIndex(labels.index(f"合并为：{NEW}"))

    res = review.resolutions[OLD]
    assert (res.department_id, res.canonical_name) == (None, NEW)
    assert combo.currentText() == f"合并为：{NEW}"
    row = dialog.names_model.row_of(OLD)
    assert dialog.names_model.index(row, 1).data() == f"合并为：{NEW}"
    assert dialog.names_model.index(row, 4).data() == "已确认"
    # NEW is not offered a merge back into OLD (no loop); the others still are.
    new_labels = [dialog.name_combo(NEW).itemText(i) for i in range(dialog.name_combo(NEW).count())]
    assert f"合并为：{OLD}" not in new_labels
    assert "合并为：区商务局" in new_labels
    assert OLD not in merge_targets(review, NEW)

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.session() as session:
        import_plan(session, dialog.review, user="测试")

    with db.session() as session:
        names = set(session.scalars(select(Department.name)))
        assert NEW in names and OLD not in names
        market = session.scalar(select(Department).where(Department.name == NEW))
        aliases = session.scalars(
            select(DepartmentAlias.alias).where(DepartmentAlias.department_id == market.id)
        ).all()
        assert aliases == [OLD]
        assert (
            session.scalar(
                select(func.count())
                .select_from(DepartmentAlias)
                .where(DepartmentAlias.alias == OLD)
            )
            == 1
        )
        assigned = session.execute(
            select(Assignment.written_name, Assignment.role).where(
                Assignment.department_id == market.id
            )
        ).all()
        written = {name for name, _role in assigned}
        assert written == {OLD, NEW}
        # Tasks (一), (二) and (三) are all the one department's.
        tasks = session.scalar(
            select(func.count(func.distinct(Assignment.task_id))).where(
                Assignment.department_id == market.id
            )
        )
        assert tasks == 3


def shown_items(dialog) -> list[tuple[str, str, str]]:
    table = dialog.itemsTable
    return [
        tuple(table.item(row, column).text() for column in range(3))
        for row in range(table.rowCount())
    ]


def others_text(item) -> str:
    """责任/配合单位 as the table writes them: 配合 ones marked."""
    return "、".join(f"{n}（配合）" if n in item.cooperating else n for n in item.others)


def test_items_table_shows_every_item_with_its_departments(qtbot, db):
    seed = seed_path("002")
    with db.session() as session:
        review = prepare_import(session, read_plan(seed), seed)
    dialog = make_dialog(qtbot, db, review)
    dialog.tabs.setCurrentWidget(dialog.tasksTab)
    table = dialog.itemsTable
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["分项内容", "牵头单位", "责任/配合单位"]
    assert table.wordWrap()
    assert table.verticalHeader().sectionResizeMode(0) == QHeaderView.ResizeMode.ResizeToContents

    for row, task in enumerate(review.parsed.tasks):
        dialog.select_task(row)
        assert table.isVisible()
        assert shown_items(dialog) == [
            (item.text, "、".join(item.lead), others_text(item)) for item in task.items
        ]
        assert all(item.lead or item.others for item in task.items)
    # A long item with many departments wraps: its row is taller than one line.
    longest = max(range(len(review.parsed.tasks)), key=lambda r: len(review.parsed.tasks[r].text))
    dialog.select_task(longest)
    line = table.fontMetrics().height()
    assert table.rowHeight(0) > 2 * line


def test_items_table_scrolls_for_many_items(qtbot, db):
    seed = seed_path("001")
    with db.session() as session:
        review = prepare_import(session, read_plan(seed), seed)
    dialog = make_dialog(qtbot, db, review)
    dialog.tabs.setCurrentWidget(dialog.tasksTab)
    row = max(range(len(review.parsed.tasks)), key=lambda r: len(review.parsed.tasks[r].items))
    task = review.parsed.tasks[row]
    assert len(task.items) >= 6
    dialog.select_task(row)

    table = dialog.itemsTable
    assert table.rowCount() == len(task.items)
    assert dialog.itemsCaption.text() == f"分项（{len(task.items)}）"
    assert table.height() <= table.maximumHeight()
    assert table.verticalScrollBar().maximum() > 0  # more rows than fit: it scrolls
    # Choosing an item loads its departments into the editors below.
    assert shown_items(dialog) == [
        (item.text, "、".join(item.lead), others_text(item)) for item in task.items
    ]
    table.setCurrentCell(len(task.items) - 1, 0)
    assert dialog.leadEdit.text() == "、".join(task.items[-1].lead)
