"""Opening the database: schema at head, pragmas, bad files (core.storage.database)."""

from __future__ import annotations

import importlib.util

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.storage.database import (
    alembic_config,
    open_database,
    schema_revision,
)
from foodsafety_desktop.core.storage.models import Base, Department


def head_revision(db) -> str:
    return ScriptDirectory.from_config(alembic_config(db.engine)).get_current_head()


def test_new_database_is_at_head(db):
    assert schema_revision(db.engine) == head_revision(db)
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_pragmas(db):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
    assert db.is_sqlite
    assert db.sqlite_path is not None and db.sqlite_path.name == "t.sqlite3"


def test_second_open_is_idempotent(db, tmp_path):
    with db.session() as s:
        s.add(Department(name="县卫健委"))
    db.close()
    again = open_database(tmp_path / "t.sqlite3")
    try:
        assert schema_revision(again.engine) == head_revision(again)
        with again.session() as s:
            assert s.scalars(select(Department.name)).all() == ["县卫健委"]
    finally:
        again.close()


def test_session_rolls_back_on_error(db):
    with pytest.raises(RuntimeError), db.session() as s:
        s.add(Department(name="县卫健委"))
        s.flush()
        raise RuntimeError
    with db.session() as s:
        assert s.scalars(select(Department)).all() == []


def test_not_a_database_gives_a_chinese_user_error(tmp_path):
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(UserError, match="无法打开数据库"):
        open_database(path)


def test_unknown_url_gives_user_error():
    with pytest.raises(UserError, match="数据库"):
        open_database("nosuchdialect://x/y")


def test_migrations_match_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_head_revision_read_from_the_migration_files_matches_alembic() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from foodsafety_desktop.core.storage.database import MIGRATIONS_DIR, head_revision_from_files

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_revision_from_files() == ScriptDirectory.from_config(config).get_current_head()


def test_head_revision_from_files_gives_up_on_two_heads(tmp_path) -> None:
    from foodsafety_desktop.core.storage.database import head_revision_from_files

    for name, down in (("a", None), ("b", "a"), ("c", "a")):
        (tmp_path / f"{name}.py").write_text(
            f"revision = {name!r}\ndown_revision = {down!r}\n", encoding="utf-8"
        )
    assert head_revision_from_files(tmp_path) is None
    (tmp_path / "d.py").write_text('revision = "d"\ndown_revision = ("b", "c")\n')
    assert head_revision_from_files(tmp_path) == "d"


def test_an_address_without_its_driver_says_so_without_the_password():
    # No MySQL driver is installed (none is a dependency): the address is right, the
    # driver missing, and the message must not show the password to whoever stands by.
    if importlib.util.find_spec("pymysql") is not None:
        pytest.skip("pymysql is installed here")
    with pytest.raises(UserError) as caught:
        open_database("mysql+pymysql://clerk:s3cret@127.0.0.1:3306/ledger")
    message = str(caught.value)
    assert "缺少该类数据库的驱动程序（pymysql）" in message, message
    assert "s3cret" not in message and "clerk:***@127.0.0.1" in message
    with pytest.raises(UserError) as caught:
        open_database("nosuchdb://clerk:s3cret@host/ledger")
    assert "无法识别的数据库地址" in str(caught.value) and "s3cret" not in str(caught.value)
