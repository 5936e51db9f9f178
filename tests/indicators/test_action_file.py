"""Courses of action in the strategy file: the exact round trip, and bad actions located."""

import pytest
import yaml
from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.models import Action, ActionLink, ActionMilestone, ActionUnit, ActionUpdate
from indicators.strategy_export import export_strategy
from indicators.strategy_file import import_strategy, parse_strategy_file
from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.errors import InvalidInput, Problem
from tests.factories import STRATEGY_YAML, Org

ACTOR = Actor.system("test")

ACTIONS = """\
      actions:
        - code: G1.A1
          title: {nb: Tiltak, en: Action}
          responsible_units: [DEP-A1, FAC-A]
          owner: leader@example.org
          status: in_progress
          start: 2021-01-01
          due: 2024-12-31
          milestones:
            - {due: 2022-06-30, title: {nb: Pilot, en: Pilot}, done: true}
            - {due: 2024-06-30, title: {nb: Alle emner, en: All courses}}
          updates:
            - {period: 2022-S1, status: in_progress, text: {nb: I gang, en: Under way}, by: "Leader <leader@example.org>", at: "2022-07-10T08:00:00+00:00"}
            - {period: 2023, status: paused, text: {nb: Venter, en: ''}, by: Office, at: "2024-01-15T09:30:00+00:00"}
          links:
            - {kpi: KSUM, direction: increase}
            - {indicator: G1.I2}
            - {dimension: D1, direction: increase}
        - code: G1.FA1
          title: {nb: Fakultetets tiltak, en: The faculty's action}
          unit: FAC-A
          responsible_units: [FAC-A]
          status: planned
          links: [{kpi: KLOW, direction: decrease}]
"""


def with_actions(actions: str = ACTIONS) -> bytes:
    text = STRATEGY_YAML.replace("      actions:\n        - {code: G1.A1, title: {nb: Tiltak, en: Action}}\n", actions)
    assert text != STRATEGY_YAML
    return text.encode()


@pytest.fixture
def leader(session: Session, org: Org) -> User:
    from tests.factories import make_user

    user = make_user(session, "leader@example.org", home="FAC-A", leader_of=("FAC-A",))
    session.commit()
    return user


def count(session: Session, model: type) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


class TestActionsRoundTrip:
    def test_import_then_export_keeps_every_part(self, session: Session, leader: User) -> None:
        original = with_actions()
        summary = import_strategy(session, original, ACTOR)
        exported = export_strategy(session, summary.strategy_id)

        def actions(data: bytes) -> object:
            # the actions only: PostgreSQL orders a KPI's general target after the units' own
            return [g.actions for g in parse_strategy_file(data).strategy.goals]

        assert actions(exported.encode()) == actions(original)
        action = session.execute(select(Action).where(col(Action.code) == "G1.A1")).scalar_one()
        assert action.owner_id == leader.id
        assert action.status == "in_progress"
        assert (count(session, ActionUnit), count(session, ActionMilestone)) == (3, 2)
        assert (count(session, ActionUpdate), count(session, ActionLink)) == (2, 4)
        update = session.execute(select(ActionUpdate).where(col(ActionUpdate.period) == "2022-S1")).scalar_one()
        assert update.author_id == leader.id  # the label names a person with an account

    def test_importing_the_export_gives_the_same_bytes_and_changes_nothing(
        self, session: Session, leader: User
    ) -> None:
        summary = import_strategy(session, with_actions(), ACTOR)
        first = export_strategy(session, summary.strategy_id)
        session.commit()
        events = count(session, AuditEvent)
        again = import_strategy(session, first.encode(), ACTOR)
        assert (again.created, again.updated, again.deleted) == (0, 0, 0)
        assert count(session, AuditEvent) == events
        assert export_strategy(session, again.strategy_id) == first
        data = yaml.safe_load(first)
        plain = data["strategy"]["goals"][0]["actions"][1]
        assert plain["unit"] == "FAC-A"
        assert "updates" not in plain

    def test_a_changed_plan_is_one_audited_change(self, session: Session, leader: User) -> None:
        summary = import_strategy(session, with_actions(), ACTOR)
        data = yaml.safe_load(export_strategy(session, summary.strategy_id))
        data["strategy"]["goals"][0]["actions"][0]["milestones"][1]["done"] = True
        session.commit()
        last = session.execute(select(func.max(AuditEvent.id))).scalar_one()
        import_strategy(session, yaml.safe_dump(data, allow_unicode=True).encode(), ACTOR)
        events = list(session.execute(select(AuditEvent).where(col(AuditEvent.id) > last)).scalars())
        assert [(e.object_type, e.object_label) for e in events] == [("action", "G1.A1 plan")]
        assert count(session, ActionMilestone) == 2


def problems_of(session: Session, data: bytes) -> list[Problem]:
    before = (count(session, Action), count(session, AuditEvent))
    with pytest.raises(InvalidInput) as caught:
        import_strategy(session, data, ACTOR)
    assert (count(session, Action), count(session, AuditEvent)) == before
    return caught.value.problems


def at(problems: list[Problem], path: str) -> Problem:
    found = [p for p in problems if p.path == path]
    assert found, f"no problem at {path}; got {[(p.path, p.message) for p in problems]}"
    return found[0]


class TestBadActionsAreLocated:
    def test_dates_owner_units_milestones_and_links(self, session: Session, leader: User) -> None:
        bad = ACTIONS.replace("owner: leader@example.org", "owner: ghost@example.org")
        bad = bad.replace("start: 2021-01-01", "start: 2025-01-01")
        bad = bad.replace("unit: FAC-A\n", "unit: NOPE\n")
        bad = bad.replace("due: 2024-06-30", "due: 2025-06-30")
        bad = bad.replace("{kpi: KLOW, direction: decrease}", "{kpi: KLOW, dimension: D1}")
        bad = bad.replace("{indicator: G1.I2}", "{indicator: ELSEWHERE}")
        problems = problems_of(session, with_actions(bad))
        assert at(problems, "goals[0].actions[0].owner").params == {"value": "ghost@example.org"}
        assert at(problems, "goals[0].actions[0].due").message == "The due date is before the start."
        assert at(problems, "goals[0].actions[1].unit").value == "NOPE"
        at(problems, "goals[0].actions[0].milestones")
        at(problems, "goals[0].actions[0].links[1].indicator")
        at(problems, "goals[0].actions[1].links[0]")

    def test_a_link_to_a_kpi_of_another_strategy(self, session: Session, leader: User) -> None:
        import_strategy(session, with_actions(), ACTOR)
        other = with_actions().decode().replace("code: test-strategy", "code: other-strategy")
        other = other.replace("code: KSUM", "code: OSUM").replace("code: KRATIO", "code: ORATIO")
        other = other.replace("code: KINST", "code: OINST").replace("code: KLOW", "code: OLOW")
        other = other.replace("{kpi: KLOW, direction: decrease}", "{kpi: OLOW, direction: decrease}")
        problems = problems_of(session, other.encode())
        assert at(problems, "goals[0].actions[0].links[0].kpi").params == {"value": "KSUM"}

    def test_two_updates_for_one_period(self, session: Session, leader: User) -> None:
        bad = ACTIONS.replace("period: 2023,", "period: 2022-s1,")
        problems = problems_of(session, with_actions(bad))
        assert at(problems, "goals[0].actions[0].updates[1].period").message == "Two updates for the period %(value)s."
