"""Benchmark: collecting 40 returned workbooks of 30 rows vs merely loading them.

Run: ``python tests/benchmarks/bench_collect.py [--repeat 3] [--profile]``.  Not a test
(pytest ignores tests/benchmarks): it prints seconds and ratios to put in the README.

A synthetic plan of 60 tasks is shared by 40 departments (each holds 30 tasks: it leads
some and co-operates on others; every 6th task has a quantitative target), one period
is created, the 40 templates are written and filled the way departments fill them
(tests/core/collect_fixtures.fill: openpyxl opens the template, writes the answers and
saves).  Then, best of ``--repeat`` runs:

(a) ``collect_files`` of the 40 files into a fresh copy of the database (check, match
    by signed identity, validate, compare, archive, commit: the batch's files in one
    transaction, each kind of row written in one statement);
(a1) ``read_returned_workbook`` of the 40 files alone (the reading part of (a): the
     zip checks and python-calamine);
(a2) the same with calamine switched off (openpyxl read-only, the reader before);
(b) openpyxl ``load_workbook(read_only=True)`` of the same files, iterating every cell
    of every sheet;
(b1) openpyxl ``load_workbook()`` (full, styles and all) of the same files;
(b2) python-calamine's bare load of the same files, every sheet ``to_python()``;
(c) ``pandas.read_excel(sheet_name=None)`` of the same files, when pandas is installed
    (it is no dependency of the program).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))  # for core.collect_fixtures

from core.collect_fixtures import data_rows, fill  # noqa: E402
from sqlalchemy import event  # noqa: E402

from foodsafety_desktop.core.excel.workbook_reader import read_returned_workbook  # noqa: E402
from foodsafety_desktop.core.services.collect import collect_files  # noqa: E402
from foodsafety_desktop.core.services.periods import PeriodDraft, create_periods  # noqa: E402
from foodsafety_desktop.core.services.templates import write_all_templates  # noqa: E402
from foodsafety_desktop.core.storage.database import Database, open_database  # noqa: E402
from foodsafety_desktop.core.storage.models import (  # noqa: E402
    PERIOD_QUARTER,
    ROLE_COOPERATING,
    ROLE_LEAD,
    Assignment,
    Department,
    Indicator,
    Plan,
    Task,
)
from foodsafety_desktop.core.storage.originals import FolderOriginals  # noqa: E402

DEPARTMENTS = 40
TASKS = 60  # each department holds every other task: 30 rows
USER = "基准测试"
PERIOD = "2023年第三季度"
MEASURES = (
    "已按要求推进，第{n}项工作开展专项检查{n}次，出动执法人员{n}0人次，检查经营主体{n}5家，"
    "发现并督促整改问题{n}个，约谈负责人{n}人，向社会公开检查结果。"
)


def build_plan(db: Database) -> int:
    """The synthetic plan and its Q3 period; returns the period id."""
    with db.session() as s:
        plan = Plan(
            title="某县食品安全工作要点（基准测试）",
            issued_on=dt.date(2023, 3, 1),
            year_start=2023,
            year_end=2023,
        )
        s.add(plan)
        departments = [Department(name=f"县第{n:02d}局") for n in range(1, DEPARTMENTS + 1)]
        s.add_all(departments)
        s.flush()
        for i in range(TASKS):
            task = Task(
                plan_id=plan.id,
                position=i + 1,
                label=f"{i + 1}.",
                title=f"第{i + 1}项重点任务",
                text=f"第{i + 1}项重点任务：加强食品安全监管，落实属地管理责任和部门监管责任，"
                "开展专项整治，督促经营者落实主体责任。",
                deadline_text="2023年12月底前",
                deadline=dt.date(2023, 12, 31),
            )
            s.add(task)
            s.flush()
            if i % 6 == 0:
                s.add(
                    Indicator(
                        task_id=task.id,
                        position=0,
                        text="抽检覆盖率达到95%",
                        subject="抽检覆盖率",
                        comparison=">=",
                        value=95.0,
                        unit="%",
                    )
                )
            holders = [d for n, d in enumerate(departments) if (n + i) % 2 == 0]
            for position, department in enumerate(holders):
                s.add(
                    Assignment(
                        task_id=task.id,
                        department_id=department.id,
                        role=ROLE_LEAD if position == 0 else ROLE_COOPERATING,
                        written_name=department.name,
                        position=position,
                    )
                )
        draft = PeriodDraft(PERIOD, PERIOD_QUARTER, 2023, dt.date(2023, 9, 25), dt.date(2023, 7, 1))
        [period_id] = create_periods(s, plan.id, [draft], user=USER)
        return period_id


def prepare(work: Path) -> tuple[Path, int, list[Path]]:
    """Source database (no submissions) and the 40 filled workbooks."""
    source = work / "source.sqlite3"
    db = open_database(source)
    try:
        period_id = build_plan(db)
        with db.session() as s:
            templates = write_all_templates(s, period_id, work / "templates", user=USER)
    finally:
        db.close()
    filled = [
        fill(t, work / "returned" / t.name, status="序时推进", measures=MEASURES) for t in templates
    ]
    return source, period_id, filled


def best_of(repeat: int, run: Callable[[int], float]) -> float:
    return min(run(i) for i in range(repeat))


def time_collect(
    work: Path,
    source: Path,
    period_id: int,
    files: list[Path],
    repeat: int,
    synchronous: str | None = None,
) -> tuple[float, float]:
    """Best seconds of ``collect_files`` and of opening the fresh database (outside it).

    ``synchronous``: only to measure what the fsync at commit costs, this run's
    connections get ``PRAGMA synchronous=<value>`` after the program's own FULL.  The
    program itself never changes its durability.
    """
    opens: list[float] = []

    def once(i: int) -> float:
        copy = work / f"run{i}{synchronous or ''}.sqlite3"
        shutil.copyfile(source, copy)
        start = time.perf_counter()
        db = open_database(copy)
        opens.append(time.perf_counter() - start)
        if synchronous is not None:
            db.engine.dispose()  # new connections get both pragmas, the program's first

            def relaxed(dbapi_connection, _record) -> None:
                dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

            event.listen(db.engine, "connect", relaxed)
        try:
            start = time.perf_counter()
            outcomes = collect_files(
                db,
                files,
                user=USER,
                period_id=period_id,
                originals=FolderOriginals(work / f"archive{i}{synchronous or ''}"),
                progress=lambda done, total: None,
            )
            seconds = time.perf_counter() - start
        finally:
            db.close()
        rejected = [o for o in outcomes if not o.accepted]
        if rejected:
            raise SystemExit(f"not accepted: {rejected[0].file_name}: {rejected[0].errors}")
        return seconds

    return best_of(repeat, once), min(opens)


def time_reader(files: list[Path], repeat: int) -> float:
    def once(_i: int) -> float:
        start = time.perf_counter()
        for path in files:
            read_returned_workbook(path)
        return time.perf_counter() - start

    return best_of(repeat, once)


def time_reader_openpyxl(files: list[Path], repeat: int) -> float:
    from foodsafety_desktop.core.excel import workbook_reader

    fast = workbook_reader._CalamineSource.for_xlsx
    workbook_reader._CalamineSource.for_xlsx = classmethod(lambda *a: None)  # type: ignore[assignment,method-assign]
    try:
        return time_reader(files, repeat)
    finally:
        workbook_reader._CalamineSource.for_xlsx = fast  # type: ignore[method-assign]


def time_calamine(files: list[Path], repeat: int) -> float:
    from python_calamine import CalamineWorkbook

    def once(_i: int) -> float:
        cells = 0
        start = time.perf_counter()
        for path in files:
            wb = CalamineWorkbook.from_path(str(path))
            for name in wb.sheet_names:
                for row in wb.get_sheet_by_name(name).to_python():
                    cells += len(row)
            wb.close()
        seconds = time.perf_counter() - start
        assert cells > 0
        return seconds

    return best_of(repeat, once)


def time_openpyxl(files: list[Path], repeat: int, *, read_only: bool) -> float:
    from openpyxl import load_workbook

    def once(_i: int) -> float:
        cells = 0
        start = time.perf_counter()
        for path in files:
            wb = load_workbook(path, read_only=read_only)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    cells += len(row)
            wb.close()
        seconds = time.perf_counter() - start
        assert cells > 0
        return seconds

    return best_of(repeat, once)


def time_pandas(files: list[Path], repeat: int) -> float | None:
    try:
        import pandas as pd
    except ImportError:
        return None

    def once(_i: int) -> float:
        start = time.perf_counter()
        for path in files:
            pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
        return time.perf_counter() - start

    return best_of(repeat, once)


def profile_collect(work: Path, source: Path, period_id: int, files: list[Path]) -> str:
    copy = work / "profile.sqlite3"
    shutil.copyfile(source, copy)
    db = open_database(copy)
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        collect_files(
            db, files, user=USER, period_id=period_id, originals=FolderOriginals(work / "archive-p")
        )
        profiler.disable()
    finally:
        db.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(45)
    out.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best of)")
    parser.add_argument("--profile", action="store_true", help="cProfile one collect run")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-collect-"))
    try:
        start = time.perf_counter()
        source, period_id, files = prepare(work)
        setup = time.perf_counter() - start
        rows = {len(data_rows(f)) for f in files}
        size = sum(f.stat().st_size for f in files)
        print(
            f"{len(files)} workbooks × {'/'.join(map(str, sorted(rows)))} rows, "
            f"{size / 1024:.0f} KiB in all "
            f"(setup {setup:.1f} s); best of {args.repeat}; Python {sys.version.split()[0]}"
        )
        from importlib.metadata import version

        import openpyxl
        import sqlalchemy

        print(
            f"openpyxl {openpyxl.__version__}, python-calamine {version('python-calamine')}, "
            f"SQLAlchemy {sqlalchemy.__version__}"
        )
        collect, opening = time_collect(work, source, period_id, files, args.repeat)
        # WAL + synchronous=NORMAL does not fsync at commit: the difference is the fsyncs.
        no_fsync, _ = time_collect(work, source, period_id, files, args.repeat, "NORMAL")
        reader = time_reader(files, args.repeat)
        reader_openpyxl = time_reader_openpyxl(files, args.repeat)
        calamine = time_calamine(files, args.repeat)
        ro = time_openpyxl(files, args.repeat, read_only=True)
        full = time_openpyxl(files, args.repeat, read_only=False)
        pandas = time_pandas(files, args.repeat)

        table = [
            ("(a)  collect_files (check + commit)", collect),
            ("(a0) the same, no fsync at commit (measure only)", no_fsync),
            ("(a1) read_returned_workbook only (calamine)", reader),
            ("(a2) read_returned_workbook, openpyxl (before)", reader_openpyxl),
            ("(b)  openpyxl read_only + all cells", ro),
            ("(b1) openpyxl full load + all cells", full),
            ("(b2) python-calamine load + all cells", calamine),
            ("(c)  pandas.read_excel (openpyxl engine)", pandas),
        ]
        print()
        print(f"{'measurement':<50}{'seconds':>9}{'per file':>10}{'a / this':>10}")
        for name, seconds in table:
            if seconds is None:
                print(f"{name:<50}{'—':>9}{'':>10}{'':>10}  pandas not installed: skipped")
                continue
            print(
                f"{name:<50}{seconds:>9.3f}{seconds / len(files) * 1000:>8.1f}ms"
                f"{collect / seconds:>9.2f}×"
            )
        print(f"(opening a fresh database, not included above: {opening:.3f} s)")
        print()
        print(f"collect / openpyxl read-only load = {collect / ro:.2f}   (goal ≤ 0.5)")
        print(f"reader: openpyxl / calamine        = {reader_openpyxl / reader:.1f}×")
        print(f"bare load: openpyxl ro / calamine  = {ro / calamine:.1f}×")
        fsync = max(collect - no_fsync, 0.0)
        print(
            f"fsync at commit (synchronous=FULL; one commit for the {len(files)} files): "
            f"{fsync:.3f} s, {fsync / collect:.0%} of collect"
        )
        if pandas is not None:
            print(f"collect / pandas.read_excel       = {collect / pandas:.2f}   (goal < 1)")
        if args.profile or collect > 3 * ro:
            print()
            print("collect is over 3× openpyxl's read-only load; profile of one run:")
            print(profile_collect(work, source, period_id, files))
        if args.keep:
            print(f"work folder kept: {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
