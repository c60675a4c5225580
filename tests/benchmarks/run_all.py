"""All benchmarks in one run: every figure is a ratio against a baseline of the same run.

Run: ``python tests/benchmarks/run_all.py [--scale county|city|both] [--quick]``.
Not a test (pytest ignores tests/benchmarks).  Prints one table and writes it to
``tests/benchmarks/results.md``.  Data come from ``datagen`` (cached under the temp
folder); the collect and summary figures come from ``bench_collect.py`` and
``bench_summary.py`` run as they are, as subprocesses.

county: cold start of the real program (``foodsafety_desktop.app.main``) until the ledger
        window is exposed with rows, vs a bare PySide6 window with an empty QTableView,
        each a fresh process, median of 5; importing 40 returned workbooks; the annual
        工作总结; parsing each seed plan.
city:   a search keystroke (ledger window and ``ledger.ledger_rows``: text "市", "市场",
        "市场监", with and without a 部门 filter) vs a hand-written SELECT of the task ids
        with LIKE, median of 20; peak memory of the window vs the bare window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datagen  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from seeds import seed_files  # noqa: E402

RESULTS = HERE / "results.md"
KEYSTROKES = ("市", "市场", "市场监")
PAGE = 200  # rows a lazily fetching view reads at a time (a screen holds about 30)
GOALS = {
    "start": 3.0,  # × the bare window, until the ledger is populated
    "shown": 1.3,  # × the bare window, until the main window is shown
    "keystroke_ms": 100.0,
    "memory_mb": 300.0,
}


@dataclass
class Figure:
    """One row of the table."""

    group: str
    measurement: str
    value: str  # the measured figure with its unit
    baseline: str  # the baseline figure with its unit
    ratio: str  # value ÷ baseline ("—" when there is none)
    goal: str = ""  # the goal and whether it is met


FIGURES: list[Figure] = []


def add(group: str, measurement: str, value: str, baseline: str, ratio: str, goal: str = ""):
    figure = Figure(group, measurement, value, baseline, ratio, goal)
    FIGURES.append(figure)
    print(f"  {measurement}: {value} | {baseline} | {ratio} {goal}", flush=True)


def median_ms(run: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def child_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["FOODSAFETY_DATA_DIR"] = str(data_dir)  # backups and lock files stay in the work dir
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


# --- cold start -------------------------------------------------------------------------

BARE_WINDOW = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QTableView())
window.resize(1400, 850)
window.show()
def poll():
    handle = window.windowHandle()
    if handle is not None and handle.isExposed():
        print("READY", repr(time.time()), "{}", flush=True)
        app.quit()
timer = QTimer()
timer.timeout.connect(poll)
timer.start(0)
app.exec()
"""

# The real start: foodsafety_desktop.app.main(["--db", path]) (lock, quick check, daily
# backup, migrations when due, the window).  The only addition: a zero timer, armed
# when the program creates its QApplication, that reports the moment the main window
# is exposed with ledger rows, then quits the way closing the window does.
APP_START = r"""
import json, sys, time
import foodsafety_desktop.ui.app as ui_app
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
_ensure = ui_app.ensure_application
_timers = []
_shown = []
def poll():
    for widget in QApplication.topLevelWidgets():
        if type(widget).__name__ != "MainWindow" or not widget.isVisible():
            continue
        handle = widget.windowHandle()
        if handle is not None and handle.isExposed() and not _shown:
            _shown.append(True)
            print("SHOWN", repr(time.time()), flush=True)
        if handle is not None and handle.isExposed() and widget.model.rowCount() > 0:
            heavy = ("openpyxl", "docx", "alembic", "alembic.command")
            loaded = {m: m in sys.modules for m in heavy}
            print("READY", repr(time.time()), json.dumps(loaded), flush=True)
            QApplication.instance().quit()
            return
def ensure():
    app = _ensure()
    if not _timers:
        timer = QTimer(app)
        timer.timeout.connect(poll)
        timer.start(0)
        _timers.append(timer)
    return app
ui_app.ensure_application = ensure
from foodsafety_desktop.app import main
sys.exit(main(["--db", sys.argv[1]]))
"""


# Where the start goes: the same steps as the program, timed one after the other in a
# fresh process (imports in the order the program makes them).
START_STEPS = r"""
import json, sys, time
t0 = time.perf_counter()
steps = []
def step(name):
    steps.append((name, time.perf_counter()))
from PySide6.QtWidgets import QApplication
step("import PySide6 (QtCore, QtGui, QtWidgets)")
from foodsafety_desktop.ui.app import ensure_application
from foodsafety_desktop.ui.main_window import MainWindow
step("import the window's modules (no SQLAlchemy)")
app = ensure_application()
step("QApplication and the CJK font")
window = MainWindow(None)
window.show()
while not (window.windowHandle() and window.windowHandle().isExposed()):
    app.processEvents()
step("MainWindow(None) shown until exposed: menus, toolbar, 正在打开… (window shown)")
import sqlalchemy.orm
step("then, on the opening thread: import SQLAlchemy (engine, ORM)")
from foodsafety_desktop.core.storage import models
step("… import the schema (models: 16 mapped classes)")
from foodsafety_desktop.core.storage.database import open_database
db = open_database(sys.argv[1])
step("… open the database (revision check; no Alembic at head)")
window.attach_database(db)
step("attach_database(): plans, departments, ledger query and tree (ledger populated)")
previous, out = t0, []
for name, moment in steps:
    out.append((name, (moment - previous) * 1000))
    previous = moment
print("STEPS", json.dumps(out))
"""


def bench_start_steps(work: Path, scale: datagen.Scale, repeat: int) -> None:
    db = work / f"{scale.name}-steps.sqlite3"
    shutil.copy2(datagen.database_path(scale), db)
    env = child_env(work / "appdata-steps")
    runs: list[list[tuple[str, float]]] = []
    for _ in range(repeat + 1):
        out = subprocess.run(
            [sys.executable, "-c", START_STEPS, str(db)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=120,
        )
        line = next((x for x in out.stdout.splitlines() if x.startswith("STEPS ")), None)
        if line is None:
            raise RuntimeError(f"start steps failed:\n{out.stderr[-2000:]}")
        runs.append(json.loads(line[len("STEPS ") :]))
    runs = runs[1:]  # the first run warms the file cache
    for index, (name, _) in enumerate(runs[0]):
        ms = statistics.median(run[index][1] for run in runs)
        add("start", f"… of which: {name}", f"{ms:.0f} ms", "", "")


def time_process(code: str, args: list[str], env: dict[str, str]) -> tuple[float, dict, float]:
    """Seconds from spawning ``python -c code`` to its READY line, what it reported, and
    the seconds to its SHOWN line (the window first exposed; READY's when it has none)."""
    start = time.time()
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
    )
    ready: tuple[float, dict] | None = None
    shown: float | None = None
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("SHOWN"):
            shown = float(line.split(" ", 2)[1]) - start
        if line.startswith("READY"):
            _, stamp, extra = line.split(" ", 2)
            ready = (float(stamp) - start, json.loads(extra))
    _, stderr = process.communicate(timeout=120)
    if ready is None:
        raise RuntimeError(f"the process never showed its window:\n{stderr[-2000:]}")
    return ready[0], ready[1], shown if shown is not None else ready[0]


def bench_start(work: Path, scale: datagen.Scale, repeat: int) -> None:
    data = work / f"appdata-{scale.name}"
    data.mkdir(exist_ok=True)
    db = work / f"{scale.name}.sqlite3"
    shutil.copy2(datagen.database_path(scale), db)
    env = child_env(data)
    # One of each first: the daily backup, the OS file cache, Qt's font cache.
    time_process(BARE_WINDOW, [], env)
    time_process(APP_START, [str(db)], env)
    bare, app, shown, loaded = [], [], [], {}
    for _ in range(repeat):  # interleaved, so a busy moment of the machine hits both
        bare.append(time_process(BARE_WINDOW, [], env)[0])
        seconds, loaded, first = time_process(APP_START, [str(db)], env)
        app.append(seconds)
        shown.append(first)
    b, a, s = statistics.median(bare), statistics.median(app), statistics.median(shown)
    heavy = ", ".join(m for m, present in loaded.items() if present) or "none"
    county = scale is datagen.COUNTY
    add(
        "start",
        f"cold start until the main window is shown ({scale.name} db)",
        f"{s * 1000:.0f} ms",
        f"{b * 1000:.0f} ms bare window",
        f"{s / b:.2f}×",
        f"≤ {GOALS['shown']}× {verdict(s / b <= GOALS['shown'])}" if county else "",
    )
    add(
        "start",
        f"cold start until the ledger is populated ({scale.name} db; "
        f"openpyxl/docx/alembic loaded: {heavy})",
        f"{a * 1000:.0f} ms",
        f"{b * 1000:.0f} ms bare window",
        f"{a / b:.2f}×",
        f"≤ {GOALS['start']}× {verdict(a / b <= GOALS['start'])}" if county else "",
    )


# --- memory ------------------------------------------------------------------------------

MEMORY = r"""
import json, os, sys, time, tracemalloc
def rss_mb():
    try:
        import psutil
        info = psutil.Process().memory_info()
        peak = getattr(info, "peak_wset", None)
        return info.rss / 2**20, (peak or info.rss) / 2**20
    except ImportError:
        pass
    now = peak = None
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    now = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) / 1024
    except OSError:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return now or peak, peak or now
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
bare = len(sys.argv) < 2
if not bare:
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.ui.app import ensure_application
    from foodsafety_desktop.ui.main_window import MainWindow
    app = ensure_application()
else:
    app = QApplication(sys.argv[:1])
tracemalloc.start()
if bare:
    window = QMainWindow()
    window.setCentralWidget(QTableView())
    window.resize(1400, 850)
else:
    db = open_database(sys.argv[1])
    window = MainWindow(db)
window.show()
deadline = time.time() + 30
while not (window.windowHandle() and window.windowHandle().isExposed()) and time.time() < deadline:
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
if not bare:
    # What a clerk does in the first minute: search, filter by 部门, switch plans.
    for text in ("市", "市场", "市场监", ""):
        window.search_edit.setText(text)
        window._search_now()
        app.processEvents()
    window.department_combo.setCurrentIndex(1)
    for index in range(window.plan_combo.count()):
        window.plan_combo.setCurrentIndex(index)
        app.processEvents()
_, traced_peak = tracemalloc.get_traced_memory()
now, peak = rss_mb()
print("MEMORY", json.dumps({"rss": now, "peak": peak, "traced_peak": traced_peak / 2**20}))
"""


def memory_of(args: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", MEMORY, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=600,
    )
    for line in out.stdout.splitlines():
        if line.startswith("MEMORY "):
            return json.loads(line[len("MEMORY ") :])
    raise RuntimeError(f"memory measurement failed:\n{out.stderr[-2000:]}")


def bench_memory(work: Path, scale: datagen.Scale) -> None:
    data = work / f"appdata-mem-{scale.name}"
    data.mkdir(exist_ok=True)
    db = work / f"{scale.name}-mem.sqlite3"
    shutil.copy2(datagen.database_path(scale), db)
    env = child_env(data)
    bare = memory_of([], env)
    app = memory_of([str(db)], env)
    goal = f"< {GOALS['memory_mb']:.0f} MB {verdict(app['peak'] < GOALS['memory_mb'])}"
    add(
        "memory",
        f"peak RSS of the ledger window on the {scale.name} db "
        f"(search, 部门 filter, every plan shown once)",
        f"{app['peak']:.0f} MB",
        f"{bare['peak']:.0f} MB bare window",
        f"{app['peak'] / bare['peak']:.2f}× (+{app['peak'] - bare['peak']:.0f} MB)",
        goal,
    )
    add(
        "memory",
        f"Python allocations of opening the {scale.name} db and using the window "
        "(tracemalloc peak)",
        f"{app['traced_peak']:.1f} MB",
        f"{bare['traced_peak']:.1f} MB bare window",
        f"+{app['traced_peak'] - bare['traced_peak']:.1f} MB",
    )


# --- search keystrokes -------------------------------------------------------------------


def bare_ids(connection: sqlite3.Connection, text: str, plan_id, department_id) -> list:
    """The hand-written baseline: the ids of the matching tasks, LIKE on the four fields."""
    like = f"%{text}%"
    sql = (
        "SELECT t.id FROM task t WHERE (t.title LIKE ? OR t.text LIKE ? OR t.progress LIKE ?"
        " OR t.id IN (SELECT a.task_id FROM assignment a JOIN department d"
        " ON d.id = a.department_id WHERE d.name LIKE ?))"
    )
    params: list = [like, like, like, like]
    if plan_id is not None:
        sql += " AND t.plan_id = ?"
        params.append(plan_id)
    if department_id is not None:
        sql += " AND t.id IN (SELECT task_id FROM assignment WHERE department_id = ?)"
        params.append(department_id)
    return connection.execute(sql + " ORDER BY t.plan_id, t.position", params).fetchall()


def bench_keystrokes(work: Path, scale: datagen.Scale, repeat: int) -> None:
    from PySide6.QtWidgets import QApplication

    from foodsafety_desktop.core.services import ledger
    from foodsafety_desktop.core.services.ledger import LedgerFilter
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.ui.main_window import MainWindow

    path = work / f"{scale.name}-search.sqlite3"
    shutil.copy2(datagen.database_path(scale), path)
    db = open_database(path)
    raw = sqlite3.connect(path)
    app = QApplication.instance() or QApplication([])
    window = MainWindow(db, user="基准测试")
    window.show()
    app.processEvents()
    plan_id = window.current_plan_id()  # the newest plan, as the window opens
    department_id = 1  # 安平县市场监督管理局: 100 tasks over 5 plans
    try:
        cases = [
            ("ledger window: type into 搜索 (current plan)", "window", plan_id, None),
            ("ledger_rows, current plan", "core", plan_id, None),
            ("ledger_rows, current plan + 部门", "core", plan_id, department_id),
            ("ledger_rows, all 50 plans + 部门", "core", None, department_id),
            ("ledger_rows, all 50 plans (5,000 tasks)", "core", None, None),
            (
                f"all 50 plans, page by page: ledger_task_ids + ledger_rows of the first "
                f"{PAGE} (what a lazily fetching view needs)",
                "paged",
                None,
                None,
            ),
        ]
        for label, kind, plan, department in cases:
            worst = worst_bare = 0.0
            counts = []
            for text in KEYSTROKES:
                if kind == "window":

                    def run(text=text) -> None:
                        window.search_edit.setText(text)
                        window._search_now()  # what the debounce timer calls
                        app.processEvents()

                elif kind == "paged":
                    flt = LedgerFilter(plan_id=plan, department_id=department, text=text)

                    def run(flt=flt) -> None:
                        with db.session() as session:
                            ids = ledger.ledger_task_ids(session, flt)
                            ledger.ledger_rows(session, LedgerFilter(task_ids=ids[:PAGE]))

                else:
                    flt = LedgerFilter(plan_id=plan, department_id=department, text=text)

                    def run(flt=flt) -> None:
                        with db.session() as session:
                            ledger.ledger_rows(session, flt)

                ms = median_ms(run, repeat)
                bare_ms = median_ms(
                    lambda text=text, plan=plan, department=department: bare_ids(
                        raw, text, plan, department
                    ),
                    repeat,
                )
                counts.append(len(bare_ids(raw, text, plan, department)))
                if ms > worst:
                    worst, worst_bare = ms, bare_ms
            ok = worst < GOALS["keystroke_ms"]
            goal = f"< {GOALS['keystroke_ms']:.0f} ms {verdict(ok)}"
            if kind == "core" and plan is None and department is None:
                # Every match of 50 plans read at once: no view does this per keystroke.
                goal = (
                    f"(< {GOALS['keystroke_ms']:.0f} ms {'met' if ok else 'not met'}: not a view)"
                )
            add(
                "search",
                f"{label}: slowest of {'/'.join(KEYSTROKES)} ({'/'.join(map(str, counts))} rows)",
                f"{worst:.1f} ms",
                f"{worst_bare:.1f} ms bare SQL",
                f"{worst / worst_bare:.1f}×",
                goal,
            )
        window.search_edit.setText("")
        window._search_now()
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        raw.close()
        db.close()


# --- plan parsing ------------------------------------------------------------------------


def bench_parse(repeat: int) -> None:
    from foodsafety_desktop.core.plans.parser import parse_text

    for seed in seed_files():
        text = seed.read_text(encoding="utf-8")
        tasks = len(parse_text(text, seed.name).tasks)
        ms = median_ms(lambda text=text, seed=seed: parse_text(text, seed.name), repeat)
        read_ms = median_ms(lambda seed=seed: seed.read_bytes().decode("utf-8"), repeat)
        add(
            "parse",
            f"parse_text {seed.name} ({len(text):,} chars, {tasks} tasks)",
            f"{ms:.1f} ms",
            f"{read_ms:.3f} ms reading the file",
            f"{ms / read_ms:.0f}×",
        )


PLAN_SIZE_LINE = re.compile(
    r"^(?P<what>parse|import) (?P<n>\d+) tasks: (?P<s>\d+\.\d+) s \(goal < (?P<goal>\d+) s\); "
    r"(?P<base>.+?) (?P<b>\d+\.\d+) (?P<unit>ms|s)$"
)


def bench_plan_size(repeat: int) -> None:
    """A generated 3,000-task plan: parse and import (``bench_plan_size.py``)."""
    output = run_script(HERE / "bench_plan_size.py", ["--repeat", str(repeat)])
    for line in output.splitlines():
        if not (m := PLAN_SIZE_LINE.match(line)):
            continue
        seconds, goal = float(m["s"]), float(m["goal"])
        base = float(m["b"]) / (1000 if m["unit"] == "ms" else 1)
        add(
            "plan size",
            f"{m['what']} a {int(m['n']):,}-task plan"
            + (" (read_plan)" if m["what"] == "parse" else " (import_plan_file, one transaction)"),
            f"{seconds:.2f} s",
            f"{m['b']} {m['unit']} {m['base']}",
            f"{seconds / base:.0f}×",
            f"< {goal:.0f} s {verdict(seconds < goal)}",
        )


# --- the other engineers' benchmarks, run as they are ------------------------------------

RATIO_LINE = re.compile(r"^\s*(?P<name>[^=\n]+?/[^=\n]+?)\s*=\s*(?P<ratio>\d+(?:\.\d+)?)\s*×?\s*$")
COLLECT_ROW = re.compile(r"^\((?P<key>a|a1|b|b1|c)\)\s+(?P<name>.+?)\s{2,}(?P<seconds>\d+\.\d+)\b")


def run_script(script: Path, args: list[str]) -> str:
    env = child_env(Path(tempfile.mkdtemp(prefix="bench-data-")))
    out = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=ROOT,
        timeout=1800,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{script.name} exited with {out.returncode}:\n{out.stderr[-2000:]}")
    return out.stdout


def ratio_lines(output: str) -> list[tuple[str, float]]:
    return [
        (m["name"], float(m["ratio"]))
        for line in output.splitlines()
        if (m := RATIO_LINE.match(line))
    ]


def bench_collect(repeat: int) -> None:
    script = HERE / "bench_collect.py"
    try:
        output = run_script(script, ["--repeat", str(repeat)])
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        add("import", "importing 40 returned workbooks (bench_collect.py)", "failed", "", "—", "")
        print(exc)
        return
    seconds = {
        m["key"]: float(m["seconds"]) for m in map(COLLECT_ROW.match, output.splitlines()) if m
    }
    collect = seconds.get("a")
    baselines = [
        ("b", "openpyxl read-only load + every cell", 1.3),
        ("c", "pandas.read_excel", 1.0),
    ]
    if collect is None:
        for name, ratio in ratio_lines(output):
            add("import", f"bench_collect: {name}", "", "", f"{ratio:.2f}×")
        return
    for key, name, goal in baselines:
        base = seconds.get(key)
        if base is None:
            add(
                "import",
                f"collect_files of 40 workbooks vs {name}",
                f"{collect:.2f} s",
                "not installed: skipped",
                "—",
            )
            continue
        ratio = collect / base
        goal_text = f"≤ {goal}× " if goal != 1.0 else "faster "
        add(
            "import",
            f"collect_files of 40 workbooks × 30 rows vs {name}",
            f"{collect:.2f} s",
            f"{base:.2f} s",
            f"{ratio:.2f}×",
            goal_text + verdict(ratio <= goal if goal != 1.0 else ratio < 1.0),
        )


SUMMARY_ROW = re.compile(r"^\((?P<key>a|a1|a2|a3|b)\)\s+(?P<name>.+?)\s+(?P<seconds>\d+\.\d+) s\b")


def bench_summary(repeat: int) -> None:
    script = HERE / "bench_summary.py"
    if not script.is_file():
        add("summary", "annual 工作总结 (bench_summary.py)", "not written yet", "", "—", "")
        return
    try:
        output = run_script(script, ["--repeat", str(repeat)])
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        add("summary", "annual 工作总结 (bench_summary.py)", "failed", "", "—", "")
        print(exc)
        return
    seconds = {
        m["key"]: float(m["seconds"]) for m in map(SUMMARY_ROW.match, output.splitlines()) if m
    }
    if "a" in seconds and "b" in seconds:
        ratio = seconds["a"] / seconds["b"]
        add(
            "summary",
            "annual 工作总结, 40 departments × 100 tasks (gather + build + write .docx) "
            "vs python-docx writing the same paragraphs and tables",
            f"{seconds['a']:.2f} s",
            f"{seconds['b']:.2f} s",
            f"{ratio:.2f}×",
            f"≤ 1.5× {verdict(ratio <= 1.5)}",
        )
        return
    found = ratio_lines(output)
    if not found:
        add("summary", "annual 工作总结 (bench_summary.py: output not understood)", "", "", "—")
        print(output[-2000:])
    for name, ratio in found:
        add("summary", f"annual 工作总结: {name}", "", "", f"{ratio:.2f}×", "")


# --- the table ---------------------------------------------------------------------------


def table(command: str, started: dt.datetime, seconds: float) -> str:
    import PySide6
    import sqlalchemy

    lines = [
        f"Command: `{command}` — {started:%Y-%m-%d %H:%M}, {seconds:.0f} s.",
        f"Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, PySide6 {PySide6.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}, SQLite {sqlite3.sqlite_version}.",
        "",
        "| | measurement | figure | baseline (same run) | ratio | goal |",
        "|---|---|---:|---:|---:|---|",
    ]
    for f in FIGURES:
        lines.append(
            f"| {f.group} | {f.measurement} | {f.value} | {f.baseline} | {f.ratio} | {f.goal} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "city", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--no-collect", action="store_true", help="skip bench_collect.py")
    parser.add_argument("--no-summary", action="store_true", help="skip bench_summary.py")
    args = parser.parse_args(argv)
    start_repeat, search_repeat, other_repeat = (2, 5, 1) if args.quick else (5, 20, 3)

    started, clock = dt.datetime.now(), time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="foodsafety-bench-run-"))
    try:
        if args.scale in ("county", "both"):
            print("county:", flush=True)
            bench_start(work, datagen.COUNTY, start_repeat)
            bench_start_steps(work, datagen.COUNTY, start_repeat)
            if not args.no_collect:
                bench_collect(other_repeat)
            if not args.no_summary:
                bench_summary(other_repeat)
            bench_parse(max(5, other_repeat))
            bench_plan_size(other_repeat)
        if args.scale in ("city", "both"):
            print("city:", flush=True)
            bench_keystrokes(work, datagen.CITY, search_repeat)
            bench_memory(work, datagen.CITY)
            bench_start(work, datagen.CITY, start_repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = "python tests/benchmarks/run_all.py" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:])
    )
    text = table(command, started, time.perf_counter() - clock)
    print()
    print(text)
    RESULTS.write_text("# Benchmark results\n\n" + text, encoding="utf-8")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
