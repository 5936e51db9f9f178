"""Alembic, driven from Python: ``maturity db upgrade``, the test suite and the demo."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from maturity.settings import normalise_database_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolation would eat the % of URL-encoded passwords.
    config.set_main_option("sqlalchemy.url", normalise_database_url(database_url).replace("%", "%%"))
    return config


def ours(name: str | None, type_: str, _parents: object) -> bool:
    """Autogenerate's filter: procrastinate's tables are its schema, applied by their own revision."""
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def differences(engine: Engine) -> list[object]:
    """What autogenerate would change: empty when the models and the migrations agree."""
    from maturity import all_models  # noqa: F401  # registers every table on the metadata
    from maturity.db import metadata

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": ours})
        return list(compare_metadata(context, metadata))
