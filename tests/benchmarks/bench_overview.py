"""Benchmark: the 概况 (``services.overview.overview``) on the city database.

Run: ``python tests/benchmarks/bench_overview.py [--repeat 5] [--scale city|county]
[--profile]``.  Not a test (pytest ignores tests/benchmarks): it prints milliseconds,
statement counts and ratios for the README.

The city database of ``datagen.py``: 50 plans of 100 tasks, 40 departments per plan,
20 quarterly periods per plan (five years), every submission in.  The plan measured is
the first; the period its 4th (the end of its first year, so the year's values come from
four periods).  Best of ``--repeat``, each in a fresh session:

(a) ``overview(plan, period)`` — everything the 概况 window shows;
(b) ``period_figures(period)`` alone — the baseline: the statuses every period document
    reads;
(a1) ``tracking.status_matrix(plan)`` — the 报送 window's states, which (a) computes
     itself in bulk (the script checks that they are equal for every period);
(c) ``warnings()`` over all 50 plans;
(d) ``write_overview_xlsx`` of (a)'s result;
(e) the 概况 window opened on the plan and period (``OverviewWindow``: figures, tables
    and the painted charts, offscreen) — the goal is < 300 ms;
(f) the import cost of the window and its charts (QPainter: nothing beyond the Qt the
    main window has loaded), in a fresh interpreter after the main window's modules.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

import datagen  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from foodsafety_desktop.core.reports.overview_export import write_overview_xlsx  # noqa: E402
from foodsafety_desktop.core.services.overview import overview, warnings  # noqa: E402
from foodsafety_desktop.core.services.period_status import period_figures  # noqa: E402
from foodsafety_desktop.core.services.tracking import status_matrix  # noqa: E402
from foodsafety_desktop.core.storage.database import open_database  # noqa: E402
from foodsafety_desktop.core.storage.models import Plan, ReportingPeriod  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def open_window(db, plan_id: int, period_id: int) -> None:
    """The 概况 window as the clerk opens it: built, filled for the period, painted."""
    from foodsafety_desktop.ui.app import ensure_application
    from foodsafety_desktop.ui.overview_window import OverviewWindow

    ensure_application()
    window = OverviewWindow(db, plan_id)
    window.periodCombo.setCurrentIndex(window.periodCombo.findData(period_id))
    window.charts.grab()
    window.close()
    window.deleteLater()


def import_cost() -> float:
    """Seconds to import the 概况 window and its charts after the main window."""
    code = (
        "import time, foodsafety_desktop.ui.main_window, foodsafety_desktop.core.services.overview;"
        "t = time.perf_counter(); import foodsafety_desktop.ui.overview_window;"
        "print(time.perf_counter() - t)"
    )
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=ROOT).stdout)
        for _ in range(3)
    ]  # fmt: skip
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", choices=list(datagen.SCALES), default="city")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    path = datagen.database_path(datagen.SCALES[args.scale])
    db = open_database(path)
    with db.session() as s:
        plan_id = s.scalar(select(Plan.id).order_by(Plan.id))
        periods = list(
            s.scalars(
                select(ReportingPeriod.id)
                .where(ReportingPeriod.plan_id == plan_id)
                .order_by(ReportingPeriod.due_date)
            )
        )
        period_id = periods[min(3, len(periods) - 1)]
        today = s.get(ReportingPeriod, period_id).due_date

    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    def run(fn: Callable) -> Callable[[], object]:
        def go() -> object:
            with db.session() as s:
                return fn(s)

        return go

    measured = {
        "(a) overview": run(lambda s: overview(s, plan_id, period_id, today=today)),
        "(b) period_figures (baseline)": run(lambda s: period_figures(s, period_id)),
        "(a1) status_matrix (same states)": run(lambda s: status_matrix(s, plan_id, today=today)),
        "(c) warnings, all plans": run(lambda s: warnings(s, today=today)),
    }
    results: dict[str, tuple[float, int]] = {}
    for name, fn in measured.items():
        fn()  # warm-up
        statements = 0
        event.listen(db.engine, "before_cursor_execute", count)
        fn()
        event.remove(db.engine, "before_cursor_execute", count)
        results[name] = (best(fn, args.repeat), statements)
    ov = measured["(a) overview"]()
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "概况.xlsx"
        results["(d) write_overview_xlsx"] = (
            best(lambda: write_overview_xlsx(ov, target), args.repeat),
            0,
        )

    results["(e) 概况 window opened and painted"] = (
        best(lambda: open_window(db, plan_id, period_id), args.repeat),
        0,
    )
    results["(f) import of the window and charts"] = (import_cost(), 0)

    baseline = results["(b) period_figures (baseline)"][0]
    columns = len(ov.targets[0].values) if ov.targets else 0
    print(
        f"{args.scale}: plan {plan_id}, period {period_id}; {len(ov.lights)} tasks, "
        f"{len(ov.departments)} departments, {len(ov.targets)} targets × {columns} periods"
    )
    # The departments' states are the matrix's (the overview reads them in bulk).
    with db.session() as s:
        matrix = status_matrix(s, plan_id, today=today)
        for pid in periods:
            states = {
                d.department_id: d.state for d in overview(s, plan_id, pid, today=today).departments
            }
            assert states == {d.id: matrix.cell(d.id, pid).state for d in matrix.departments}
    print(f"states equal to status_matrix in all {len(periods)} periods")
    print("| measurement | ms | statements | ÷ (b) |")
    print("|---|---:|---:|---:|")
    for name, (seconds, n) in results.items():
        print(f"| {name} | {seconds * 1000:.1f} | {n or '—'} | {seconds / baseline:.2f} |")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        measured["(a) overview"]()
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    db.close()


if __name__ == "__main__":
    main()
