"""Demo data: a database filled from the five real seed plans in ``resources/seeds``."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services.plan_import import (
    ImportResult,
    file_sha256,
    import_plan_file,
)
from foodsafety_desktop.core.storage.database import Database, open_database
from foodsafety_desktop.core.storage.models import Indicator, Plan, ReportingPeriod, Task

DEMO_USER = "演示数据"
SEED_SUFFIXES = (".txt", ".md", ".docx")

# The plan whose year of reporting the demo plays through, and the period collected.
WORK_SEED_PREFIX = "002_"
WORK_PERIOD = "2022年第三季度"
# Days the on-time workbooks arrive on (cycled in department order; due 2022-09-25) and
# the day the late one does.  Times are naive UTC like the schema's: 02:00 is 10:00 in
# Beijing, the same local date anywhere in China.
ON_TIME_DAYS = (
    dt.date(2022, 9, 19),
    dt.date(2022, 9, 21),
    dt.date(2022, 9, 23),
    dt.date(2022, 9, 25),
)
LATE_DAY = dt.date(2022, 9, 28)


def seeds_dir() -> Path:
    """The folder of the seed plans.

    In a source checkout (also an editable install), the top-level ``resources/seeds``
    beside the package.  Elsewhere ``seeds`` in the data package
    ``foodsafety_desktop.resources`` (pyproject.toml ``package-dir``), found by the import
    system inside the installed package (wheel) or the frozen build.  An editable install
    cannot import that namespace package (pypa/setuptools#4943), hence the checkout first.
    """
    from importlib import import_module

    package = Path(__file__).resolve().parents[2]
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "resources" / "seeds").is_dir():
        return checkout / "resources" / "seeds"
    try:
        portions = list(import_module("foodsafety_desktop.resources").__path__)
    except ImportError:
        portions = []
    # A namespace package: __path__ lists its folders.
    for folder in portions:
        if (Path(folder) / "seeds").is_dir():
            return Path(folder) / "seeds"
    return package / "resources" / "seeds"


def seed_files() -> list[Path]:
    """The seed plans in import order (by file name: 000_…, 001_…)."""
    folder = seeds_dir()
    if not folder.is_dir():
        raise UserError(f"找不到演示数据文件夹：{folder}")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SEED_SUFFIXES)


def create_demo_database(path: str | os.PathLike[str]) -> Database:
    """Open (or create) the database at ``path`` and import the seed plans into it.

    Seeds already imported (same file contents) are skipped, so calling this again on
    the same file is harmless.  Then the year's work of 卢氏县 (seed 002) is played
    through (``add_reporting_work``): its periods, and the 2022年第三季度 workbooks of
    most departments collected, so that 报送管理 and 工作总结 have something to show.
    The seed files, the workbooks, their archived copies and the backup taken before
    collecting all stay in the database's folder, not in the user's data folder, so a
    throw-away demo leaves nothing behind.
    """
    path = Path(path)
    db = open_database(path)
    folder = path.resolve().parent
    try:
        import_seeds(db)
        add_reporting_work(db, folder)
    except BaseException:
        db.close()
        raise
    return db


def import_seeds(db: Database) -> list[ImportResult]:
    """Import every seed plan not yet in the database."""
    with db.session() as session:
        known = set(
            session.scalars(select(Plan.source_sha256).where(Plan.source_sha256.isnot(None)))
        )
    results = []
    for seed in seed_files():
        if file_sha256(seed) in known:
            continue
        results.append(import_plan_file(db, seed, user=DEMO_USER, backup=False))
    return results


# --- a year of reporting ------------------------------------------------------------------


@dataclass
class DemoWork:
    """What ``add_reporting_work`` did (empty when there was nothing to do)."""

    plan_id: int | None = None
    period_id: int | None = None
    period_ids: list[int] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)  # departments, in template order
    late: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    submission_ids: list[int] = field(default_factory=list)


def work_plan_id(db: Database) -> int | None:
    """The id of the imported seed 002 (卢氏县), found by its file contents."""
    seed = next((f for f in seed_files() if f.name.startswith(WORK_SEED_PREFIX)), None)
    if seed is None:
        return None
    with db.session() as session:
        return session.scalar(select(Plan.id).where(Plan.source_sha256 == file_sha256(seed)))


def _reached(indicator: Indicator) -> float | None:
    """A plausible 完成值 at the third quarter: most of the way to the target."""
    if indicator.value is None:
        return None
    if indicator.comparison in ("≥", ">"):
        return round(indicator.value * 0.9, 2)
    if indicator.comparison in ("≤", "<"):
        return round(indicator.value * 0.8, 2)
    return indicator.value


def add_reporting_work(db: Database, folder: Path) -> DemoWork:
    """Periods of seed 002 and its 2022年第三季度 workbooks, filled and collected.

    Every department but ``demo_answers.SILENT`` answers its template (fixed texts, see
    ``demo_answers``); ``demo_answers.LATE`` arrives after the due date.  Templates and
    answers are written to ``folder/报送表`` and archived to ``folder/archive``.  Does
    nothing when the plan is missing, already has periods (a second call), or has no
    such period.
    """
    from foodsafety_desktop.core.services import demo_answers, periods
    from foodsafety_desktop.core.services.collect import collect_files
    from foodsafety_desktop.core.services.templates import (
        PeriodTemplates,
        template_departments,
        write_all_templates,
    )

    work = DemoWork(plan_id=work_plan_id(db))
    if work.plan_id is None:
        return work
    workbooks: list[tuple[str, Path, dt.date]] = []
    with db.session() as session:
        plan = session.get(Plan, work.plan_id)
        if plan is None:
            return work
        has_periods = session.scalar(
            select(ReportingPeriod.id).where(ReportingPeriod.plan_id == plan.id).limit(1)
        )
        if has_periods is not None:
            return work
        drafts = periods.propose_periods(plan)
        work.period_ids = periods.create_periods(session, plan.id, drafts, user=DEMO_USER)
        period = session.scalar(
            select(ReportingPeriod).where(
                ReportingPeriod.plan_id == plan.id, ReportingPeriod.name == WORK_PERIOD
            )
        )
        if period is None:
            return work
        work.period_id = period.id
        tasks = session.scalars(select(Task).where(Task.plan_id == plan.id)).all()
        positions = {t.id: t.position for t in tasks}
        titles = {t.id: t.title or "" for t in tasks}
        values = {
            i.id: v
            for i in session.scalars(
                select(Indicator).where(Indicator.task_id.in_(list(positions)))
            )
            if (v := _reached(i)) is not None
        }
        out = folder / "报送表"
        templates = write_all_templates(session, period.id, out / "空白", user=DEMO_USER)
        departments = template_departments(session, plan.id)
        rows_of = PeriodTemplates(session, period.id)
        on_time = 0
        for index, (department, template) in enumerate(zip(departments, templates, strict=True)):
            if department.name in demo_answers.SILENT:
                work.silent.append(department.name)
                continue
            if department.name in demo_answers.LATE:
                received = LATE_DAY
                work.late.append(department.name)
            else:
                received = ON_TIME_DAYS[on_time % len(ON_TIME_DAYS)]
                on_time += 1
            work.reported.append(department.name)
            filled = demo_answers.fill_workbook(
                template,
                out / "已填报" / template.name,
                department=department.name,
                rows=rows_of.rows(department.id),
                positions=positions,
                titles=titles,
                values=values,
                filled_on=received - dt.timedelta(days=1),
                reporter_index=index,
            )
            workbooks.append((department.name, filled, received))
    for day in sorted({received for _name, _path, received in workbooks}):
        batch = [path for _name, path, received in workbooks if received == day]
        outcomes = collect_files(
            db,
            batch,
            user=DEMO_USER,
            accept_warnings=True,
            received_at=dt.datetime.combine(day, dt.time(2, 0)),
        )
        rejected = [o for o in outcomes if not o.accepted]
        if rejected:
            raise UserError(
                "演示数据的报送表导入失败："
                + "；".join(f"{o.file_name}：{'；'.join(o.errors)}" for o in rejected)
            )
        for o in outcomes:
            assert o.submission_id is not None  # every outcome was accepted: committed
            work.submission_ids.append(o.submission_id)
    return work
