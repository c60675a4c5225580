"""The 概况: figures of a plan over the year, lights, departments, targets and warnings
(``services/overview.py``), on the year of ``overview_fixtures`` (both backends)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import overview as ov
from foodsafety_desktop.core.services.ledger import add_task
from foodsafety_desktop.core.services.period_status import PERIOD_STATUS_ORDER, period_figures
from foodsafety_desktop.core.services.plan_admin import archive_plan
from foodsafety_desktop.core.services.tracking import (
    STATE_LATE,
    STATE_PARTIAL,
    STATE_PENDING,
    STATE_REPORTED,
    status_matrix,
)
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import AuditEntry, Plan, Task

from .collect_fixtures import USER
from .overview_fixtures import (
    ANSWERS,
    EDU,
    FARM,
    HEALTH,
    MARKET,
    PLAN_TEXT,
    Q1,
    Q2,
    Q3,
    TODAY,
    YEAR,
    build_year,
)


@pytest.fixture
def any_db(any_db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "appdata"))
    database = open_database(any_db_url)
    yield database
    database.close()


@pytest.fixture
def year(any_db, tmp_path):
    return build_year(any_db, tmp_path / "year")


def values_of(department: str, until: str) -> list[float]:
    order = [Q1, Q2, Q3]
    return [
        v
        for p, d, _s, v, _at in ANSWERS
        if d == department and order.index(p) <= order.index(until)
    ]


def share(day: dt.date) -> float:
    return (day - dt.date(day.year, 1, 1)).days / 365 + 1 / 365


def test_third_quarter_targets_over_the_year(year):
    with year.db.session() as s:
        o = ov.overview(s, year.plan_id, today=TODAY)  # Q3: the latest period past due
    assert (o.period_id, o.period_name, o.as_of) == (year.periods[Q3], Q3, TODAY)
    count, rate = o.targets
    # The count adds up the three quarters; 850 ≥ 1000 × 273/365 → on track.
    assert count.kind == ov.KIND_COUNT and count.unit == "批次" and count.target == 1000
    assert [v.value for v in count.values] == values_of(MARKET, Q3)
    assert [v.period_name for v in count.values] == [Q1, Q2, Q3]
    assert count.year_to_date == sum(values_of(MARKET, Q3))
    assert count.expected == pytest.approx(1000 * share(dt.date(2022, 9, 30)))
    assert count.year_to_date < count.target and count.year_to_date > count.expected
    assert count.verdict == ov.VERDICT_ON_TRACK
    assert count.rule == "累计值按序时进度（截至9月30日，全年的75%）与目标比较"
    # The rate: the latest value (96%) meets 95%.
    assert rate.kind == ov.KIND_RATE and rate.unit == "%"
    assert rate.year_to_date == values_of(FARM, Q3)[-1] == 96
    assert rate.verdict == ov.VERDICT_MET
    assert count.task_label == "（一）" and rate.task_label == "（二）"


def test_earlier_quarters_and_the_year_period(year):
    with year.db.session() as s:
        first = ov.overview(s, year.plan_id, year.periods[Q1], today=TODAY)
        second = ov.overview(s, year.plan_id, year.periods[Q2], today=TODAY)
    # Q1: 200 < 1000 × 90/365 (≈247) → at risk; 80% < 95% → at risk.
    count, rate = first.targets
    assert count.year_to_date == 200 and count.expected == pytest.approx(1000 * 90 / 365)
    assert (count.verdict, rate.verdict) == (ov.VERDICT_AT_RISK, ov.VERDICT_AT_RISK)
    assert [v.period_name for v in count.values] == [Q1]
    # Q2: 550 ≥ 1000 × 181/365 → on track.
    count, rate = second.targets
    assert count.year_to_date == 550 and count.verdict == ov.VERDICT_ON_TRACK
    assert rate.year_to_date == 90 and rate.verdict == ov.VERDICT_AT_RISK

    # The annual report's 统计时段 covers the quarters: its 1000 is the year's total
    # (not 1000 + 850), and meets the target.
    year.collect(YEAR, MARKET, "已完成", 1000, dt.datetime(2022, 11, 25, 2))
    with year.db.session() as s:
        annual = ov.overview(s, year.plan_id, year.periods[YEAR], today=dt.date(2022, 12, 5))
    count, rate = annual.targets
    assert [v.value for v in count.values] == [200, 350, 300, 1000]
    assert count.year_to_date == 1000 and count.verdict == ov.VERDICT_MET
    assert rate.values[-1].value is None and rate.year_to_date == 96
    assert rate.verdict == ov.VERDICT_MET


def test_lights_statuses_and_parts(year):
    with year.db.session() as s:
        o = ov.overview(s, year.plan_id, today=TODAY)
        figures = period_figures(s, year.periods[Q3])
        ledger_status = {t.id: t.status for t in s.scalars(select(Task))}
    by_position = {
        p: next(light for light in o.lights if light.task_id == t) for p, t in year.tasks.items()
    }
    # Statuses are the period's, not the ledger's.
    for light in o.lights:
        assert light.status == figures.tasks[light.task_id].status
    assert ledger_status  # (the ledger is not read: see period_status)
    assert [light.task_id for light in o.lights] == [year.tasks[p] for p in range(1, 6)]
    one, two, three, four, five = (by_position[p] for p in range(1, 6))
    assert (one.light, one.reason) == (ov.LIGHT_GREEN, "")  # 序时推进, due 12-31
    assert (two.status, two.light) == ("已完成", ov.LIGHT_GREEN)  # done, due in 10 days
    days_over = (TODAY - dt.date(2022, 6, 30)).days
    assert (three.light, three.reason) == (ov.LIGHT_RED, f"已逾期{days_over}天")
    assert (four.status, four.light, four.reason) == ("滞后", ov.LIGHT_RED, "滞后")
    left = (dt.date(2022, 10, 15) - TODAY).days
    assert (five.light, five.reason) == (ov.LIGHT_YELLOW, f"距完成时限还有{left}天")
    assert three.lead == EDU and three.section_title == "二、过程监管"
    assert three.title == "开展校园食品安全检查" and three.label == "（三）"
    assert o.light_counts() == {ov.LIGHT_RED: 2, ov.LIGHT_YELLOW: 1, ov.LIGHT_GREEN: 2}

    # The plan and its two top sections, every status counted (0 included).
    assert list(o.plan.counts) == list(PERIOD_STATUS_ORDER)
    assert o.plan.counts == {**dict.fromkeys(PERIOD_STATUS_ORDER, 0), **figures.status_counts}
    assert o.plan.total == 5 and o.plan.done_share == pytest.approx(1 / 5)
    assert [(p.title, p.total) for p in o.parts] == [("一、源头治理", 2), ("二、过程监管", 3)]
    assert o.parts[0].counts["已完成"] == 1 and o.parts[1].counts["滞后"] == 1
    assert sum(p.total for p in o.parts) == o.plan.total

    # A day later the yellow task is still yellow; after its deadline it is red.
    with year.db.session() as s:
        late = ov.overview(s, year.plan_id, year.periods[Q3], today=dt.date(2022, 10, 16))
    assert {t.task_id: t.light for t in late.lights}[year.tasks[5]] == ov.LIGHT_RED
    # With 3 warning days the task due in 5 days is green.
    with year.db.session() as s:
        ov.set_warning_days(s, 3, user=USER)
    with year.db.session() as s:
        narrow = ov.overview(s, year.plan_id, today=TODAY)
    assert narrow.warning_days == 3
    assert {t.task_id: t.light for t in narrow.lights}[year.tasks[5]] == ov.LIGHT_GREEN


def test_departments(year):
    with year.db.session() as s:
        o = ov.overview(s, year.plan_id, today=TODAY)
    rows = {d.name: d for d in o.departments}
    assert [d.name for d in o.departments] == [MARKET, FARM, EDU, HEALTH]  # plan order
    market, farm, edu, health = (rows[n] for n in (MARKET, FARM, EDU, HEALTH))
    assert (market.tasks, market.tasks_led, market.done) == (3, 2, 0)  # (一)(三 配合)(五)
    assert (farm.tasks, farm.tasks_led, farm.done, farm.done_share) == (1, 1, 1, 1.0)
    assert (market.state, market.periods_on_time, market.periods_late) == (STATE_REPORTED, 3, 0)
    assert (edu.periods_on_time, edu.periods_missing) == (2, 1)  # Q1 missed
    assert health.state == STATE_LATE  # Q3 received 9-28, due 9-25
    assert (health.periods_on_time, health.periods_late, health.periods_missing) == (0, 1, 2)
    # The states are those of the 报送 window (tracking.status_matrix), period by period,
    # 部分报送 too (县市场监管局 answers 1 of its 3 rows of the annual report).
    year.collect(YEAR, MARKET, "序时推进", 900, dt.datetime(2022, 11, 20, 2), only=1)
    with year.db.session() as s:
        annual = ov.overview(s, year.plan_id, year.periods[YEAR], today=TODAY)
    assert {d.name: d.state for d in annual.departments}[MARKET] == STATE_PARTIAL
    with year.db.session() as s:
        matrix = status_matrix(s, year.plan_id, today=TODAY)
        for name, period_id in year.periods.items():
            o = ov.overview(s, year.plan_id, period_id, today=TODAY)
            states = {d.department_id: d.state for d in o.departments}
            assert states == {
                d.id: matrix.cell(d.id, period_id).state for d in matrix.departments
            }, name
    # As of Q1 only Q1 counts.
    with year.db.session() as s:
        first = {d.name: d for d in ov.overview(s, year.plan_id, year.periods[Q1]).departments}
    assert first[MARKET].periods_on_time == 1 and first[HEALTH].periods_missing == 1


def test_warnings(year, tmp_path):
    with year.db.session() as s:
        found = ov.warnings(s, today=TODAY)  # 15 days (the default)
    kinds = {w.kind: w for w in found}
    assert set(kinds) == {ov.WARN_TASK_OVERDUE, ov.WARN_TASK_DUE}
    overdue, due = kinds[ov.WARN_TASK_OVERDUE], kinds[ov.WARN_TASK_DUE]
    days_over = (TODAY - dt.date(2022, 6, 30)).days
    assert overdue.task_ids == [year.tasks[3]]
    assert overdue.text == f"1项任务已超过完成时限：（三）开展校园食品安全检查（逾期{days_over}天）"
    # (二) is due in 10 days but 已完成 in Q3: no warning.
    assert due.task_ids == [year.tasks[5]] and due.plan_id == year.plan_id
    assert due.text == "1项任务将在15天内到期：（五）规范小作坊管理"

    # The annual report is due 11-30: within 60 days, nobody has reported it.
    with year.db.session() as s:
        wide = ov.warnings(s, today=TODAY, days=60)
    period = next(w for w in wide if w.kind == ov.WARN_PERIOD_DUE)
    assert period.period_id == year.periods[YEAR]
    assert period.departments == [MARKET, FARM, EDU, HEALTH]
    assert period.text == "2022年度报送将于11月30日截止，还有4个单位未报送"
    year.collect(YEAR, FARM, "已完成", 97, dt.datetime(2022, 10, 12, 2))
    with year.db.session() as s:
        period = next(
            w for w in ov.warnings(s, today=TODAY, days=60) if w.kind == ov.WARN_PERIOD_DUE
        )
    assert period.departments == [MARKET, EDU, HEALTH] and "还有3个单位未报送" in period.text

    # An archived plan gives none.
    with year.db.session() as s:
        archive_plan(s, year.plan_id, user=USER)
    with year.db.session() as s:
        assert ov.warnings(s, today=TODAY, days=60) == []


def test_warnings_name_the_plan_when_there_are_several(year, tmp_path):
    from foodsafety_desktop.core.services.plan_import import import_plan_file

    other = tmp_path / "另一县2022年食品安全工作要点.txt"
    other.write_text(PLAN_TEXT.replace("某某县", "另一县"), encoding="utf-8")
    second = import_plan_file(year.db, other, user=USER, as_new=True).plan_id
    with year.db.session() as s:
        found = ov.warnings(s, today=TODAY)
        title = s.get(Plan, second).title
    # The new plan has no periods: every task 未报送, so (二) is due there too.
    mine = [w for w in found if w.plan_id == second and w.kind == ov.WARN_TASK_DUE]
    assert len(mine) == 1 and mine[0].text.startswith(f"《{title}》：2项任务将在15天内到期")
    assert any(w.plan_id == year.plan_id for w in found)


def test_plan_without_periods(any_db, tmp_path):
    from foodsafety_desktop.core.services.plan_import import import_plan_file

    source = tmp_path / "plan.txt"
    source.write_text(PLAN_TEXT, encoding="utf-8")
    plan_id = import_plan_file(any_db, source, user=USER).plan_id
    with any_db.session() as s:
        o = ov.overview(s, plan_id, today=TODAY)
    assert o.period_id is None and o.period_name is None
    assert o.plan.counts["未报送"] == o.plan.total == 5
    assert {d.state for d in o.departments} == {STATE_PENDING} and len(o.departments) == 4
    assert all(t.verdict == ov.VERDICT_NO_DATA and t.values == [] for t in o.targets)
    # Not 已完成: the overdue task is red even without a report.
    assert {t.label: t.light for t in o.lights}["（三）"] == ov.LIGHT_RED
    with any_db.session() as s, pytest.raises(UserError):
        ov.overview(s, plan_id + 99)


def test_warning_days_setting(any_db):
    with any_db.session() as s:
        assert ov.warning_days(s) == ov.DEFAULT_WARNING_DAYS == 15
        assert ov.set_warning_days(s, 20, user=USER) is True
        assert ov.set_warning_days(s, 20, user=USER) is False
        for bad in (0, 91, True, "5"):
            with pytest.raises(UserError):
                ov.set_warning_days(s, bad, user=USER)  # type: ignore[arg-type]
    with any_db.session() as s:
        assert ov.warning_days(s) == 20
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.action == "setting.update" and "15 天 → 20 天" in entry.summary


def test_the_reading_does_not_grow_with_the_tasks(year):
    """A fixed number of queries: adding tasks adds none."""

    def statements() -> int:
        count = 0

        def on_execute(*_args):
            nonlocal count
            count += 1

        engine = year.db.engine
        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            with year.db.session() as s:
                ov.overview(s, year.plan_id, today=TODAY)
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
        return count

    # New tasks nobody reported on read the earlier periods' statuses (for their
    # lights): a few queries per earlier period, never per task.
    with year.db.session() as s:
        for n in range(20):
            add_task(s, year.plan_id, user=USER, title=f"新增任务{n}")
    before = statements()
    with year.db.session() as s:
        for n in range(20, 60):
            add_task(s, year.plan_id, user=USER, title=f"新增任务{n}")
    assert statements() == before
    assert before < 50


@pytest.mark.parametrize(
    ("text", "subject", "unit", "kind"),
    [
        ("全年完成食品抽检不少于1000批次", "全年完成食品抽检", "批次", ov.KIND_COUNT),
        ("检查经营主体不少于300家", "检查经营主体", "家", ov.KIND_COUNT),
        ("农产品合格证覆盖率达到95%", "农产品合格证覆盖率", "%", ov.KIND_RATE),
        ("食品抽检量达到4批次/千人", "食品抽检量", "批次/千人", ov.KIND_RATE),
        ("监督抽检合格率不低于98", "监督抽检合格率", None, ov.KIND_RATE),
        ("从业人员培训不少于40学时/年", "从业人员培训", "学时/年", ov.KIND_RATE),
    ],
)
def test_target_kind(text, subject, unit, kind):
    assert ov.target_kind(text, subject, unit) == kind


def test_verdict_rules():
    half = 0.5
    assert ov.verdict(ov.KIND_COUNT, "≥", 100, None, half)[0] == ov.VERDICT_NO_DATA
    assert ov.verdict(ov.KIND_COUNT, "≥", 100, 100, half)[0] == ov.VERDICT_MET
    assert ov.verdict(ov.KIND_COUNT, "≥", 100, 50, half) == (ov.VERDICT_ON_TRACK, 50)
    assert ov.verdict(ov.KIND_COUNT, "≥", 100, 49, half) == (ov.VERDICT_AT_RISK, 50)
    assert ov.verdict(ov.KIND_RATE, "≥", 95, 94.9, half)[0] == ov.VERDICT_AT_RISK
    # ≤ (不超过): met while within the bound, a count as a rate.
    assert ov.verdict(ov.KIND_COUNT, "≤", 5, 3, half)[0] == ov.VERDICT_MET
    assert ov.verdict(ov.KIND_COUNT, "≤", 5, 6, half)[0] == ov.VERDICT_AT_RISK
    assert ov.verdict(ov.KIND_RATE, "<", 1.5, 1.2, half)[0] == ov.VERDICT_MET


def test_summary_attachment_uses_the_year_to_date_figures(year, tmp_path):
    """附件2 指标完成情况表 of the 工作总结: the same figures and verdicts as the 概况."""
    import docx

    from foodsafety_desktop.core.reports.material import gather_material
    from foodsafety_desktop.core.reports.summary import (
        INDICATOR_TABLE_HEADER,
        build_draft,
        write_summary,
    )

    for name in (Q1, Q3):
        with year.db.session() as s:
            o = ov.overview(s, year.plan_id, year.periods[name], today=TODAY)
            material = gather_material(s, year.plan_id, year.periods[name])
            draft = build_draft(s, year.plan_id, year.periods[name], material=material)
        path = write_summary(draft, material, tmp_path / f"{name}.docx")
        document = docx.Document(str(path))
        table = document.tables[-1]
        assert [c.text for c in table.rows[0].cells] == INDICATOR_TABLE_HEADER
        rows = [[c.text for c in r.cells] for r in table.rows[1:]]
        assert [r[5] for r in rows] == [t.verdict for t in o.targets]
        assert [r[4].split("（")[0] for r in rows] == [t.year_to_date_text for t in o.targets]
        assert rows[0][4].endswith(f"（{ov.KIND_COUNT}）")
        # the rule is printed under the table
        texts = [p.text for p in document.paragraphs]
        assert any(t.startswith("说明：") and o.targets[0].rule in t for t in texts)
        # the body says the same as 附件2: the year's figure and its verdict
        count = o.targets[0]
        said = f"年度累计{count.year_to_date_text}，{count.verdict}"
        assert any(said in t for t in texts), said


def test_lights_of_a_round_nobody_reported_yet_and_of_a_past_round(year):
    """The next period, not yet reported: tasks keep their earlier status (a task done
    in Q3 stays green); a past round is lit as it stood at its due date."""
    with year.db.session() as s:
        q3 = ov.overview(s, year.plan_id, year.periods[Q3], today=TODAY)
        annual = ov.overview(s, year.plan_id, year.periods[YEAR], today=TODAY)
        first = ov.overview(s, year.plan_id, year.periods[Q1], today=TODAY)
    by_task = {light.task_id: light for light in q3.lights}
    for light in annual.lights:
        assert light.status == "未报送"
        if by_task[light.task_id].status == "已完成":
            assert light.light == ov.LIGHT_GREEN
    assert annual.light_counts() == q3.light_counts()  # nothing new since Q3
    # Q1 is history (Q2 and Q3 are due): lit as of its due date, not of today
    assert first.as_of == first.due_date < TODAY
    assert all(
        not light.reason.startswith("已逾期") or light.deadline < first.as_of
        for light in first.lights
    )


def test_a_plan_long_over_warns_of_nothing(year):
    with year.db.session() as s:
        assert ov.warnings(s, today=TODAY)  # during its year: warnings
        assert ov.warnings(s, today=dt.date(2023, 6, 1)) == []  # months after its end
