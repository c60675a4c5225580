"""Schema migrations: an old ledger is backed up, then upgraded with its data intact.

The ledger is built at the first revision with raw SQL (the ORM models describe the
newest schema), so this test keeps working when revisions are added.
"""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.paths import backups_dir_for, default_database_path
from foodsafety_desktop.core.storage import backup
from foodsafety_desktop.core.storage.backup import describe_backup, list_backups
from foodsafety_desktop.core.storage.database import (
    alembic_config,
    head_revision,
    make_engine,
    open_database,
    schema_revision,
    upgrade_schema,
)
from foodsafety_desktop.core.storage.models import (
    Assignment,
    AuditEntry,
    Department,
    DepartmentAlias,
    Plan,
    Section,
    Task,
)

FIRST = "0001"


def all_revisions_but_head() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(None))
    head = script.get_current_head()
    return [r.revision for r in script.walk_revisions() if r.revision != head]


def create_at(path, revision: str) -> None:
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade_schema(engine, revision)
    finally:
        engine.dispose()


def fill_first_revision(path) -> None:
    """One plan with a section, a task, two departments, an alias and an audit entry."""
    engine = make_engine(f"sqlite:///{path}")
    statements = [
        "INSERT INTO department (id, name, kind) VALUES (1, '县市场监管局', 'department')",
        "INSERT INTO department (id, name, kind) VALUES (2, '县教育局', 'department')",
        "INSERT INTO department_alias (department_id, alias) VALUES (1, '市场监管局')",
        "INSERT INTO plan (id, title, doc_number, issued_on, year_start, imported_at)"
        " VALUES (1, '某县2024年食品安全工作要点', '某食安办〔2024〕1号', '2024-02-01', 2024,"
        " '2024-02-03 09:00:00.000000')",
        "INSERT INTO section (id, plan_id, label, title, level, position)"
        " VALUES (1, 1, '三、', '主要任务', 1, 1)",
        "INSERT INTO task (id, plan_id, section_id, position, label, title, text,"
        " deadline_text, deadline, status, progress, updated_at)"
        " VALUES (1, 1, 1, 1, '（一）', '校园食品安全守护行动', '开展校园食品安全守护行动。',"
        " '6月底前', '2024-06-30', '序时推进', '已完成50%', '2024-03-01 10:00:00.000000')",
        "INSERT INTO assignment (task_id, department_id, role, written_name, position)"
        " VALUES (1, 2, '牵头', '县教育局', 1)",
        "INSERT INTO assignment (task_id, department_id, role, written_name, position)"
        " VALUES (1, 1, '配合', '市场监管局', 2)",
        "INSERT INTO audit_entry (at, user, action, entity, entity_id, summary)"
        " VALUES ('2024-02-03 09:00:00.000000', '张三', 'plan.import', 'plan', 1, '导入方案')",
    ]
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture
def old_ledger(private_data_dir):
    private_data_dir.mkdir(parents=True, exist_ok=True)
    path = private_data_dir / "ledger.sqlite3"
    create_at(path, FIRST)
    fill_first_revision(path)
    return path


def test_old_ledger_is_backed_up_then_upgraded_with_data_intact(old_ledger):
    assert head_revision() != FIRST  # otherwise this test proves nothing

    db = open_database(old_ledger)
    try:
        assert schema_revision(db.engine) == head_revision()
        with db.session() as s:
            plan = s.scalars(select(Plan)).one()
            assert plan.title == "某县2024年食品安全工作要点"
            assert plan.issued_on == dt.date(2024, 2, 1)
            assert s.scalars(select(Section.title)).all() == ["主要任务"]
            task = s.scalars(select(Task)).one()
            assert (task.title, task.deadline, task.status, task.progress) == (
                "校园食品安全守护行动",
                dt.date(2024, 6, 30),
                "序时推进",
                "已完成50%",
            )
            roles = s.execute(
                select(Department.name, Assignment.role)
                .join(Assignment.department)
                .order_by(Assignment.position)
            ).all()
            assert [tuple(r) for r in roles] == [("县教育局", "牵头"), ("县市场监管局", "配合")]
            assert s.scalars(select(DepartmentAlias.alias)).all() == ["市场监管局"]
            assert s.scalars(select(AuditEntry.summary)).all() == ["导入方案"]
    finally:
        db.close()

    made = list_backups(backups_dir_for(default_database_path()))
    assert [b.reason for b in made] == ["migration"]
    info = describe_backup(made[0].path)
    assert info.schema_revision == FIRST  # the state before the upgrade
    assert [t for _i, t in info.plans] == ["某县2024年食品安全工作要点"]
    assert info.counts == {"plans": 1, "tasks": 1, "departments": 2}


def test_second_open_makes_no_further_backup(old_ledger):
    open_database(old_ledger).close()
    open_database(old_ledger).close()
    assert [b.reason for b in list_backups(backups_dir_for(default_database_path()))] == [
        "migration"
    ]


def test_new_ledger_needs_no_backup(private_data_dir):
    private_data_dir.mkdir(parents=True, exist_ok=True)
    open_database(private_data_dir / "ledger.sqlite3").close()
    assert list_backups(backups_dir_for(default_database_path())) == []


def test_no_upgrade_without_a_backup(old_ledger, monkeypatch):
    def failing_backup(*_args, **_kwargs):
        raise UserError("备份失败（磁盘已满）")

    monkeypatch.setattr(backup, "backup_now", failing_backup)
    with pytest.raises(UserError, match="磁盘已满"):
        open_database(old_ledger)
    engine = make_engine(f"sqlite:///{old_ledger}")
    try:
        assert schema_revision(engine) == FIRST
    finally:
        engine.dispose()


@pytest.mark.parametrize("revision", all_revisions_but_head())
def test_every_revision_upgrades_to_head_after_a_backup(private_data_dir, revision):
    private_data_dir.mkdir(parents=True, exist_ok=True)
    path = private_data_dir / "ledger.sqlite3"
    create_at(path, revision)
    db = open_database(path)
    try:
        assert schema_revision(db.engine) == head_revision()
    finally:
        db.close()
    assert (
        describe_backup(
            list_backups(backups_dir_for(default_database_path()))[0].path
        ).schema_revision
        == revision
    )


def test_restoring_an_old_backup_upgrades_it(old_ledger, tmp_path):
    # A backup of an older version is restored, then opened: upgraded like any ledger.
    from foodsafety_desktop.core.storage.backup import restore_backup

    saved = tmp_path / "ledger-20240301-120000-export.sqlite3"
    saved.write_bytes(old_ledger.read_bytes())
    db = open_database(old_ledger)
    with db.session() as s:
        s.add(Department(name="县公安局"))
    db.close()

    restore_backup(old_ledger, saved, now=dt.datetime(2026, 11, 22, 18, 30))
    db = open_database(old_ledger)
    try:
        assert schema_revision(db.engine) == head_revision()
        with db.session() as s:
            assert "县公安局" not in s.scalars(select(Department.name)).all()
            assert s.scalars(select(Plan.title)).all() == ["某县2024年食品安全工作要点"]
    finally:
        db.close()
