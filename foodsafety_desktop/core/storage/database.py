"""Opening the office's database: one engine per URL, schema upgraded by Alembic.

The default is one SQLite file in the per-user data folder; any SQLAlchemy URL
(``postgresql+psycopg://…``) works too.  SQLite gets foreign keys, WAL and
synchronous=FULL on every connection.  Alembic (≈0.2 s of imports) is loaded only when
the stored revision differs from the newest migration file's.
"""

from __future__ import annotations

import ast
import getpass
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.paths import default_database_path

if TYPE_CHECKING:  # Alembic is imported only when a migration is needed
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# ``revision = "0003"`` / ``down_revision: str | None = "0002"`` in a migration file.
_REVISION_ASSIGNMENT = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE
)
# "postgresql+psycopg://…", "sqlite:///…": a URL; anything else is a file path.
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
NEWER_VERSION = "该数据库由更新版本的食安台账创建（版本 {revision}），请升级软件后再打开。"


def database_url(path_or_url: str | os.PathLike[str] | None) -> str:
    """A SQLAlchemy URL for a file path, a URL, or None (the default database).

    A path is any file name (spaces, Chinese, ``%``, ``%41``, ``?``, ``#``): the URL is
    built by ``URL.create``, which quotes it, so that ``sqlite_file`` gives the very same
    path back.  Only text starting with a scheme (``postgresql+psycopg://…``) is a URL.
    """
    if path_or_url is None:
        path = default_database_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite_url(path)
    text = os.fspath(path_or_url)
    if _URL_SCHEME.match(text):
        return text
    return sqlite_url(Path(text).expanduser().resolve())


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """The URL of a SQLite file, quoted so that every character of the path survives."""
    url = URL.create(drivername="sqlite", database=os.fspath(path))
    return url.render_as_string(hide_password=False)


def _set_sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for a server database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


class Database:
    """One open database: its engine and a session factory.

    Use ``with db.session() as s:`` for one unit of work; it commits on success and
    rolls back on any exception, so every use case is one transaction.
    """

    def __init__(self, url: str, engine: Engine, *, read_only: bool = False) -> None:
        self.url = url
        self.engine = engine
        self.read_only = read_only  # opened by open_database_readonly (another instance writes)
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        return sqlite_file(self.url)

    @property
    def location(self) -> str:
        """Where the data is, as shown to the clerk: the file, or the server address
        without its password."""
        path = self.sqlite_path
        if path is not None:
            return str(path)
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    try:
        engine = create_engine(url)
    except ImportError as exc:  # a well-formed address whose driver is not installed
        raise UserError(
            f"无法打开数据库：{_shown(url)}。本机缺少该类数据库的驱动程序"
            f"（{exc.name or exc}），请安装完整版的食安台账，或改用 SQLite 数据库文件。"
        ) from exc
    except (ArgumentError, ValueError) as exc:
        raise UserError(f"无法识别的数据库地址：{_shown(url)}（{exc}）") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _shown(url: str) -> str:
    """The address as the clerk may see it: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


def open_database(path_or_url: str | os.PathLike[str] | None = None) -> Database:
    """Open (and create or upgrade) the database; raise UserError when it cannot be used."""
    url = database_url(path_or_url)
    engine = make_engine(url)
    try:
        if not schema_is_current(engine):
            _refuse_newer_schema(url, engine)
            _backup_before_migration(url, engine)
            upgrade_schema(engine)
    except UserError:
        engine.dispose()
        raise
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        from foodsafety_desktop.core.storage.errors import database_error_message

        reason = database_error_message(exc, "打开数据库")
        if reason is None or reason.startswith("打开数据库时数据库出错"):  # not recognised
            reason = (
                "文件可能已损坏、不是本软件的数据库，或没有读写权限。"
                f"（{exc.orig if hasattr(exc, 'orig') else exc}）"
            )
        raise UserError(f"无法打开数据库：{_display(url)}。{reason}") from exc
    return Database(url, engine)


class NewerDatabaseError(UserError):
    """The database was written by a newer version of the program (unknown revision)."""

    def __init__(self, revision: str, location: str, file: Path | None) -> None:
        self.revision = revision
        message = NEWER_VERSION.format(revision=revision)
        if file is None:
            message = f"{message}（{location}）"
        super().__init__(message, file=file)


def _refuse_newer_schema(url: str, engine: Engine) -> None:
    """Raise NewerDatabaseError when the stored revision is none of this program's.

    Checked before the backup: Alembic cannot downgrade to a revision it does not know,
    and a backup each attempt would only fill the backup folder.
    """
    stored = stored_revision(engine)
    if stored is None:
        return
    known = known_revisions(engine)
    if stored not in known:
        raise NewerDatabaseError(stored, _display(url), sqlite_file(url))


def _backup_before_migration(url: str, engine: Engine) -> None:
    """Back up an existing SQLite ledger whose schema is behind this program's.

    Nothing is migrated when the backup fails (the backup raises UserError).
    """
    if engine.dialect.name != "sqlite":
        return
    revision = schema_revision(engine)
    if revision is None or revision == head_revision(engine):
        return  # a new database, or nothing to upgrade
    from foodsafety_desktop.core.storage.backup import backup_now

    backup_now(Database(url, engine), reason="migration")


def open_database_readonly(path: str | os.PathLike[str]) -> Database:
    """Open a SQLite ledger read-only (another instance holds the lock); no migration.

    Every write fails with "attempt to write a readonly database"; the GUI shows a
    banner and disables editing.  A schema behind head is not upgraded here.
    """
    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise UserError("找不到数据库文件。", file=file)
    url = sqlite_url(file)
    # A creator rather than "sqlite:///file:…?mode=ro&uri=true": SQLAlchemy unquotes
    # that URL, which breaks paths with '#', '?' or '%' in them.
    uri = file.as_uri() + "?mode=ro"
    engine = create_engine(
        url, creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    )
    event.listen(engine, "connect", _set_readonly_pragmas)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise UserError(
            f"无法以只读方式打开数据库：{exc.orig if hasattr(exc, 'orig') else exc}", file=file
        ) from exc
    try:
        _refuse_newer_schema(url, engine)  # its tables may mean something else
    except UserError:
        engine.dispose()
        raise
    return Database(url, engine, read_only=True)


def _set_readonly_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _display(url: str) -> str:
    """The file of a SQLite URL, or the server address without its password."""
    file = sqlite_file(url)
    if file is not None:
        return str(file)
    return make_url(url).render_as_string(hide_password=True)


def alembic_config(engine: Engine | None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` through Alembic (creates it on a new database)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def head_revision_from_files(versions_dir: Path | None = None) -> str | None:
    """The head revision read from the text of the migration files, without Alembic.

    None when the files cannot be read this way (compiled only, unusual syntax, several
    heads): the caller then asks Alembic.
    """
    folder = versions_dir or MIGRATIONS_DIR / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        files = sorted(folder.glob("*.py"))
        for file in files:
            found = dict(_REVISION_ASSIGNMENT.findall(file.read_text(encoding="utf-8")))
            if "revision" not in found:
                return None
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
            if not isinstance(revision, str):
                return None
            revisions.add(revision)
            if isinstance(down, str):
                parents.add(down)
            elif isinstance(down, (tuple, list)):
                parents.update(d for d in down if isinstance(d, str))
            elif down is not None:
                return None
    except (OSError, ValueError, SyntaxError):
        return None
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def revisions_from_files(versions_dir: Path | None = None) -> set[str] | None:
    """Every revision of the migration files, read from their text; None when unreadable."""
    folder = versions_dir or MIGRATIONS_DIR / "versions"
    revisions: set[str] = set()
    try:
        for file in sorted(folder.glob("*.py")):
            found = dict(_REVISION_ASSIGNMENT.findall(file.read_text(encoding="utf-8")))
            revision = ast.literal_eval(found["revision"]) if "revision" in found else None
            if not isinstance(revision, str):
                return None
            revisions.add(revision)
    except (OSError, ValueError, SyntaxError):
        return None
    return revisions or None


def known_revisions(engine: Engine | None = None) -> set[str]:
    """The revisions this program's migrations know (from the files, else Alembic's)."""
    from_files = revisions_from_files()
    if from_files is not None:
        return from_files
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    return {r.revision for r in script.walk_revisions()}


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in ``alembic_version`` (plain SQL; None for a new database)."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return rows[0][0] if len(rows) == 1 else None


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration: nothing to upgrade, no Alembic."""
    head = head_revision_from_files()
    return head is not None and stored_revision(engine) == head


def head_revision(engine: Engine | None = None) -> str | None:
    """The newest revision of the migrations shipped with this program."""
    from_files = head_revision_from_files()
    if from_files is not None:
        return from_files
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    if engine is not None:
        return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def schema_revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def current_user() -> str:
    """The Windows (or Unix) user name recorded in the audit log."""
    try:
        return getpass.getuser()
    except Exception:  # getpass raises various errors when no user name is set
        return "未知用户"
