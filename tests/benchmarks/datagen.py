"""Generated ledgers for the benchmarks: a county office and a city office.

county: 1 plan, 100 tasks, 40 departments, 4 periods, every submission in (1,600 rows).
city:   50 plans (10 counties × 5 years), 5,000 tasks, 200 departments, 20 periods per
        plan (5 years × 4 quarters), every submission in: 400,000 submission rows.

Rows go in with SQLAlchemy Core bulk inserts in chunks (``execute(insert(table), rows)``:
executemany, batched by SQLAlchemy; ``insert().values([...])`` compiles one bound
parameter at a time and took 100 s of CPU for the city), into a schema made by
``open_database`` (the migrations), so the benchmark sees the real indexes.
Generated files are cached under the temp folder, keyed by ``DATAGEN_VERSION`` and the
newest migration: a re-run reuses them.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, insert

from foodsafety_desktop.core.storage import models
from foodsafety_desktop.core.storage.database import head_revision_from_files, open_database

DATAGEN_VERSION = "1"
CHUNK_PARAMS = 30_000  # SQLite >= 3.32 allows 32,766 bound parameters per statement

COUNTIES = (
    "安平县", "临河县", "青山县", "白水县", "东阳县",
    "南溪县", "北林县", "西峰县", "长乐县", "永宁县",
)  # fmt: skip
DEPARTMENT_KINDS = (
    "市场监督管理局", "农业农村局", "卫生健康委员会", "教育局", "公安局",
    "商务局", "财政局", "交通运输局", "水利局", "生态环境局",
    "城市管理局", "林业局", "粮食和物资储备局", "文化和旅游局", "民政局",
    "城关镇人民政府", "新市镇人民政府", "河东街道办事处", "河西街道办事处", "融媒体中心",
)  # fmt: skip
SECTIONS = (
    ("一、", "落实食品安全责任"),
    ("二、", "强化源头治理"),
    ("三、", "严格过程监管"),
    ("四、", "推进社会共治"),
    ("五、", "夯实工作保障"),
)
SUBSECTION_TITLES = ("健全工作机制", "开展专项整治", "加强监督检查", "提升能力水平")
VERBS = ("深入开展", "持续推进", "全面落实", "严格实施", "扎实推进", "切实加强")
OBJECTS = (
    "农贸市场食品安全规范化建设", "校园食品安全守护行动", "农村集体聚餐风险防控",
    "食用农产品承诺达标合格证制度", "餐饮服务食品安全提升行动", "食品小作坊综合治理",
    "网络订餐食品安全专项检查", "肉类产品质量安全整治", "食品安全抽检监测",
    "城市商超进口冷链食品管控", "保健食品行业专项清理整治", "食品生产企业风险分级管理",
)  # fmt: skip
DETAILS = (
    "督促经营者落实主体责任，建立健全进货查验和索证索票制度",
    "对发现的问题依法依规处理，做到发现一起、查处一起",
    "组织开展监督检查和联合执法，形成部门监管合力",
    "完善食品安全追溯体系，提升全过程监管水平",
    "加强宣传培训，提高从业人员食品安全意识",
)
MEASURES = (
    "已按要求推进，开展专项检查{n}次，出动执法人员{n}0人次，检查经营主体{n}5家，"
    "发现并督促整改问题{n}个，向社会公开检查结果。"
)
STATUSES = models.STATUSES


@dataclass(frozen=True)
class Scale:
    name: str
    plans: int
    tasks_per_plan: int
    departments: int
    departments_per_plan: int
    periods_per_plan: int
    assignments_per_task: int = 4  # 1 牵头, 2 责任, 1 配合

    @property
    def tasks(self) -> int:
        return self.plans * self.tasks_per_plan

    @property
    def submission_rows(self) -> int:
        per_department = (
            self.tasks_per_plan * self.assignments_per_task // (self.departments_per_plan)
        )
        return self.plans * self.periods_per_plan * self.departments_per_plan * per_department


COUNTY = Scale("county", 1, 100, 40, 40, 4)
CITY = Scale("city", 50, 100, 200, 40, 20)
SCALES = {"county": COUNTY, "city": CITY}


def cache_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "foodsafety-bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_path(scale: Scale) -> Path:
    """The cached file of ``scale``: generated on first use."""
    key = f"{scale.name}-v{DATAGEN_VERSION}-r{head_revision_from_files()}"
    path = cache_dir() / f"{key}.sqlite3"
    if not path.is_file():
        start = time.perf_counter()
        partial = path.with_suffix(f".{os.getpid()}.partial")
        _remove(partial)
        generate(partial, scale)
        os.replace(partial, path)
        print(f"generated {scale.name} database in {time.perf_counter() - start:.1f} s: {path}")
    return path


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _chunks(rows: list[dict], columns: int) -> Iterator[list[dict]]:
    size = max(1, CHUNK_PARAMS // max(1, columns))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(connection, table, rows: Iterable[dict]) -> None:
    rows = list(rows)
    if not rows:
        return
    for chunk in _chunks(rows, len(rows[0])):
        connection.execute(insert(table), chunk)


def department_name(index: int) -> str:
    county = COUNTIES[index // len(DEPARTMENT_KINDS) % len(COUNTIES)]
    return county + DEPARTMENT_KINDS[index % len(DEPARTMENT_KINDS)]


def task_title(n: int) -> str:
    return VERBS[n % len(VERBS)] + OBJECTS[(n * 7) % len(OBJECTS)]


def generate(path: Path, scale: Scale) -> None:
    """Write the ledger of ``scale`` into a new SQLite file at ``path``."""
    open_database(path).close()  # the schema, through the migrations
    # A throw-away file: no journal, no fsync while filling it.
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA journal_mode=OFF")
            c.exec_driver_sql("PRAGMA synchronous=OFF")
            _fill(c, scale)
            c.commit()
            c.exec_driver_sql("ANALYZE")
            c.exec_driver_sql("PRAGMA journal_mode=WAL")
            c.commit()
    finally:
        engine.dispose()


def _fill(c, scale: Scale) -> None:
    now = dt.datetime(2026, 1, 5, 9, 0)
    departments = [
        {"id": i + 1, "name": department_name(i), "kind": _kind(i)}
        for i in range(scale.departments)
    ]
    _insert(c, models.Department.__table__, departments)
    plans, sections, tasks, assignments, indicators = [], [], [], [], []
    periods, submissions, entries = [], [], []
    section_id = task_id = assignment_id = period_id = submission_id = entry_id = 0
    for p in range(scale.plans):
        plan_id = p + 1
        county = COUNTIES[p % len(COUNTIES)]
        year = 2021 + p // len(COUNTIES) % 5
        plans.append(
            {
                "id": plan_id,
                "title": f"{county}{year}年食品安全重点工作安排",
                "issuer": f"{county}食品安全委员会办公室",
                "doc_number": f"{county[:2]}食安办〔{year}〕{p + 1}号",
                "issued_on": dt.date(year, 3, 1),
                "year_start": year,
                "year_end": year,
                "jurisdiction": "县",
                "source_name": f"方案{plan_id}.docx",
                "source_sha256": f"{plan_id:064x}",
                "imported_at": now,
            }
        )
        # Five top sections with two subsections each; tasks spread over the ten.
        leaves = []
        for s, (label, title) in enumerate(SECTIONS):
            section_id += 1
            top = section_id
            sections.append(_section(top, plan_id, None, label, title, 1, len(sections)))
            for k in range(2):
                section_id += 1
                sub_label = "（一）" if k == 0 else "（二）"
                sub_title = SUBSECTION_TITLES[(s + k) % len(SUBSECTION_TITLES)]
                sections.append(
                    _section(section_id, plan_id, top, sub_label, sub_title, 2, len(sections))
                )
                leaves.append(section_id)
        first_department = (p * scale.departments_per_plan // 2) % scale.departments
        plan_departments = [
            (first_department + k) % scale.departments + 1
            for k in range(scale.departments_per_plan)
        ]
        plan_tasks: list[tuple[int, list[int]]] = []
        for t in range(scale.tasks_per_plan):
            task_id += 1
            n = p * scale.tasks_per_plan + t
            title = task_title(n)
            detail = DETAILS[n % len(DETAILS)]
            deadline = dt.date(year, 3 * (t % 4) + 3, 28)
            tasks.append(
                {
                    "id": task_id,
                    "plan_id": plan_id,
                    "section_id": leaves[t * len(leaves) // scale.tasks_per_plan],
                    "position": t + 1,
                    "label": f"{t % 10 + 1}.",
                    "title": title,
                    "text": f"{title}。{detail}，{year}年{deadline.month}月底前完成。",
                    "deadline_text": f"{year}年{deadline.month}月底前",
                    "deadline": deadline,
                    "status": STATUSES[n % len(STATUSES)],
                    "progress": MEASURES.format(n=t % 9 + 1) if t % 3 else None,
                    "updated_at": now,
                }
            )
            holders = []
            for r in range(scale.assignments_per_task):
                assignment_id += 1
                department_id = plan_departments[
                    (t * scale.assignments_per_task + r) % scale.departments_per_plan
                ]
                holders.append(department_id)
                role = (
                    models.ROLE_LEAD
                    if r == 0
                    else models.ROLE_COOPERATING
                    if r == scale.assignments_per_task - 1
                    else models.ROLE_RESPONSIBLE
                )
                assignments.append(
                    {
                        "id": assignment_id,
                        "task_id": task_id,
                        "item_id": None,
                        "department_id": department_id,
                        "role": role,
                        "written_name": departments[department_id - 1]["name"],
                        "position": r,
                    }
                )
            if t % 5 == 0:
                indicators.append(
                    {
                        "task_id": task_id,
                        "position": 0,
                        "text": "抽检覆盖率达到95%",
                        "subject": "抽检覆盖率",
                        "comparison": ">=",
                        "value": 95.0,
                        "unit": "%",
                    }
                )
            plan_tasks.append((task_id, holders))
        by_department: dict[int, list[int]] = {}
        for tid, holders in plan_tasks:
            for department_id in dict.fromkeys(holders):
                by_department.setdefault(department_id, []).append(tid)
        for q in range(scale.periods_per_plan):
            period_id += 1
            period_year = year + q // 4
            quarter = q % 4 + 1
            periods.append(
                {
                    "id": period_id,
                    "plan_id": plan_id,
                    "name": f"{period_year}年第{quarter}季度",
                    "kind": models.PERIOD_QUARTER,
                    "year": period_year,
                    "due_date": dt.date(period_year, 3 * quarter, 25),
                    "start_date": dt.date(period_year, 3 * quarter - 2, 1),
                    "end_date": dt.date(period_year, 3 * quarter, 25),
                    "is_open": q == scale.periods_per_plan - 1,
                    "position": q,
                    "note": None,
                }
            )
            for department_id, held in by_department.items():
                submission_id += 1
                submissions.append(
                    {
                        "id": submission_id,
                        "period_id": period_id,
                        "department_id": department_id,
                        "received_at": now,
                        "source_name": f"报送表{submission_id}.xlsx",
                        "sha256": f"{submission_id:064x}",
                        "archive_path": None,
                        "reporter": "张三",
                        "phone": "0000-1234567",
                        "filled_on": f"{period_year}年{3 * quarter}月20日",
                        "is_current": True,
                        "replaced_submission_id": None,
                        "warnings_json": None,
                    }
                )
                for k, tid in enumerate(held):
                    entry_id += 1
                    entries.append(
                        {
                            "id": entry_id,
                            "submission_id": submission_id,
                            "task_id": tid,
                            "item_id": None,
                            "indicator_id": None,
                            "status": STATUSES[(k + q) % len(STATUSES)],
                            "measures": MEASURES.format(n=k % 9 + 1),
                            "data": f"检查{k + 3}家次",
                            "examples": None,
                            "problems": "基层监管力量不足" if k % 4 == 0 else None,
                            "next_steps": "继续加强监督检查" if k % 2 == 0 else None,
                            "value": None,
                            "value_text": None,
                        }
                    )
        if len(entries) > 100_000:  # keep memory flat while generating the city
            _flush(c, plans, sections, tasks, assignments, indicators, periods, submissions)
            _insert(c, models.SubmissionEntry.__table__, entries)
            entries.clear()
    _flush(c, plans, sections, tasks, assignments, indicators, periods, submissions)
    _insert(c, models.SubmissionEntry.__table__, entries)


def _flush(c, plans, sections, tasks, assignments, indicators, periods, submissions) -> None:
    for table, rows in (
        (models.Plan.__table__, plans),
        (models.Section.__table__, sections),
        (models.Task.__table__, tasks),
        (models.Assignment.__table__, assignments),
        (models.Indicator.__table__, indicators),
        (models.ReportingPeriod.__table__, periods),
        (models.Submission.__table__, submissions),
    ):
        _insert(c, table, rows)
        rows.clear()


def _kind(index: int) -> str:
    kind = DEPARTMENT_KINDS[index % len(DEPARTMENT_KINDS)]
    if kind.endswith(("镇人民政府", "街道办事处")):
        return models.KIND_TOWNSHIP
    return models.KIND_DEPARTMENT


def _section(id_, plan_id, parent_id, label, title, level, position) -> dict:
    return {
        "id": id_,
        "plan_id": plan_id,
        "parent_id": parent_id,
        "label": label,
        "title": title,
        "level": level,
        "position": position,
    }


if __name__ == "__main__":
    for scale in (COUNTY, CITY):
        print(scale.name, scale.tasks, "tasks,", scale.submission_rows, "submission rows:")
        print(" ", database_path(scale))
