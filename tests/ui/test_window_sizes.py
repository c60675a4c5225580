"""Every window and dialog fits a 1366×768 screen (with its taskbar) on real data.

A window whose minimum size is larger than the screen puts its buttons out of reach
(the 导入报送表 dialog once needed 883 px for 24 files).  Each is built on the seeds as
a clerk has them — seed 004's 48 tasks and 100 departments, seed 002's year of periods
— and its minimum size, and the size it opens at, are checked against the room a
1366×768 screen leaves.
"""

from __future__ import annotations

import pytest
from core.collect_fixtures import build_scenario
from seeds import seed_path

from foodsafety_desktop.core.services import periods
from foodsafety_desktop.core.services.office import office_form
from foodsafety_desktop.core.services.plan_import import import_plan_file, read_for_review
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui import screen

ROOM = (1366 - screen.MARGIN, 768 - 2 * screen.MARGIN)  # what fit_on_screen leaves


@pytest.fixture(scope="module")
def ledger(tmp_path_factory, qapp):
    from foodsafety_desktop.ui.app import ensure_application

    ensure_application()  # the program's font (a CJK font at its size), as a clerk sees it
    folder = tmp_path_factory.mktemp("sizes")
    db = open_database(folder / "ledger.sqlite3")
    sc = build_scenario(db, folder / "templates", ["县市场监管局"])
    import_plan_file(db, seed_path("004"), user="测试", backup=False)
    yield db, sc
    db.close()


def _main_window(db, sc):
    from foodsafety_desktop.ui.main_window import MainWindow

    return MainWindow(db)


def _reporting(db, sc):
    from foodsafety_desktop.ui.reporting_window import ReportingWindow

    return ReportingWindow(db, sc.plan_id)


def _summary(db, sc):
    from foodsafety_desktop.ui.summary_editor import SummaryEditor

    return SummaryEditor(db, sc.plan_id, sc.q3)


def _import_review(db, sc):
    from foodsafety_desktop.ui.import_dialog import ImportReviewDialog

    return ImportReviewDialog(db, read_for_review(db, seed_path("004")))


def _departments(db, sc):
    from foodsafety_desktop.ui.departments_dialog import DepartmentsDialog

    return DepartmentsDialog(db)


def _history(db, sc):
    from foodsafety_desktop.ui.history_dialog import HistoryDialog

    return HistoryDialog(db, entity=None, entity_id=None, title="修改记录")


def _propose_periods(db, sc):
    from foodsafety_desktop.ui.reporting_window import ProposePeriodsDialog

    with db.session() as s:
        drafts = periods.propose_periods_for(s, sc.plan_id)
    return ProposePeriodsDialog(drafts, set())


def _new_period(db, sc):
    window = _reporting(db, sc)
    return window.new_period_dialog()


def _office(db, sc):
    from foodsafety_desktop.ui.office_dialog import OfficeDialog

    with db.session() as s:
        current, generated = office_form(s, sc.plan_id)
    return OfficeDialog(current, generated=generated)


WINDOWS = {
    "main_window": _main_window,
    "reporting": _reporting,
    "summary_editor": _summary,
    "import_review": _import_review,
    "departments": _departments,
    "history": _history,
    "propose_periods": _propose_periods,
    "new_period": _new_period,
    "office": _office,
}


@pytest.mark.parametrize("name", list(WINDOWS))
def test_fits_a_1366x768_screen(qtbot, ledger, name):
    db, sc = ledger
    widget = WINDOWS[name](db, sc)
    qtbot.addWidget(widget)
    widget.show()
    hint = widget.minimumSizeHint()
    assert hint.width() <= ROOM[0] and hint.height() <= ROOM[1], (name, hint)
    # It opens no larger than its screen leaves room for (the test's screen is not
    # 1366×768; with the minimum above, a window on that screen fits it).
    own = widget.screen().availableGeometry()
    width, height = own.width() - screen.MARGIN, own.height() - 2 * screen.MARGIN
    assert widget.width() <= max(width, hint.width()), (name, widget.size())
    assert widget.height() <= max(height, hint.height()), (name, widget.size())


def test_fit_on_screen_shrinks_to_the_room_there_is(qtbot):
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    room = widget.screen().availableGeometry()
    screen.fit_on_screen(widget, room.width() + 500, room.height() + 500)
    assert widget.width() == room.width() - screen.MARGIN
    assert widget.height() == room.height() - 2 * screen.MARGIN
    screen.fit_on_screen(widget, 300, 200)
    assert (widget.width(), widget.height()) == (300, 200)
