"""The strategy file (YAML): round trip, re-import in place, and bad files rejected with located problems."""

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.models import Goal, Kpi, KpiRecord, Strategy, SuccessIndicator
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.strategy_export import export_strategy
from indicators.strategy_file import MAX_BYTES, import_strategy, parse_strategy_file
from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.errors import InvalidInput, Problem
from maturity.units.services import UnitScope
from tests.factories import Org

DEMO_FILE = Path(__file__).resolve().parents[2] / "indicators" / "data" / "demo_strategy.yaml"
ACTOR = Actor.system("test")
EVERYTHING = UnitScope(everything=True, roots=frozenset())

Data = dict[str, Any]


def row_counts(session: Session) -> dict[str, int]:
    """Rows that an import writes (or must not write)."""
    session.expire_all()
    return {
        model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Strategy, Goal, SuccessIndicator, Kpi, AuditEvent)
    }


def as_data(session: Session, strategy: Strategy) -> Data:
    assert strategy.id is not None
    data: Data = yaml.safe_load(export_strategy(session, strategy.id))
    return data


def as_file(data: Data) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


def last_event_id(session: Session) -> int:
    return session.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()


def events_since(session: Session, last_id: int) -> list[AuditEvent]:
    statement = select(AuditEvent).where(col(AuditEvent.id) > last_id).order_by(col(AuditEvent.id))
    return list(session.execute(statement).scalars())


def kpi_at(data: Data, goal: int, indicator: int, kpi: int) -> Data:
    found: Data = data["strategy"]["goals"][goal]["indicators"][indicator]["kpis"][kpi]
    return found


def rejected(session: Session, data: bytes) -> list[Problem]:
    """The problems of a rejected import, after checking that it wrote nothing."""
    before = row_counts(session)
    with pytest.raises(InvalidInput) as caught:
        import_strategy(session, data, ACTOR)
    assert row_counts(session) == before
    return caught.value.problems


def at(problems: list[Problem], path: str) -> Problem:
    found = [p for p in problems if p.path == path]
    assert found, f"no problem at {path}; got {[p.path for p in problems]}"
    return found[0]


def record(session: Session, kpi: str, unit: str, period: str, value: float) -> None:
    checked = check_records(session, [RecordInput(kpi, unit, period, value=value)], EVERYTHING)
    record_values(session, checked, ACTOR, via="test")
    session.commit()


class TestTheDemoFileRoundTrips:
    def test_the_export_says_what_the_file_says(self, session: Session) -> None:
        original = DEMO_FILE.read_bytes()
        summary = import_strategy(session, original, ACTOR)

        exported = export_strategy(session, summary.strategy_id)

        assert parse_strategy_file(exported.encode()).model_dump() == parse_strategy_file(original).model_dump()

    def test_importing_the_export_and_exporting_again_gives_the_same_bytes(self, session: Session) -> None:
        summary = import_strategy(session, DEMO_FILE.read_bytes(), ACTOR)
        first = export_strategy(session, summary.strategy_id).encode()

        again = import_strategy(session, first, ACTOR)
        second = export_strategy(session, again.strategy_id).encode()

        assert again.strategy_id == summary.strategy_id
        assert second == first

    def test_reimporting_the_unchanged_file_changes_nothing(self, session: Session) -> None:
        import_strategy(session, DEMO_FILE.read_bytes(), ACTOR)
        session.commit()
        before = row_counts(session)

        summary = import_strategy(session, DEMO_FILE.read_bytes(), ACTOR)

        assert (summary.created, summary.updated, summary.deleted) == (0, 0, 0)
        assert row_counts(session) == before


class TestReimportUpdatesInPlace:
    def test_a_changed_title_is_one_update_with_before_and_after(self, session: Session, strategy: Strategy) -> None:
        data = as_data(session, strategy)
        data["strategy"]["title"]["en"] = "The test strategy"
        last = last_event_id(session)

        summary = import_strategy(session, as_file(data), ACTOR)

        assert (summary.created, summary.updated, summary.deleted) == (0, 1, 0)
        assert summary.strategy_id == strategy.id
        [event] = events_since(session, last)
        assert (event.action, event.object_type, event.object_id) == ("update", "strategy", strategy.id)
        # The log reads as a diff: what changed, and the object's identity.
        assert event.before == {"id": strategy.id, "code": "test-strategy", "title_en": "Test strategy"}
        assert event.after == {"id": strategy.id, "code": "test-strategy", "title_en": "The test strategy"}
        session.refresh(strategy)
        assert strategy.title_en == "The test strategy"

    def test_a_removed_goal_without_kpi_values_is_deleted(self, session: Session, strategy: Strategy) -> None:
        data = as_data(session, strategy)
        with_second_goal = copy.deepcopy(data)
        with_second_goal["strategy"]["goals"].append(
            {
                "code": "G2",
                "title": {"nb": "Mål to", "en": "Goal two"},
                "actions": [{"code": "G2.A1", "title": {"nb": "Tiltak", "en": "Action"}}],
                "indicators": [
                    {
                        "code": "G2.I1",
                        "title": {"nb": "Indikator", "en": "Indicator"},
                        "kpis": [
                            {
                                "code": "KGONE",
                                "name": {"nb": "Borte", "en": "Gone"},
                                "direction": "higher",
                                "scoring": "progress",
                                "frequency": "year",
                                "aggregation": "sum",
                                "targets": [{"valid_from": date(2020, 1, 1), "value": 5}],
                            }
                        ],
                    }
                ],
            }
        )
        import_strategy(session, as_file(with_second_goal), ACTOR)
        session.commit()
        last = last_event_id(session)

        summary = import_strategy(session, as_file(data), ACTOR)

        assert (summary.created, summary.updated, summary.deleted) == (0, 0, 4)
        assert session.execute(select(Goal).where(col(Goal.code) == "G2")).first() is None
        assert session.execute(select(Kpi).where(col(Kpi.code) == "KGONE")).first() is None
        events = events_since(session, last)
        assert {e.action for e in events} == {"delete"}
        assert sorted((e.object_type, e.object_label) for e in events) == [
            ("action", "G2.A1"),
            ("goal", "G2"),
            ("kpi", "KGONE"),
            ("success_indicator", "G2.I1"),
        ]

    def test_a_kpi_moved_to_another_indicator_keeps_its_records(
        self, session: Session, org: Org, strategy: Strategy
    ) -> None:
        record(session, "KSUM", "DEP-A1", "2024", 12)
        record_id = session.execute(select(col(KpiRecord.id))).scalar_one()
        data = as_data(session, strategy)
        ksum = data["strategy"]["goals"][0]["indicators"][0]["kpis"].pop(0)
        data["strategy"]["goals"][0]["indicators"][1]["kpis"].append(ksum)

        summary = import_strategy(session, as_file(data), ACTOR)
        session.commit()

        assert summary.deleted == 0
        moved = session.execute(select(Kpi).where(col(Kpi.code) == "KSUM")).scalar_one()
        indicator = session.get_one(SuccessIndicator, moved.indicator_id)
        assert indicator.code == "G1.I2"
        kept = session.get_one(KpiRecord, record_id)
        assert (kept.kpi_id, kept.value) == (moved.id, 12)

    def test_a_kpi_with_records_missing_from_the_file_is_rejected(
        self, session: Session, org: Org, strategy: Strategy
    ) -> None:
        record(session, "KLOW", "DEP-A1", "2024", 6)
        data = as_data(session, strategy)
        data["strategy"]["goals"][0]["indicators"][1]["kpis"].pop(1)  # KLOW
        data["strategy"]["title"]["en"] = "Also changed"

        problems = rejected(session, as_file(data))

        assert [(p.path, p.value, p.params.get("count")) for p in problems] == [("goals", "KLOW", 1)]
        assert session.execute(select(Kpi).where(col(Kpi.code) == "KLOW")).first() is not None
        session.refresh(strategy)
        assert strategy.title_en == "Test strategy"


def _set(path: list[str | int], value: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


def _delete(path: list[str | int]) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return change


def _drop_level_five(data: Data) -> None:
    data["maturity_model"]["dimensions"][1]["levels"].pop()


def _second_goal_g1(data: Data) -> None:
    data["strategy"]["goals"].append({"code": "G1", "title": {"nb": "Mål", "en": "Goal"}})


def _another_strategy(data: Data) -> None:
    data["strategy"]["code"] = "another-strategy"


KINST: list[str | int] = ["strategy", "goals", 0, "indicators", 1, "kpis", 0]
KLOW: list[str | int] = ["strategy", "goals", 0, "indicators", 1, "kpis", 1]
KSUM: list[str | int] = ["strategy", "goals", 0, "indicators", 0, "kpis", 0]
KRATIO: list[str | int] = ["strategy", "goals", 0, "indicators", 0, "kpis", 1]


class TestValidationErrorsNameThePathInTheFile:
    @pytest.mark.parametrize(
        ("change", "path", "value", "message"),
        [
            pytest.param(
                _set([*KINST, "colour"], "red"),
                "goals[0].indicators[1].kpis[0].colour",
                "red",
                "Unknown field.",
                id="unknown field",
            ),
            pytest.param(
                _delete([*KINST, "direction"]),
                "goals[0].indicators[1].kpis[0].direction",
                None,
                "This field is required.",
                id="missing field",
            ),
            pytest.param(
                _set(["strategy", "goals", 0, "weight"], "heavy"),
                "goals[0].weight",
                "heavy",
                "Not a number.",
                id="wrong type",
            ),
            pytest.param(
                _set([*KINST, "direction"], "up"),
                "goals[0].indicators[1].kpis[0].direction",
                "up",
                "Must be one of: %(choices)s.",
                id="bad literal",
            ),
            pytest.param(
                _set([*KSUM, "weight"], -1),
                "goals[0].indicators[0].kpis[0].weight",
                "-1",
                "Must be greater than %(limit)s.",
                id="negative weight",
            ),
            pytest.param(
                _set([*KLOW, "scoring"], "maintain"),
                "goals[0].indicators[1].kpis[1].targets[0]",
                None,
                "A maintain KPI's target is a band: give lower and upper.",
                id="maintain without a band",
            ),
            pytest.param(
                _set([*KINST, "targets", 0, "value"], 2),
                "goals[0].indicators[1].kpis[0].targets[0].value",
                "2.0",
                "A yes/no KPI has the values 0 and 1.",
                id="binary target 2",
            ),
            pytest.param(
                _set([*KRATIO, "targets", 1, "value"], 120),
                "goals[0].indicators[0].kpis[1].targets[1].value",
                "120.0",
                "A share is between 0 and 100 %%.",
                id="ratio target 120",
            ),
            pytest.param(
                _second_goal_g1, "goals[1].code", "G1", "Code %(value)s is used twice in this file.", id="goal twice"
            ),
            pytest.param(
                _set([*KLOW, "code"], "KSUM"),
                "goals[0].indicators[1].kpis[1].code",
                "KSUM",
                "Code %(value)s is used twice in this file.",
                id="kpi twice",
            ),
            pytest.param(
                _another_strategy,
                "goals[0].indicators[0].kpis[0].code",
                "KSUM",
                "KPI code %(value)s already belongs to strategy %(strategy)s.",
                id="kpi of another strategy",
            ),
            pytest.param(
                _set(["strategy", "goals", 0, "indicators", 0, "survey_measures", 0, "dimension"], "D9"),
                "goals[0].indicators[0].survey_measures[0].dimension",
                "D9",
                "Unknown dimension %(value)s.",
                id="unknown dimension",
            ),
            pytest.param(
                _drop_level_five,
                "maturity_model.dimensions[1].levels",
                None,
                "A dimension needs the levels 1 to 5, each once.",
                id="levels 1-4 only",
            ),
            pytest.param(
                _set(["strategy", "period", "end"], date(2019, 12, 31)),
                "period.end",
                "2019-12-31",
                "The period must end after it starts.",
                id="end before start",
            ),
            pytest.param(
                _set([*KSUM, "targets", 0, "unit"], "NOPE"),
                "goals[0].indicators[0].kpis[0].targets[0].unit",
                "NOPE",
                "Unknown unit %(value)s.",
                id="unknown unit in a target",
            ),
            pytest.param(
                _set([*KSUM, "targets", 0, "value"], float("inf")),
                "goals[0].indicators[0].kpis[0].targets[0].value",
                "inf",
                "Not a number.",
                id="target that is not a finite number",
            ),
            pytest.param(
                _set([*KSUM, "baselines", 0, "value"], float("nan")),
                "goals[0].indicators[0].kpis[0].baselines[0].value",
                "nan",
                "Not a number.",
                id="baseline that is not a number",
            ),
            pytest.param(
                _set(["strategy", "goals", 0, "title", "en"], "x" * 301),
                "goals[0].title.en",
                "x" * 301,
                "This text is longer than %(limit)s characters.",
                id="title longer than its column",
            ),
            pytest.param(
                _set([*KSUM, "unit_of_measure"], "u" * 61),
                "goals[0].indicators[0].kpis[0].unit_of_measure.nb",
                "u" * 61,
                "This text is longer than %(limit)s characters.",
                id="unit of measure longer than its column",
            ),
        ],
    )
    def test_it_rejects_the_file_and_writes_nothing(
        self,
        session: Session,
        strategy: Strategy,
        change: Callable[[Data], None],
        path: str,
        value: str | None,
        message: str,
    ) -> None:
        data = as_data(session, strategy)
        change(data)

        problem = at(rejected(session, as_file(data)), path)

        assert (problem.message, problem.value) == (message, value)

    def test_it_reports_every_problem_at_once(self, session: Session, strategy: Strategy) -> None:
        data = as_data(session, strategy)
        kpi_at(data, 0, 1, 0)["direction"] = "up"
        kpi_at(data, 0, 0, 0)["weight"] = -1
        data["strategy"]["period"]["end"] = date(2019, 12, 31)

        problems = rejected(session, as_file(data))

        assert {p.path for p in problems} >= {
            "goals[0].indicators[1].kpis[0].direction",
            "goals[0].indicators[0].kpis[0].weight",
        }

    def test_an_impossible_date_is_located_like_any_bad_value(self, session: Session, strategy: Strategy) -> None:
        text = export_strategy(session, strategy.id).replace("end: 2025-12-31", "end: 2025-13-01")  # type: ignore[arg-type]
        assert "2025-13-01" in text

        problem = at(rejected(session, text.encode()), "period.end")

        assert problem.value == "2025-13-01"


class TestUnreadableFilesAreRejected:
    def test_invalid_yaml_reports_line_and_column(self, session: Session, strategy: Strategy) -> None:
        data = b"format: maturity-strategy/1\nstrategy:\n  code: x\n   title: y\n"

        [problem] = rejected(session, data)

        assert (problem.line, problem.column) == (4, "9")

    def test_a_file_over_the_size_cap(self, session: Session, strategy: Strategy) -> None:
        data = b"format: maturity-strategy/1\n" + b"#" * MAX_BYTES

        [problem] = rejected(session, data)

        assert problem.params == {"limit": 2}

    def test_bytes_that_are_not_utf8(self, session: Session, strategy: Strategy) -> None:
        text = export_strategy(session, strategy.id).replace("Test strategy", "Teststrategi for høgskolen")  # type: ignore[arg-type]

        [problem] = rejected(session, text.encode("cp1252"))

        assert problem.message == "The file is not UTF-8 text."

    def test_a_file_that_is_not_a_strategy(self, session: Session, strategy: Strategy) -> None:
        [problem] = rejected(session, b"- just\n- a list\n")

        assert problem.params == {"format": "maturity-strategy/1"}
