"""Alembic environment: runs migrations on the engine handed over by ``database.py``."""

from alembic import context
from sqlalchemy import create_engine

from foodsafety_desktop.core.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # running from the alembic command line
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("alembic: sqlalchemy.url is not set in the configuration")
        engine = create_engine(url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
