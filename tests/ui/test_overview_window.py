"""概况 (issue 14): the window shows every part with real figures, a click on a red task
lands on it in the ledger, it follows changes, and it exports the same picture."""

from __future__ import annotations

import datetime as dt

import pytest
from core.collect_fixtures import USER, build_scenario, fill
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog, QLabel

from foodsafety_desktop.core.changes import SUBMISSIONS
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.overview import LIGHT_RED, overview
from foodsafety_desktop.core.services.templates import template_departments, write_template
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.ui.changes import announce
from foodsafety_desktop.ui.main_window import MainWindow, first_time_today

MARKET = "县市场监管局"
HEALTH = "县卫健委"
POLICE = "县公安局"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "office.sqlite3")
    yield database
    database.close()


@pytest.fixture
def reported(db, tmp_path):
    """Seed 002 with its Q3 answered by two departments: 县卫健委 says 滞后 (red)."""
    scenario = build_scenario(db, tmp_path / "templates", [MARKET, HEALTH])
    files = [
        fill(scenario.templates[MARKET], tmp_path / "r" / "m.xlsx", status="已完成"),
        fill(scenario.templates[HEALTH], tmp_path / "r" / "h.xlsx", status="滞后"),
    ]
    outcomes = collect_files(db, files, user=USER, accept_warnings=True)
    assert all(o.accepted for o in outcomes), [o.as_dict() for o in outcomes]
    return scenario


def open_overview(qtbot, db, plan_id):
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.select_plan(plan_id)
    overview_window = window.open_overview()
    assert overview_window is not None
    return window, overview_window


def test_overview_shows_real_figures_and_a_red_task_leads_to_the_ledger(qtbot, db, reported):
    window, ov_window = open_overview(qtbot, db, reported.plan_id)
    ov_window.periodCombo.setCurrentIndex(ov_window.periodCombo.findData(reported.q3))
    with db.session() as s:
        expected = overview(s, reported.plan_id, reported.q3)
    shown = ov_window.overview
    assert shown.period_id == reported.q3 and shown.plan.total == expected.plan.total > 0
    assert shown.plan.counts == expected.plan.counts
    assert shown.plan.counts["滞后"] > 0 and shown.plan.counts["已完成"] > 0
    # the departments table has every reporting unit with its state this period
    table = ov_window.departmentsTable
    rows = {table.item(r, 0).text(): table.item(r, 3).text() for r in range(table.rowCount())}
    assert rows[MARKET] == "已报" and rows[HEALTH] == "已报"
    assert len(rows) == len(expected.departments)
    # the charts are painted (not blank)
    image = ov_window.charts.grab().toImage()
    assert _colored_share(image) > 0.01

    # click a red task: the ledger selects it
    lights = ov_window.lightsTable
    red_rows = [
        r for r in range(lights.rowCount()) if lights.item(r, 0).toolTip() == f"{LIGHT_RED}灯"
    ]
    assert red_rows, "a 滞后 task is red"
    task_id = next(light.task_id for light in shown.lights if light.light == LIGHT_RED)
    row = next(r for r in red_rows if lights.item(r, 0).data(Qt.ItemDataRole.UserRole) == task_id)
    window.search_edit.setText("找不到的文字")  # a filter that hides the task
    window.refresh()
    qtbot.mouseClick(
        lights.viewport(),
        Qt.MouseButton.LeftButton,
        pos=lights.visualItemRect(lights.item(row, 2)).center(),
    )
    assert window.selected_task_id() == task_id


def test_overview_follows_a_collect_and_exports_the_picture(
    qtbot, db, reported, tmp_path, monkeypatch
):
    _window, ov_window = open_overview(qtbot, db, reported.plan_id)
    ov_window.periodCombo.setCurrentIndex(ov_window.periodCombo.findData(reported.q3))
    before = ov_window.overview.plan.counts["已完成"]
    # a third department reports everything done: the change signal refreshes the window
    with db.session() as s:
        police = next(d for d in template_departments(s, reported.plan_id) if d.name == POLICE)
        template = write_template(s, reported.q3, police.id, tmp_path / "p.xlsx")
    [outcome] = collect_files(
        db, [fill(template, tmp_path / "r" / "p.xlsx", status="已完成")], user=USER,
        accept_warnings=True,
    )  # fmt: skip
    assert outcome.accepted
    announce(SUBMISSIONS, None)
    assert ov_window.overview.plan.counts["已完成"] >= before
    table = ov_window.departmentsTable
    states = {table.item(r, 0).text(): table.item(r, 3).text() for r in range(table.rowCount())}
    assert states[POLICE] == "已报"

    target = tmp_path / "概况.png"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    assert ov_window.export_picture() == target
    image = QImage(str(target))
    assert image.width() > 1000 and _colored_share(image) > 0.01


def test_warnings_banner_once_a_day(qtbot, db, reported, private_data_dir):
    # the Q3 period of seed 002 is due 2022-09-25: three days before, units are missing
    day = dt.date(2022, 9, 22)
    window = MainWindow(db)
    qtbot.addWidget(window)
    task = window._show_warnings(today=day)
    assert task is not None and task.progress is None  # no dialog for a reminder
    with qtbot.waitSignal(task.finished, timeout=10000):
        pass
    banner = window.findChild(QLabel, "warningsBanner")
    assert banner is not None and "未报送" in banner.text() and "催报" in banner.text()
    assert window._show_warnings(today=day) is None  # not again the same day
    assert first_time_today(private_data_dir / "x.txt", day) is True
    assert first_time_today(private_data_dir / "x.txt", day) is False
    # the 催报 link opens 报送管理 on the period with its reminder
    link = banner.text().split('href="')[1].split('"')[0]
    assert link.startswith("remind:")
    window._warning_link(banner, link)
    assert window.reporting_window is not None
    assert window.reporting_window.selected_period_id() == int(link.rsplit(":", 1)[1])


def _colored_share(image: QImage) -> float:
    """Share of sampled pixels that are neither white nor grey (bars, lamps)."""
    colored = total = 0
    for y in range(0, image.height(), 7):
        for x in range(0, image.width(), 7):
            c = QColor(image.pixel(x, y))
            total += 1
            if max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue()) > 40:
                colored += 1
    return colored / max(1, total)


def test_yellow_light_days_are_a_setting(qtbot, db, reported):
    from foodsafety_desktop.core.services.overview import warning_days

    _window, ov_window = open_overview(qtbot, db, reported.plan_id)
    assert ov_window.warningDaysSpin.value() == 15
    ov_window.warningDaysSpin.setValue(30)
    ov_window.warningDaysSpin.editingFinished.emit()
    with db.session() as s:
        assert warning_days(s) == 30
    assert ov_window.overview.warning_days == 30
    assert "30天内到期" in ov_window.ruleLabel.text()
