"""The migrations build exactly the schema the models describe, and can be taken down and up again."""

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, inspect

from maturity import all_models
from maturity.db import make_engine, metadata
from maturity.migrate import alembic_config, differences, upgrade
from tests.conftest import Backend


@pytest.fixture
def fresh_url(backend: Backend) -> str:
    return backend.fresh_url()


@pytest.fixture
def engine(fresh_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_url, pool_size=1)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


class TestMigrations:
    def test_the_models_and_the_migrations_agree(self, engine: Engine) -> None:
        found = differences(engine)
        assert found == [], "models and migrations differ; write a migration for:\n" + "\n".join(map(str, found))

    def test_every_model_table_exists_after_upgrade(self, engine: Engine) -> None:
        assert all_models.MODULES
        assert set(metadata.tables) <= tables(engine)

    def test_downgrade_to_base_and_upgrade_again(self, fresh_url: str, engine: Engine) -> None:
        command.downgrade(alembic_config(fresh_url), "base")
        engine.dispose()
        assert tables(engine) - {"alembic_version"} == set()

        upgrade(fresh_url)
        engine.dispose()
        assert set(metadata.tables) <= tables(engine)
        assert differences(engine) == []

    def test_upgrading_an_up_to_date_database_changes_nothing(self, fresh_url: str, engine: Engine) -> None:
        before = tables(engine)
        upgrade(fresh_url)
        engine.dispose()
        assert tables(engine) == before
        assert differences(engine) == []
