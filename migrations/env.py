"""Alembic environment: wired to the SQLModel metadata, batch mode for SQLite."""

import os

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel.sql.sqltypes import AutoString

from maturity import all_models  # noqa: F401  # registers every table on the metadata
from maturity.db import UTCDateTime, metadata
from maturity.migrate import ours
from maturity.settings import normalise_database_url

config = context.config


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("MATURITY_DATABASE_URL")
    if not url:
        raise SystemExit("Set MATURITY_DATABASE_URL, or run `maturity db upgrade`.")
    return normalise_database_url(url)


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render SQLModel's AutoString as plain sa.String, so revisions need not import sqlmodel."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length!r})" if obj.length else "sa.String()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"  # stored as plain timestamps; UTC is enforced in Python
    return False


def run_migrations() -> None:
    # No PRAGMA foreign_keys here: SQLite batch migrations recreate tables and need it off.
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            render_item=render_item,
            compare_type=True,
            include_name=ours,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=metadata, render_as_batch=True, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations()
