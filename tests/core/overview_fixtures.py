"""A year of reporting for the 概况 tests: a five-task plan, three quarters collected.

The plan (written to ``tmp_path`` as a .txt, imported as the clerk would) has a count
target (抽检不少于1000批次, 县市场监管局) and a rate target (合格证覆盖率达到95%,
县农业农村局), and the reporting rule of seed 002 (3月25日、6月25日、9月25日、11月30日).

| task | lead (others) | deadline | Q3 status |
|---|---|---|---|
| （一）抽检 | 市场监管 | 2022-12-31 | 序时推进 |
| （二）合格证 | 农业农村 | 2022-10-20 | 已完成 |
| （三）校园 | 教育 (市场监管 配合) | 2022-06-30 | 序时推进 (overdue on 10-10) |
| （四）集体聚餐 | 卫健委 | 2022-12-31 | 滞后 |
| （五）小作坊 | 市场监管 | 2022-10-15 | 序时推进 (due in 5 days on 10-10) |

Values: 抽检 200 / 350 / 300 (Q1 / Q2 / Q3), 覆盖率 80 / 90 / 96.  县教育局 skips Q1;
县卫健委 reports only Q3, late (9-28).  Files are real templates filled by openpyxl
(``collect_fixtures.fill``) and collected with ``collect_files``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from foodsafety_desktop.core.services import periods
from foodsafety_desktop.core.services.collect import collect_files
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.services.templates import template_filename, write_template
from foodsafety_desktop.core.storage.database import Database
from foodsafety_desktop.core.storage.models import Department, Plan, Task

from .collect_fixtures import USER, fill

MARKET, FARM, EDU, HEALTH = "县市场监管局", "县农业农村局", "县教育局", "县卫健委"
Q1, Q2, Q3, YEAR = "2022年第一季度", "2022年第二季度", "2022年第三季度", "2022年度"
TODAY = dt.date(2022, 10, 10)

PLAN_TEXT = """某某县2022年食品安全重点工作安排

一、源头治理

（一）开展食品安全抽检。全年完成食品抽检不少于1000批次。（牵头单位：县市场监管局）完成时限：2022年12月底前

（二）推进农产品合格证制度。农产品合格证覆盖率达到95%。（牵头单位：县农业农村局）完成时限：2022年10月20日前

二、过程监管

（三）开展校园食品安全检查。2022年6月底前完成全部学校食堂检查。（牵头单位：县教育局，配合单位：县市场监管局）

（四）整治农村集体聚餐。全面排查农村集体聚餐风险。（牵头单位：县卫健委）完成时限：2022年12月底前

（五）规范小作坊管理。2022年10月15日前完成。（牵头单位：县市场监管局）

三、工作要求

各单位于每年3月25日、6月25日、9月25日和11月30日之前向县食安办报送季度和年度工作总结。
"""

# (period, department, status, value, received at (naive UTC))
ANSWERS = (
    (Q1, MARKET, "序时推进", 200, dt.datetime(2022, 3, 20, 2)),
    (Q1, FARM, "序时推进", 80, dt.datetime(2022, 3, 21, 2)),
    (Q2, MARKET, "序时推进", 350, dt.datetime(2022, 6, 20, 2)),
    (Q2, FARM, "序时推进", 90, dt.datetime(2022, 6, 20, 3)),
    (Q2, EDU, "序时推进", None, dt.datetime(2022, 6, 24, 2)),
    (Q3, MARKET, "序时推进", 300, dt.datetime(2022, 9, 20, 2)),
    (Q3, FARM, "已完成", 96, dt.datetime(2022, 9, 21, 2)),
    (Q3, EDU, "序时推进", None, dt.datetime(2022, 9, 22, 2)),
    (Q3, HEALTH, "滞后", None, dt.datetime(2022, 9, 28, 2)),
)


@dataclass
class Year:
    db: Database
    plan_id: int
    periods: dict[str, int]  # name → id
    departments: dict[str, int]  # name → id
    tasks: dict[int, int]  # position → id
    folder: Path

    def collect(
        self,
        period: str,
        department: str,
        status: str,
        value,
        at: dt.datetime,
        *,
        only: int | None = None,
    ):
        """One department's filled template for ``period`` (its first ``only`` rows
        answered, all by default), collected at ``at``."""
        with self.db.session() as s:
            p = periods.get_period(s, self.periods[period])
            dep = s.get(Department, self.departments[department])
            template = write_template(
                s, p.id, dep.id, self.folder / "t" / period / template_filename(p, dep)
            )
        out = self.folder / "r" / period / f"{department}.xlsx"
        path = fill(template, out, status=status, value=value, only=only)
        outcomes = collect_files(self.db, [path], user=USER, received_at=at, accept_warnings=True)
        assert all(o.accepted for o in outcomes), [o.as_dict() for o in outcomes]


def build_year(db: Database, folder: Path, *, answers=ANSWERS) -> Year:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t").mkdir(exist_ok=True)
    source = folder / "某某县2022年食品安全重点工作安排.txt"
    source.write_text(PLAN_TEXT, encoding="utf-8")
    result = import_plan_file(db, source, user=USER)
    with db.session() as s:
        plan = s.get(Plan, result.plan_id)
        periods.create_periods(s, plan.id, periods.propose_periods(plan), user=USER)
        ids = {p.name: p.id for p in periods.list_periods(s, plan.id)}
        departments = {d.name: d.id for d in s.scalars(select(Department))}
        tasks = {t.position: t.id for t in s.scalars(select(Task).where(Task.plan_id == plan.id))}
    for name in ids:
        (folder / "t" / name).mkdir(parents=True, exist_ok=True)
    year = Year(db, result.plan_id, ids, departments, tasks, folder)
    for answer in answers:
        year.collect(*answer)
    return year
