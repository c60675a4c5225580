"""The main window with a plan already imported: importing it again asks update or new
(with the list of changes), and the 方案 menu archives and deletes plans, undoably.

Dialogs are driven through their real widgets: the review dialog's OK button, the
question's 更新该方案 / 作为新方案导入 / 取消 buttons; menus through their actions.
"""

from __future__ import annotations

import pytest
from core.plan_versions import revised_version
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from seeds import seed_path
from sqlalchemy import func, select

from foodsafety_desktop.core.services import ledger
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import Plan
from foodsafety_desktop.ui import messages
from foodsafety_desktop.ui.ledger_model import COL_TASK, REMOVED_MARK
from foodsafety_desktop.ui.main_window import MainWindow

TITLE = "卢氏县深化食品安全放心工程建设攻坚行动工作方案（2022—2024年）"
LABEL = f"{TITLE}（卢政办〔2022〕21号，2022年5月19日，12 项任务）"


class Told:
    """What the window told the clerk, instead of blocking message boxes."""

    def __init__(self, monkeypatch) -> None:
        self.errors: list[str] = []
        self.infos: list[str] = []
        self.questions: list[str] = []
        monkeypatch.setattr(
            messages, "show_error", lambda _p, exc, _t="": self.errors.append(str(exc))
        )
        monkeypatch.setattr(messages, "show_info", lambda _p, text, _t="": self.infos.append(text))

        def confirm(_parent, text, _title=""):
            self.questions.append(text)
            return True

        monkeypatch.setattr(messages, "confirm", confirm)


@pytest.fixture
def told(monkeypatch):
    return Told(monkeypatch)


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


@pytest.fixture
def window(qtbot, db, told):
    import_plan_file(db, seed_path("002"), user="测试")
    w = MainWindow(db, user="测试")
    qtbot.addWidget(w)
    w.show()
    return w


def plan_ids(db) -> list[int]:
    with db.session() as s:
        return list(s.scalars(select(Plan.id).order_by(Plan.id)))


def safely(dialog, outcome: dict, step) -> None:
    """Run ``step(dialog)``; a failed step must not leave ``exec()`` waiting forever."""
    try:
        step(dialog)
    except Exception as exc:  # reported by the test after the dialog closed
        outcome.setdefault("error", repr(exc))
    finally:
        if dialog.isVisible():
            outcome.setdefault("error", "dialog left open")
            QDialog.done(dialog, QDialog.DialogCode.Rejected)


def answer(window, qtbot, outcome: dict, button: str) -> None:
    """Accept the review dialog, then click ``button`` of the update-or-new question."""

    def review(dialog) -> None:
        outcome["review_note"] = dialog.warningsLabel.text()
        dialog.confirmAllButton.click()
        qtbot.mouseClick(dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok), Qt.LeftButton)

    def question(dialog) -> None:
        outcome["match"] = dialog.matchCombo.currentText()
        outcome["summary"] = dialog.summaryLabel.text()
        outcome["changes"] = dialog.change_lines()
        outcome["kept"] = dialog.keptLabel.text()
        qtbot.mouseClick(getattr(dialog, button), Qt.LeftButton)

    window.reviewDialogOpened.connect(
        lambda d: QTimer.singleShot(0, lambda: safely(d, outcome, review))
    )
    window.updateDialogOpened.connect(
        lambda d: QTimer.singleShot(0, lambda: safely(d, outcome, question))
    )


def test_a_revised_version_updates_the_plan(qtbot, window, db, told, tmp_path):
    [plan_id] = plan_ids(db)
    assert window.plan_combo.currentText() == LABEL
    with db.session() as s:
        before = {r.label: r.task_id for r in ledger.ledger_rows(s, LedgerFilter(plan_id=plan_id))}
    outcome: dict = {}
    answer(window, qtbot, outcome, "updateButton")
    with qtbot.waitSignal(window.planUpdated, timeout=60000) as blocker:
        window.start_import(revised_version(tmp_path / "修订版.docx"))
    assert "error" not in outcome and not told.errors, (outcome, told.errors)
    assert blocker.args == [plan_id] and plan_ids(db) == [plan_id]

    assert outcome["review_note"].startswith(f"这份方案已经导入过：方案编号 {plan_id}：《{TITLE}》")
    assert outcome["match"].startswith(f"方案编号 {plan_id}：《{TITLE}》")
    assert outcome["summary"].startswith(
        "更新后的变化：新增 1 项任务，删除 2 项任务，内容有修改 1 项，责任单位有变化 1 项。"
    )
    assert outcome["changes"] == [
        "新增任务（1）",
        "三、（十三）实施餐饮外卖专项治理行动（牵头：县市场监管局）",
        "删除的任务（2）",
        "三、（五）实施农村假冒伪劣食品治理行动",
        "三、（十一）实施“优质粮食工程”行动",
        "内容有修改（1）",
        "三、（二）实施产地环境净化行动：内容有修改",
        "责任单位有变化（1）",
        "三、（三）实施农药兽药使用减量行动：责任单位 各乡镇政府 → 县市场监管局",
    ]
    assert outcome["kept"] == "8 项任务没有变化。保留各项任务的状态和最新进展。"
    assert told.infos[-1].startswith(f"已更新方案《{TITLE}》：新增 1 项任务")

    # The ledger shows the new version at once; the unchanged tasks kept their rows.
    assert window.current_plan_id() == plan_id
    assert window.model.task_count() == 11
    assert window.plan_combo.currentText() == LABEL.replace("12 项任务", "11 项任务")
    with db.session() as s:
        after = {r.label: r.task_id for r in ledger.ledger_rows(s, LedgerFilter(plan_id=plan_id))}
    assert after["（一）"] == before["（一）"] and after["（二）"] == before["（二）"]
    assert "（五）" not in after and "（十三）" in after
    index = window.model.index_for_task(after["（二）"], COL_TASK)
    assert not index.data().startswith(REMOVED_MARK)


def test_import_as_new_and_cancel(qtbot, window, db, told):
    [plan_id] = plan_ids(db)
    outcome: dict = {}
    answer(window, qtbot, outcome, "newButton")
    with qtbot.waitSignal(window.planImported, timeout=60000) as blocker:
        window.start_import(seed_path("002"))
    assert "error" not in outcome and not told.errors, (outcome, told.errors)
    assert outcome["summary"] == "更新后的变化：内容没有变化。"
    assert outcome["changes"] == ["两份方案的任务、责任单位和报送要求完全相同。"]
    new_id = blocker.args[0]
    assert plan_ids(db) == [plan_id, new_id]
    # Two imports of one file: told apart by the time they came in and their number.
    texts = [window.plan_combo.itemText(i) for i in range(window.plan_combo.count())]
    assert len(set(texts)) == 2 and all(t.startswith(LABEL[:-1]) for t in texts)
    assert texts[1].endswith(f"编号 {new_id}）")

    cancelled: dict = {}
    window.reviewDialogOpened.disconnect()
    window.updateDialogOpened.disconnect()
    answer(window, qtbot, cancelled, "cancelButton")
    task = window.start_import(seed_path("002"))
    qtbot.waitUntil(lambda: "changes" in cancelled, timeout=60000)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "已取消导入", timeout=60000)
    assert task is not None and "error" not in cancelled
    assert plan_ids(db) == [plan_id, new_id]


def test_delete_then_undo_from_the_menus(qtbot, window, db, told):
    [plan_id] = plan_ids(db)
    reporting = window.open_reporting()
    assert reporting is not None
    with qtbot.waitSignal(window.planDeleted, timeout=60000):
        window.delete_plan_action.trigger()
    assert told.questions[-1].startswith(f"确定删除方案《{TITLE}》吗？")
    assert "将同时删除其 12 项任务" in told.questions[-1]
    assert plan_ids(db) == [] and window.plan_combo.count() == 0
    assert window.model.task_count() == 0 and window.reporting_window is None
    assert told.infos[-1].startswith(f"已删除方案《{TITLE}》")
    assert "删除前已备份：office-" in told.infos[-1]
    backups = list((db.sqlite_path.parent / "backups").glob("office-*-plan-delete.sqlite3"))
    assert len(backups) == 1

    window._update_undo_action()
    assert window.undo_action.isEnabled()
    assert window.undo_action.text().startswith("撤销：删除方案《")
    with qtbot.waitSignal(window.undoFinished, timeout=60000) as blocker:
        window.undo_action.trigger()
    assert blocker.args[0] == f"已恢复方案《{TITLE}》（12 项任务）"
    assert plan_ids(db) == [plan_id] and window.current_plan_id() == plan_id
    assert window.model.task_count() == 12 and window.plan_combo.currentText() == LABEL
    assert not window.undo_action.isEnabled()


def test_archive_hides_the_plan_and_restores_it(qtbot, window, db, told):
    [plan_id] = plan_ids(db)
    import_plan_file(db, seed_path("001"), user="测试")
    window.reload_plans(select_id=plan_id)
    assert window.archive_plan_action.text() == "归档方案"
    with qtbot.waitSignal(window.ledgerRefreshed, timeout=60000):
        window.archive_plan_action.trigger()
    assert window.plan_combo.count() == 1 and window.current_plan_id() != plan_id
    assert "已归档方案《" in window.statusBar().currentMessage()

    window.show_archived_action.trigger()  # 方案 → 显示已归档的方案
    texts = [window.plan_combo.itemText(i) for i in range(window.plan_combo.count())]
    assert texts[0] == f"【已归档】{LABEL}"
    window.select_plan(plan_id)
    assert window.archive_plan_action.text() == "取消归档"
    with qtbot.waitSignal(window.ledgerRefreshed, timeout=60000):
        window.archive_plan_action.trigger()
    window.show_archived_action.trigger()
    assert window.plan_combo.count() == 2 and window.current_plan_id() == plan_id
    assert window.plan_combo.currentText() == LABEL
    with db.session() as s:
        assert s.scalar(select(func.count(Plan.id)).where(Plan.archived.is_(True))) == 0


def test_a_dropped_task_with_reports_is_shown_marked(qtbot, db, told, tmp_path):
    from core.collect_fixtures import build_scenario, fill

    from foodsafety_desktop.core.services.collect import collect_files
    from foodsafety_desktop.core.services.plan_import import read_for_review
    from foodsafety_desktop.core.services.plan_update import update_reviewed

    scenario = build_scenario(db, tmp_path / "templates", ["县市场监管局"])
    filled = fill(scenario.templates["县市场监管局"], tmp_path / "returned" / "市场监管局.xlsx")
    [outcome] = collect_files(
        db, [filled], user="测试", period_id=scenario.q3, accept_warnings=True
    )
    assert outcome.accepted, outcome.errors
    review = read_for_review(db, revised_version(tmp_path / "修订版.docx"))
    update_reviewed(db, review, scenario.plan_id, user="测试")

    w = MainWindow(db, user="测试")
    qtbot.addWidget(w)
    w.show()
    with db.session() as s:
        [row] = [
            r for r in ledger.ledger_rows(s, LedgerFilter(plan_id=scenario.plan_id)) if r.removed
        ]
    index = w.model.index_for_task(row.task_id, COL_TASK)
    assert index.data().startswith(f"{REMOVED_MARK}实施农村假冒伪劣食品治理行动")
    assert "各单位对它的报送仍保留" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert w.select_task(row.task_id)
    assert "已从方案中删除" in w.detail.toPlainText()
    assert w.model.task_count() == 12 and w.plan_combo.currentText().endswith("11 项任务）")
    assert w.count_label.text() == "共 11 项任务（另有 1 项已从方案中删除），逾期 0 项"
