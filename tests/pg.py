"""The backends every backend test runs on: SQLite, and PostgreSQL when a server is given.

``FOODSAFETY_TEST_PG`` is a SQLAlchemy URL of a PostgreSQL database whose role may create
databases (``postgresql+psycopg://foodsafety:foodsafety@127.0.0.1:54329/foodsafety`` in
CI, which ``.ci/run`` sets up).  Without it the PostgreSQL half of each test is skipped.
Each test gets a database of its own, created from ``template0`` and dropped afterwards,
so no test sees another's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "FOODSAFETY_TEST_PG"
BACKENDS = ("sqlite", "postgresql")
SKIP_REASON = f"PostgreSQL tests need {PG_ENV}=postgresql+psycopg://user:pass@host:port/db"


def pg_server_url() -> str | None:
    """The server URL from the environment, or None."""
    return os.environ.get(PG_ENV) or None


def backend_params() -> list[object]:
    """``pytest.param`` for each backend; PostgreSQL marked skip without a server."""
    skip = pytest.mark.skipif(pg_server_url() is None, reason=SKIP_REASON)
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=skip),
    ]


@contextmanager
def fresh_pg_database(server_url: str) -> Iterator[str]:
    """A new empty UTF-8 database on the server; yields its URL, drops it afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    base = make_url(server_url)
    name = f"foodsafety_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(
                text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
            )
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            _drop(admin, name)
    finally:
        admin.dispose()


def _drop(admin: Any, name: str) -> None:
    """Drop a test database.  FORCE: a test that left a connection open still gets its
    database dropped.  FORCE may not end an autovacuum worker (the server's own role):
    then a plain DROP, which makes autovacuum leave and waits for it."""
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


@contextmanager
def database_url_for(backend: str, folder: Path) -> Iterator[str]:
    """A URL of a fresh database of ``backend``: a SQLite file in ``folder``, or a new
    database on the PostgreSQL server."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 't.sqlite3'}"
        return
    server = pg_server_url()
    if server is None:
        pytest.skip(SKIP_REASON)
    with fresh_pg_database(server) as url:
        yield url
