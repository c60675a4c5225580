"""The database schema: SQLAlchemy 2.x typed models.

The schema only changes through Alembic migrations (``migrations/versions``).  Nothing
here is SQLite-specific, so a PostgreSQL URL works as well.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Re-exported: the values stored in the schema's columns.
from foodsafety_desktop.core.terms import (  # noqa: F401
    KIND_DEPARTMENT,
    KIND_GROUP,
    KIND_LABELS,
    KIND_TOWNSHIP,
    ROLE_COOPERATING,
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    ROLES,
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_NOT_STARTED,
    STATUS_ON_SCHEDULE,
    STATUSES,
    combine_statuses,
)

# Stable constraint names so that Alembic migrations work on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Plan(Base):
    """An 实施方案 / 工作要点 / 重点工作安排."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str | None] = mapped_column(String(200))
    doc_number: Mapped[str | None] = mapped_column(String(100))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    year_start: Mapped[int | None] = mapped_column(Integer)
    year_end: Mapped[int | None] = mapped_column(Integer)
    jurisdiction: Mapped[str | None] = mapped_column(String(20))
    source_name: Mapped[str | None] = mapped_column(String(500))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # 归档: hidden from the plan lists, kept with its history, restorable (0007).
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    sections: Mapped[list[Section]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Section.position"
    )
    tasks: Mapped[list[Task]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Task.position"
    )
    reporting_rules: Mapped[list[ReportingRule]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="ReportingRule.position"
    )


class Section(Base):
    """A heading of the plan above the task level (一、 / （一） ...)."""

    __tablename__ = "section"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("section.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)

    plan: Mapped[Plan] = relationship(back_populates="sections")
    parent: Mapped[Section | None] = relationship(remote_side=[id])


class Task(Base):
    """A numbered task of the plan: one row of the 工作台账."""

    __tablename__ = "task"
    # The ledger lists a plan's tasks in order (migration 0004).
    __table_args__ = (Index("ix_task_plan_position", "plan_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("section.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # order within the plan
    label: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    deadline_text: Mapped[str | None] = mapped_column(String(100))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=STATUS_NOT_STARTED)
    progress: Mapped[str | None] = mapped_column(Text)  # 最新进展
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Set when an update of the plan dropped the task but departments had reported on it:
    # the task and its submissions stay, marked 已从方案中删除 (0007, plan_update.py).
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    plan: Mapped[Plan] = relationship(back_populates="tasks")
    section: Mapped[Section | None] = relationship()
    items: Mapped[list[TaskItem]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskItem.position"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="Assignment.position"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="Indicator.position"
    )


class TaskItem(Base):
    """One attributed clause inside a task (tasks with several attributions)."""

    __tablename__ = "task_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    task: Mapped[Task] = relationship(back_populates="items")


class Department(Base):
    """A department, a township/street, or a group of departments (各乡镇政府 ...)."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=KIND_DEPARTMENT)
    contact_person: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)

    aliases: Mapped[list[DepartmentAlias]] = relationship(
        back_populates="department", cascade="all, delete-orphan"
    )


class DepartmentAlias(Base):
    """Another spelling of a department's name (区市场监督管理局 → 区市场监管局)."""

    __tablename__ = "department_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(200), unique=True)

    department: Mapped[Department] = relationship(back_populates="aliases")


class GroupMember(Base):
    """Membership of a department in a group (各办事处 → 东风路办事处 ...)."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), index=True
    )


class Assignment(Base):
    """A department's role in a task (or in one item of it): 牵头 / 责任 / 配合."""

    __tablename__ = "assignment"
    # A task's departments in order; a department's tasks (the 部门 filter): 0004.
    __table_args__ = (
        Index("ix_assignment_task_position", "task_id", "position"),
        Index("ix_assignment_department_task", "department_id", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("task_item.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10))
    written_name: Mapped[str | None] = mapped_column(String(200))  # as in the document
    position: Mapped[int] = mapped_column(Integer, default=0)

    task: Mapped[Task] = relationship(back_populates="assignments")
    item: Mapped[TaskItem | None] = relationship()
    department: Mapped[Department] = relationship()


class Indicator(Base):
    """A quantitative target of a task (覆盖率达到90%)."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    comparison: Mapped[str] = mapped_column(String(2))
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(50))

    task: Mapped[Task] = relationship(back_populates="indicators")


class ReportingRule(Base):
    """A reporting obligation of the plan (每年12月1日前报送年度工作总结)."""

    __tablename__ = "reporting_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    what: Mapped[str | None] = mapped_column(String(200))
    recurrence: Mapped[str] = mapped_column(String(20))  # yearly / half-yearly / quarterly / once
    due_dates: Mapped[str] = mapped_column(String(200))  # comma-separated MM-DD or YYYY-MM-DD

    plan: Mapped[Plan] = relationship(back_populates="reporting_rules")


class AuditEntry(Base):
    """One recorded change: who did what, when (操作记录)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))  # plan.import, task.update, dept.merge ...
    entity: Mapped[str] = mapped_column(String(50))  # plan / task / department
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    summary: Mapped[str] = mapped_column(Text)  # Chinese, shown in the history panel
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: before / after values


# Kinds of reporting period (reporting_period.kind).
PERIOD_QUARTER = "quarter"
PERIOD_HALF = "half"
PERIOD_YEAR = "year"
PERIOD_ONCE = "once"
PERIOD_KINDS = (PERIOD_QUARTER, PERIOD_HALF, PERIOD_YEAR, PERIOD_ONCE)


class ReportingPeriod(Base):
    """One reporting round of a plan (2023年第一季度, due 2023-03-25): 报送期次."""

    __tablename__ = "reporting_period"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # quarter / half / year / once
    year: Mapped[int | None] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship()


class Submission(Base):
    """One returned workbook of a department for a period (报送记录); history is kept."""

    __tablename__ = "submission"
    __table_args__ = (
        Index("ix_submission_period_department", "period_id", "department_id"),
        # One current submission per period and department, one stored copy of a file
        # per period: two clerks collecting at once cannot double anything (0005).
        Index(
            "uq_submission_current",
            "period_id",
            "department_id",
            unique=True,
            sqlite_where=sql_text("is_current"),
            postgresql_where=sql_text("is_current"),
        ),
        Index("uq_submission_period_sha256", "period_id", "sha256", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id", ondelete="CASCADE"))
    # RESTRICT: a department with submissions is merged, never deleted with its history.
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    source_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    archive_path: Mapped[str | None] = mapped_column(String(1000))
    reporter: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(100))
    filled_on: Mapped[str | None] = mapped_column(String(100))  # as written in the sheet
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    replaced_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission.id", ondelete="SET NULL")
    )
    warnings_json: Mapped[str | None] = mapped_column(Text)
    # 退回修改: set when the office sends the workbook back for rework; the department
    # shows 退回修改 until its corrected file replaces this one (0009).  return_json:
    # {"note": str, "rows": [{"task_id": int, "row": int | null, "comment": str}]}
    returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    returned_by: Mapped[str | None] = mapped_column(String(100))
    return_json: Mapped[str | None] = mapped_column(Text)

    period: Mapped[ReportingPeriod] = relationship()
    department: Mapped[Department] = relationship()
    entries: Mapped[list[SubmissionEntry]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionEntry.id"
    )


class SubmissionEntry(Base):
    """One row of a submission: a department's answer for a task (item, indicator)."""

    __tablename__ = "submission_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("task_item.id", ondelete="SET NULL"))
    indicator_id: Mapped[int | None] = mapped_column(
        ForeignKey("indicator.id", ondelete="SET NULL")
    )
    status: Mapped[str | None] = mapped_column(String(20))
    measures: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(Text)
    examples: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(String(200))  # 完成值 as written
    evidence: Mapped[str | None] = mapped_column(Text)  # 佐证材料 the department listed (0009)

    submission: Mapped[Submission] = relationship(back_populates="entries")


class Setting(Base):
    """One setting of the office (office_name, office_secret …), text valued."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class SummaryDraft(Base):
    """The clerk's edits of a period's 工作总结 (title, texts, per-task rewrites).

    Generated text is never stored: a NULL field means "use the generated text", so a
    regenerated draft picks up late submissions while the edits stay.
    """

    __tablename__ = "summary_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_period.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str | None] = mapped_column(Text)
    recipient: Mapped[str | None] = mapped_column(Text)
    opening: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    signer: Mapped[str | None] = mapped_column(String(200))
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    # JSON: {"tasks": {"<task id>": {"text": str | null, "included": bool}},
    #        "sections": {"<section id>": {"included": bool}}, "options": {...},
    #        "seen_submissions": [ids current when saved]}
    edits_json: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    saved_by: Mapped[str] = mapped_column(String(100))

    period: Mapped[ReportingPeriod] = relationship()


class StoredFile(Base):
    """An original file kept inside a server database (原件), for every clerk to see.

    A SQLite ledger keeps its originals in the ``archive/`` folder beside its file; a
    server database has no folder every PC sees, so the bytes live here.  ``path`` is the
    same relative path a folder archive would use (``plans/…``, ``submissions/<period>/…``),
    the value ``Submission.archive_path`` refers to.
    """

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Assessment(Base):
    """A year's 考核细则: the table the 食安办 scores the 乡镇 or the 食安委 member units by.

    One per (year, kind); ``kind`` is ``services.assessment.KIND_TOWNSHIP`` ("乡镇") or
    ``KIND_MEMBER`` ("成员单位"), stored as written.
    """

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("year", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    source_name: Mapped[str | None] = mapped_column(String(500))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    items: Mapped[list[AssessmentItem]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="AssessmentItem.position",
    )


class AssessmentItem(Base):
    """One item of a 考核细则: a 一级项目 (parent None) or an item below it (考核内容).

    ``position`` orders the items of the whole 细则 (a heading before its items);
    ``points`` is None for a heading without points of its own.
    """

    __tablename__ = "assessment_item"
    __table_args__ = (Index("ix_assessment_item_assessment_position", "assessment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_item.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20), default="")  # as written: 一 / （一） / 1
    title: Mapped[str] = mapped_column(Text)
    points: Mapped[float | None] = mapped_column(Float)
    points_text: Mapped[str | None] = mapped_column(String(100))  # as written: 5分（每项1分）
    rule: Mapped[str | None] = mapped_column(Text)  # 评分标准
    evidence: Mapped[str | None] = mapped_column(Text)  # 佐证材料要求
    bonus: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deduction: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    assessment: Mapped[Assessment] = relationship(back_populates="items")
    parent: Mapped[AssessmentItem | None] = relationship(remote_side=[id])


class AssessmentLink(Base):
    """A 细则 item linked to a ledger task whose submissions and values fill its record.

    Proposed by text similarity and department (``confirmed`` False, ``similarity`` set)
    or made by the clerk; only confirmed links count.
    """

    __tablename__ = "assessment_link"
    __table_args__ = (UniqueConstraint("item_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_item.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    similarity: Mapped[float | None] = mapped_column(Float)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class Evidence(Base):
    """A 佐证材料 file (PDF, photo, Word, Excel, scan) kept with the database.

    Attached to a task, a submission or a 细则 item (at least one), for a department
    when it is that unit's evidence.  The bytes are an original like a returned
    workbook's (``archive_path``: ``evidence/<sha256[:12]>_<name>``).
    """

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(500))  # the file's name when attached
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    archive_path: Mapped[str] = mapped_column(String(1000))
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_item.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(100))


class AssessmentSubmission(Base):
    """A unit's returned 自评 workbook for a 细则 (its 自评分 per item); history kept."""

    __tablename__ = "assessment_submission"
    __table_args__ = (
        Index(
            "uq_assessment_submission_current",
            "assessment_id",
            "department_id",
            unique=True,
            sqlite_where=sql_text("is_current"),
            postgresql_where=sql_text("is_current"),
        ),
        UniqueConstraint("assessment_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    source_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    archive_path: Mapped[str | None] = mapped_column(String(1000))
    reporter: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(100))
    filled_on: Mapped[str | None] = mapped_column(String(100))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    replaced_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_submission.id", ondelete="SET NULL")
    )
    warnings_json: Mapped[str | None] = mapped_column(Text)


class AssessmentScore(Base):
    """One unit's score on one 细则 item: its 自评分 and the office's 考核得分 with reason.

    ``self_score`` comes from the unit's current 自评 workbook (``self_submission_id``);
    ``score`` and ``reason`` are the office's.  For a 扣分项 the points are those taken
    off, for a 加分项 those added.
    """

    __tablename__ = "assessment_score"
    __table_args__ = (UniqueConstraint("item_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_item.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    self_score: Mapped[float | None] = mapped_column(Float)
    self_note: Mapped[str | None] = mapped_column(Text)
    self_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_submission.id", ondelete="SET NULL")
    )
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    scored_by: Mapped[str | None] = mapped_column(String(100))
