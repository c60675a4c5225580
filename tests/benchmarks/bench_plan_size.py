"""A 3,000-task plan: parse and import, against reading the file and bare SQL inserts.

    python tests/benchmarks/bench_plan_size.py [--tasks 3000] [--repeat 3]

The plan is generated in the three attribution forms plans use most (a trailing
parenthetical, a 由X负责，Y配合 prefix, 牵头单位/配合单位 lines), thirty sections of a
hundred tasks with deadlines and targets.  Prints one ``name = ratio×`` line per figure
(``run_all.py`` collects them) and the absolute times, which the goals are about
(parse < 2 s, import < 3 s).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEPARTMENTS = (
    "县市场监管局", "县农业农村局", "县卫健委", "县公安局", "县教育局", "县商务局",
    "县城管局", "县生态环境局", "各乡镇人民政府", "县交通运输局", "县粮食和物资储备局",
)  # fmt: skip
CN = "一二三四五六七八九十"


def section_label(number: int) -> str:
    tens, units = divmod(number, 10)
    text = ("" if tens < 2 else CN[tens - 1]) + ("十" if tens else "")
    text += CN[units - 1] if units else ""
    return f"（{text}）"


def plan_text(tasks: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ["清河县食品安全重点工作任务分工方案（2025—2027年）", "一、重点任务"]
    per_section = 100
    for index in range(tasks):
        if index % per_section == 0:
            section = index // per_section + 1
            lines.append(f"{section_label(section)}第{section}部分工作")
        number = index % per_section + 1
        lead, partner = rng.sample(DEPARTMENTS, 2)
        month = rng.randint(1, 12)
        form = index % 3
        if form == 0:
            lines.append(
                f"{number}.加强第{number}项工作的监督管理，抽检合格率达到9{number % 10}%。"
                f"（{lead}牵头，{partner}按职责分工负责）"
            )
        elif form == 1:
            lines.append(
                f"{number}.由{lead}负责，{partner}配合，开展第{number}项专项整治，"
                f"2026年{month}月底前完成。"
            )
        else:
            lines += [
                f"{number}.推进第{number}项重点工作，培训不少于{month}次。",
                f"牵头单位：{lead}；配合单位：{partner}",
                "完成时限：长期坚持",
            ]
    lines += ["二、工作要求", "各责任单位于每年12月10日前报送年度工作总结。"]
    return "\n".join(lines) + "\n"


def median(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_inserts(db_path: Path, tasks: int) -> None:
    """The same number of task and assignment rows through sqlite3, one transaction."""
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT, title TEXT, body TEXT)")
    con.execute("CREATE TABLE a (task_id INTEGER, name TEXT, role TEXT)")
    with con:
        con.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?)",
            ((i, f"{i}.", f"任务{i}", "内容" * 40) for i in range(tasks)),
        )
        con.executemany(
            "INSERT INTO a VALUES (?, ?, ?)",
            ((i, DEPARTMENTS[i % 11], r) for i in range(tasks) for r in ("牵头", "责任")),
        )
    con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from foodsafety_desktop.core.plans.reader import read_plan
    from foodsafety_desktop.core.services.plan_import import import_plan_file
    from foodsafety_desktop.core.storage.database import open_database
    from foodsafety_desktop.core.storage.originals import FolderOriginals

    work = Path(tempfile.mkdtemp(prefix="bench-plan-size-"))
    path = work / "清河县重点工作任务分工方案.txt"
    path.write_text(plan_text(args.tasks), encoding="utf-8")
    found = len(read_plan(path).tasks)
    assert found == args.tasks, f"parsed {found} of {args.tasks} tasks"

    read = median(lambda: path.read_bytes().decode("utf-8").splitlines(), args.repeat)
    parse = median(lambda: read_plan(path), args.repeat)

    counter = iter(range(10_000))

    def one_import() -> None:
        n = next(counter)
        db = open_database(work / f"import{n}.sqlite3")
        try:
            import_plan_file(db, path, user="基准", originals=FolderOriginals(work / f"archive{n}"))
        finally:
            db.close()

    def one_bare() -> None:
        bare_inserts(work / f"bare{next(counter)}.sqlite3", args.tasks)

    imported = median(one_import, args.repeat)
    bare = median(one_bare, args.repeat)
    print(
        f"parse {args.tasks} tasks: {parse:.2f} s (goal < 2 s); "
        f"reading the file {read * 1000:.1f} ms"
    )
    print(f"import {args.tasks} tasks: {imported:.2f} s (goal < 3 s); bare inserts {bare:.2f} s")
    print(f"parse {args.tasks}-task plan / read file = {parse / read:.0f}×")
    print(f"import {args.tasks}-task plan / bare sqlite3 inserts = {imported / bare:.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
