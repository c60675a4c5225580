"""Benchmark: the annual 工作总结 for 40 departments × 100 tasks vs bare python-docx.

Run: ``python tests/benchmarks/bench_summary.py [--repeat 3] [--profile]``.  Not a test
(pytest ignores tests/benchmarks): it prints seconds and the ratio for the README.

The data is made directly with the ORM (bulk): one plan of 5 sections × 20 tasks, 40
departments, each task led by one department with 3 others responsible (so every
department holds 10 tasks), every 10th task with a target; one annual period in which
every department reported every row it holds (measures, data, examples; problems and
next steps on its first row).  Then, best of ``--repeat``:

(a) ``gather_material`` + ``build_draft`` + ``write_summary`` (body and both tables);
(a1) ``gather_material`` alone;  (a2) ``build_draft`` from gathered material;
(a3) ``write_summary`` alone (the OfficialDocument layout and save);
(b) python-docx writing the same texts bare into a blank ``Document()``: title,
    opening, headings, task paragraphs, problems, next steps, then the same two tables
    (``add_table`` and each row's cells filled once), and ``save``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402

from foodsafety_desktop.core.reports.material import PeriodMaterial, gather_material  # noqa: E402
from foodsafety_desktop.core.reports.summary import (  # noqa: E402
    BLOCK_SECTION,
    INDICATOR_TABLE_HEADER,
    TASK_TABLE_HEADER,
    SummaryDraft,
    build_draft,
    indicator_table_rows,
    task_table_rows,
    write_summary,
)
from foodsafety_desktop.core.storage.database import Database, open_database  # noqa: E402
from foodsafety_desktop.core.storage.models import (  # noqa: E402
    PERIOD_YEAR,
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    Assignment,
    Department,
    Indicator,
    Plan,
    ReportingPeriod,
    Section,
    Submission,
    SubmissionEntry,
    Task,
)

DEPARTMENTS = 40
TASKS = 100
SECTIONS = 5
TODAY = dt.date(2023, 12, 5)


def build(db: Database) -> tuple[int, int]:
    """The synthetic plan and its answered annual period; returns (plan id, period id)."""
    with db.session() as s:
        plan = Plan(
            title="某某县2023年食品安全重点工作安排",
            issuer="某某县人民政府办公室",
            jurisdiction="县",
            year_start=2023,
        )
        s.add(plan)
        s.flush()
        deps = [Department(name=f"县第{i + 1}局") for i in range(DEPARTMENTS)]
        s.add_all(deps)
        sections = [
            Section(
                plan_id=plan.id,
                label=f"{i + 1}、",
                title=f"重点领域{i + 1}",
                level=1,
                position=i + 1,
            )
            for i in range(SECTIONS)
        ]
        s.add_all(sections)
        s.flush()
        tasks = []
        per_section = TASKS // SECTIONS
        for i in range(TASKS):
            tasks.append(
                Task(
                    plan_id=plan.id,
                    section_id=sections[i // per_section].id,
                    position=i + 1,
                    label=f"（{i % per_section + 1}）",
                    title=f"实施第{i + 1}项重点行动",
                    text=f"实施第{i + 1}项重点行动。加强监管，落实责任，确保取得实效。",
                    status=("已完成", "序时推进", "滞后", "未启动")[i % 4],
                )
            )
        s.add_all(tasks)
        period = ReportingPeriod(
            plan_id=plan.id,
            name="2023年度",
            kind=PERIOD_YEAR,
            year=2023,
            due_date=dt.date(2023, 11, 30),
        )
        s.add(period)
        s.flush()
        holders: dict[int, list[Task]] = {d.id: [] for d in deps}
        assignments, indicators = [], []
        for i, task in enumerate(tasks):
            for k in range(4):
                dep = deps[(i + k * 10) % DEPARTMENTS]
                assignments.append(
                    Assignment(
                        task_id=task.id,
                        department_id=dep.id,
                        position=k,
                        role=ROLE_LEAD if k == 0 else ROLE_RESPONSIBLE,
                    )
                )
                holders[dep.id].append(task)
            if i % 10 == 0:
                indicators.append(
                    Indicator(
                        task_id=task.id,
                        text="覆盖率达到90%",
                        subject="覆盖率",
                        comparison="≥",
                        value=90.0,
                        unit="%",
                    )
                )
        s.add_all(assignments + indicators)
        s.flush()
        by_task = {ind.task_id: ind for ind in indicators}
        received = dt.datetime(2023, 11, 25, 2)
        for dep in deps:
            sub = Submission(
                period_id=period.id,
                department_id=dep.id,
                received_at=received,
                source_name=f"{dep.name}.xlsx",
                sha256=f"{dep.id:064d}",
            )
            s.add(sub)
            s.flush()
            entries = []
            for n, task in enumerate(holders[dep.id]):
                ind = by_task.get(task.id)
                entries.append(
                    SubmissionEntry(
                        submission_id=sub.id,
                        task_id=task.id,
                        indicator_id=ind.id if ind else None,
                        status="已完成",
                        measures=f"{dep.name}围绕{task.title}，制定工作方案，"
                        f"开展专项检查{n + 3}次，检查生产经营主体120家次，督促整改问题隐患15处",
                        data=f"抽检样品{200 + n}批次，合格率98.{n}%",
                        examples="建成示范点1个" if n % 3 == 0 else None,
                        problems="基层监管力量不足" if n == 0 else None,
                        next_steps=f"{dep.name}将持续加大监管力度" if n == 0 else None,
                        value=92.0 if ind else None,
                        value_text="92" if ind else None,
                    )
                )
            s.add_all(entries)
        return plan.id, period.id


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bare_docx(draft: SummaryDraft, material: PeriodMaterial, path: Path) -> Path:
    """The same texts into a blank python-docx Document, no formatting at all."""
    document = docx.Document()
    document.add_paragraph(draft.title)
    for line in draft.opening.split("\n"):
        document.add_paragraph(line)
    for label, block in draft.numbered():
        if block.kind == BLOCK_SECTION:
            document.add_paragraph(label + block.text)
        else:
            document.add_paragraph(label + block.title + "。" + block.text)
    for label, heading, text in draft.closing_headings():
        document.add_paragraph(label + heading)
        for line in text.split("\n"):
            document.add_paragraph(line)
    document.add_paragraph(draft.signer)
    document.add_paragraph(str(draft.signed_on))
    for header, rows in (
        (TASK_TABLE_HEADER, task_table_rows(draft, material)),
        (INDICATOR_TABLE_HEADER, indicator_table_rows(material)),
    ):
        table = document.add_table(rows=0, cols=len(header))
        for values in [header, *rows]:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                cell.text = value
    document.save(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-summary-"))
    db = open_database(work / "bench.sqlite3")
    start = time.perf_counter()
    plan_id, period_id = build(db)
    print(f"data: {DEPARTMENTS} departments × {TASKS} tasks in {time.perf_counter() - start:.2f} s")

    def gather():
        with db.session() as s:
            return gather_material(s, plan_id, period_id)

    def draft_from(material):
        with db.session() as s:
            return build_draft(s, plan_id, period_id, today=TODAY, material=material)

    def whole():
        material = gather()
        return write_summary(draft_from(material), material, work / "summary.docx")

    t_all, path = timed(whole, args.repeat)
    t_gather, material = timed(gather, args.repeat)
    t_draft, draft = timed(lambda: draft_from(material), args.repeat)
    t_write, _ = timed(lambda: write_summary(draft, material, work / "s2.docx"), args.repeat)
    t_bare, bare = timed(lambda: bare_docx(draft, material, work / "bare.docx"), args.repeat)
    paragraphs = len(draft.numbered()) + 2 * len(draft.closing_headings())
    print(
        f"document: {paragraphs} body blocks, {len(material.tasks)} + "
        f"{material.indicators_total} table rows, {Path(path).stat().st_size // 1024} KiB "
        f"(bare {Path(bare).stat().st_size // 1024} KiB)"
    )
    rows = [
        ("(a) gather + build + write_summary", t_all),
        ("(a1) gather_material", t_gather),
        ("(a2) build_draft (material given)", t_draft),
        ("(a3) write_summary", t_write),
        ("(b) bare python-docx, same texts", t_bare),
    ]
    for name, seconds in rows:
        print(f"{name:<40} {seconds:7.3f} s   (a) ÷ this = {t_all / seconds:5.2f}")
    print(f"ratio (a) / (b) = {t_all / t_bare:.2f}")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        whole()
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
    db.close()


if __name__ == "__main__":
    main()
