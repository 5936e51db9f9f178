"""``maturity survey import`` and ``maturity survey export``, against a database of their own."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlmodel import col

from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor
from maturity.db import Database
from surveys.cli import survey
from surveys.models import Question, Survey
from surveys.survey_file import export_survey, find_version
from surveys.versions import draft_for_edit
from tests.conftest import Backend
from tests.factories import STRATEGY_YAML, make_org
from tests.surveys.conftest import SURVEY_YAML

DEMO_SURVEY = Path(__file__).resolve().parents[2] / "surveys" / "data" / "demo_survey.yaml"


@pytest.fixture
def url(backend: Backend) -> str:
    return backend.fresh_url()


@pytest.fixture
def database(url: str) -> Iterator[Database]:
    database = Database.from_url(url)
    with database.transaction() as session:
        make_org(session)
        import_strategy(session, STRATEGY_YAML.encode(), Actor.system("test"))
    yield database
    database.dispose()


def run(url: str, *args: str) -> Result:
    env = {"MATURITY_DATABASE_URL": url, "MATURITY_MODE": None, "MATURITY_SECRET_KEY": None}
    return CliRunner(env=env, catch_exceptions=False).invoke(survey, list(args))


def count(database: Database, model: type) -> int:
    with database.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


class TestImport:
    def test_it_imports_the_file(self, url: str, database: Database, tmp_path: Path) -> None:
        path = tmp_path / "survey.yaml"
        path.write_text(SURVEY_YAML, encoding="utf-8")
        result = run(url, "import", str(path))
        assert result.exit_code == 0, result.output
        assert "test-survey is at version 1" in result.output
        assert count(database, Question) == 8

    def test_a_bad_file_exits_1_says_where_and_changes_nothing(
        self, url: str, database: Database, tmp_path: Path
    ) -> None:
        path = tmp_path / "bad.yaml"
        path.write_text(SURVEY_YAML.replace("kind: level", "kind: poem", 1), encoding="utf-8")
        result = run(url, "import", str(path))
        assert result.exit_code == 1
        assert "nothing was changed" in result.output
        assert "sections[0].questions[0].kind" in result.output
        assert count(database, Survey) == 0

    def test_broken_yaml_is_reported_with_line_and_column(self, url: str, database: Database, tmp_path: Path) -> None:
        path = tmp_path / "broken.yaml"
        path.write_text("format: maturity-survey/1\nsurvey: [unclosed\n", encoding="utf-8")
        result = run(url, "import", str(path))
        assert result.exit_code == 1
        assert "line 3, column" in result.output or "line 2, column" in result.output


class TestExport:
    @pytest.mark.parametrize("source", ["test", "demo"])
    def test_import_then_export_is_stable(self, url: str, database: Database, tmp_path: Path, source: str) -> None:
        text = SURVEY_YAML if source == "test" else DEMO_SURVEY.read_text(encoding="utf-8")
        if source == "demo":
            demo_strategy = DEMO_SURVEY.parent.parent.parent / "indicators" / "data" / "demo_strategy.yaml"
            with database.transaction() as session:
                import_strategy(session, demo_strategy.read_bytes(), Actor.system("test"))
        code = "test-survey" if source == "test" else "digital-maturity"
        first_file = tmp_path / "in.yaml"
        first_file.write_text(text, encoding="utf-8")
        assert run(url, "import", str(first_file)).exit_code == 0
        exported = run(url, "export", code)
        assert exported.exit_code == 0, exported.output
        again = tmp_path / "again.yaml"
        again.write_text(exported.output, encoding="utf-8")
        assert run(url, "import", str(again)).exit_code == 0
        assert run(url, "export", code).output == exported.output
        assert count(database, Survey) == 1  # re-importing an unfrozen version replaces it

    def test_a_version_can_be_named(self, url: str, database: Database, tmp_path: Path) -> None:
        path = tmp_path / "survey.yaml"
        path.write_text(SURVEY_YAML, encoding="utf-8")
        run(url, "import", str(path))
        with database.transaction() as session:
            version_1 = find_version(session, "test-survey")
            assert version_1 is not None
            version_1.frozen_at = version_1.created_at
            draft = draft_for_edit(session, version_1, Actor.system("test"))
            draft.survey.title_en = "Second"
            expected = export_survey(session, version_1)
        out = tmp_path / "v1.yaml"
        result = run(url, "export", "test-survey", "--version", "1", "-o", str(out))
        assert result.exit_code == 0
        assert out.read_text(encoding="utf-8") == expected
        assert "Second" in run(url, "export", "test-survey").output
        assert run(url, "export", "test-survey", "--version", "7").exit_code == 1
        with database.session() as session:
            assert session.execute(select(func.count()).where(col(Survey.code) == "test-survey")).scalar_one() == 2


def test_the_maturity_command_has_the_survey_commands() -> None:
    maturity = Path(sys.executable).parent / "maturity"
    result = subprocess.run([str(maturity), "survey", "--help"], capture_output=True, text=True, check=False)  # noqa: S603  # our own command
    assert result.returncode == 0
    assert "import" in result.stdout
    assert "export" in result.stdout
