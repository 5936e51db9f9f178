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


class TestTheJobQueueRevision:
    """0017 applies procrastinate's schema on PostgreSQL (none on SQLite), on a fresh database
    and on one that already holds data."""

    def test_an_existing_database_keeps_its_data_and_gets_the_queue(self, fresh_url: str, engine: Engine) -> None:
        command.downgrade(alembic_config(fresh_url), "0017_job_queue-1")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO org_unit (code, name_nb, name_en, kind) VALUES ('UNI', 'U', 'U', 'institution')"
            )
        engine.dispose()
        upgrade(fresh_url)
        engine.dispose()
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT code FROM org_unit").scalars().all() == ["UNI"]
        self.assert_the_queue_works(engine)

    def test_a_fresh_database_has_the_queue(self, engine: Engine) -> None:
        self.assert_the_queue_works(engine)

    @staticmethod
    def assert_the_queue_works(engine: Engine) -> None:
        names = tables(engine)
        if engine.dialect.name != "postgresql":
            assert not {n for n in names if n.startswith("procrastinate_")}
            return
        assert {"procrastinate_jobs", "procrastinate_workers", "procrastinate_periodic_defers"} <= names
        with engine.begin() as connection:
            job = connection.exec_driver_sql(
                "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('default', 'check', 0, NULL, 'one', '{}'::jsonb,"
                " NULL)::procrastinate_job_to_defer_v1])"
            ).scalar_one()
            assert job
