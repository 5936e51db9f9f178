"""Strategy milestones: in the strategy file (round trip, located problems) and on the strategy pages
(edit form, validation, audit), and how they change expected progress and its explanation."""

from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Strategy, StrategyMilestone
from indicators.score_labels import expected_rule
from indicators.scores import score_period
from indicators.strategy_export import export_strategy
from indicators.strategy_file import import_strategy
from maturity.audit.models import AuditEvent
from maturity.auth.models import User
from tests.factories import csrf_token, login
from tests.indicators.test_strategy_file import ACTOR, as_data, as_file, at, events_since, last_event_id, rejected

MILESTONES = [{"due": date(2021, 12, 31), "expected": 20}, {"due": date(2023, 12, 31), "expected": 55.5}]


def milestones(session: Session) -> list[tuple[date, float]]:
    session.expire_all()
    rows = session.execute(select(StrategyMilestone).order_by(col(StrategyMilestone.due))).scalars()
    return [(m.due, m.expected) for m in rows]


@pytest.fixture
def with_milestones(session: Session, strategy: Strategy) -> Strategy:
    data = as_data(session, strategy)
    data["strategy"]["milestones"] = MILESTONES
    import_strategy(session, as_file(data), ACTOR)
    session.commit()
    return strategy


class TestTheStrategyFile:
    def test_milestones_round_trip_and_are_one_audited_change(self, session: Session, strategy: Strategy) -> None:
        data = as_data(session, strategy)
        assert "milestones" not in data["strategy"]  # a file without milestones stays as it was
        data["strategy"]["milestones"] = MILESTONES
        last = last_event_id(session)

        summary = import_strategy(session, as_file(data), ACTOR)

        assert milestones(session) == [(date(2021, 12, 31), 20), (date(2023, 12, 31), 55.5)]
        assert summary.updated == 1
        [event] = events_since(session, last)
        assert (event.action, event.object_type, event.object_label) == (
            "update",
            "strategy",
            "test-strategy milestones",
        )
        assert event.before == {"milestones": []}
        exported = export_strategy(session, summary.strategy_id)
        assert as_data(session, strategy)["strategy"]["milestones"] == MILESTONES
        again = import_strategy(session, exported.encode(), ACTOR)
        assert (again.created, again.updated, again.deleted) == (0, 0, 0)
        assert export_strategy(session, summary.strategy_id) == exported

    def test_removing_them_from_the_file_removes_them(self, session: Session, with_milestones: Strategy) -> None:
        data = as_data(session, with_milestones)
        del data["strategy"]["milestones"]
        import_strategy(session, as_file(data), ACTOR)
        assert milestones(session) == []

    @pytest.mark.parametrize(
        ("rows", "path", "message"),
        [
            pytest.param(
                [{"due": date(2022, 1, 1), "expected": 20}, {"due": date(2022, 1, 1), "expected": 30}],
                "milestones[1].due",
                "Milestone dates must increase: this one is not after %(date)s.",
                id="same date",
            ),
            pytest.param(
                [{"due": date(2022, 1, 1), "expected": 40}, {"due": date(2023, 1, 1), "expected": 30}],
                "milestones[1].expected",
                "Expected progress must increase from one milestone to the next: this one is not above %(value)s.",
                id="lower value",
            ),
            pytest.param(
                [{"due": date(2022, 1, 1), "expected": 101}],
                "milestones[0].expected",
                "Must be at most %(limit)s.",
                id="above 100",
            ),
            pytest.param(
                [{"due": date(2019, 1, 1), "expected": 10}],
                "milestones[0].due",
                "A milestone lies within the strategy period (%(start)s – %(end)s).",
                id="before the period",
            ),
        ],
    )
    def test_bad_milestones_are_located_and_nothing_is_written(
        self, session: Session, strategy: Strategy, rows: list[dict[str, object]], path: str, message: str
    ) -> None:
        data = as_data(session, strategy)
        data["strategy"]["milestones"] = rows
        problem = at(rejected(session, as_file(data)), path)
        assert problem.message == message
        assert milestones(session) == []


class TestExpectedProgress:
    def test_milestones_step_expected_progress(self, session: Session, with_milestones: Strategy) -> None:
        assert with_milestones.id is not None
        before_first = score_period(session, with_milestones.id, "2021-S1", unit_ids=[])
        on_second = score_period(session, with_milestones.id, "2023", unit_ids=[])
        later = score_period(session, with_milestones.id, "2024", today=date(2030, 1, 1), unit_ids=[])
        assert (before_first.expected, on_second.expected, later.expected) == (0, 55.5, 55.5)
        assert before_first.expected_basis.milestone is None
        assert before_first.expected_basis.stepped
        assert later.expected_basis.milestone is not None
        assert later.expected_basis.milestone.on == date(2023, 12, 31)

    @pytest.mark.parametrize(
        ("period", "locale", "words"),
        [
            pytest.param(
                "2021-S1", "en", "No milestone is reached by 30 Jun 2021 (the first is on 31 Dec 2021)", id="before"
            ),
            pytest.param(
                "2024",
                "en",
                "that of the milestone of 31 Dec 2023 (55.5 of 100), the last one reached by 31 Dec 2024",
                id="reached",
            ),
            pytest.param("2024", "nb", "milepælen 31. des. 2023 (55,5 av 100)", id="reached, in Norwegian"),
        ],
    )
    def test_the_explanation_names_the_rule(
        self, session: Session, with_milestones: Strategy, period: str, locale: str, words: str
    ) -> None:
        assert with_milestones.id is not None
        scores = score_period(session, with_milestones.id, period, today=date(2030, 1, 1), unit_ids=[])
        assert words in expected_rule(scores, locale)

    def test_without_milestones_the_elapsed_share(self, session: Session, strategy: Strategy) -> None:
        assert strategy.id is not None
        found = score_period(session, strategy.id, "2022", unit_ids=[])
        assert found.expected_basis.stepped is False
        assert "share of the strategy period (1 Jan 2020 – 31 Dec 2025) elapsed by 31 Dec 2022" in expected_rule(
            found, "en"
        )
        assert found.expected == pytest.approx(100 * (date(2022, 12, 31) - date(2020, 1, 1)).days / 2191)


@pytest.fixture
def office(client: TestClient[Litestar], people: dict[str, User], strategy: Strategy) -> TestClient[Litestar]:
    login(client, "office@example.org")
    client.get("/")
    return client


class TestTheEditForm:
    def post(self, office: TestClient[Litestar], url: str, due: str, expected: str) -> object:
        form = {"due": due, "expected": expected, "_csrf_token": csrf_token(office)}
        return office.post(url, data=form, headers={"accept-language": "en"}, follow_redirects=False)

    def test_adding_a_milestone_is_audited_and_shown(
        self, office: TestClient[Litestar], session: Session, strategy: Strategy
    ) -> None:
        response = self.post(office, f"/definitions/milestone/new?parent={strategy.id}", "2022-06-30", "25")
        assert response.status_code == 303  # type: ignore[attr-defined]
        assert response.headers["location"].startswith("/strategy/test-strategy#milestone-")  # type: ignore[attr-defined]
        assert milestones(session) == [(date(2022, 6, 30), 25)]
        event = (
            session.execute(select(AuditEvent).where(col(AuditEvent.object_type) == "strategy_milestone"))
            .scalars()
            .one()
        )
        assert (event.action, event.object_label) == ("create", "2022-06-30 25")
        page = office.get("/strategy/test-strategy", headers={"accept-language": "en"})
        assert "Milestones" in page.text
        assert "25 of 100" in page.text

    def test_the_form_says_what_is_wrong_and_where(
        self, office: TestClient[Litestar], session: Session, with_milestones: Strategy
    ) -> None:
        url = f"/definitions/milestone/new?parent={with_milestones.id}"
        between = self.post(office, url, "2022-06-30", "60")
        assert between.status_code == 422  # type: ignore[attr-defined]
        assert "Must be below 55.5, the expected progress of the milestone on 2023-12-31." in between.text  # type: ignore[attr-defined]
        after = self.post(office, url, "2024-06-30", "10")
        assert "Must be above 55.5, the expected progress of the milestone on 2023-12-31." in after.text  # type: ignore[attr-defined]
        same_day = self.post(office, url, "2021-12-31", "30")
        assert "Another item here already has this value." in same_day.text  # type: ignore[attr-defined]
        outside = self.post(office, url, "2026-06-30", "90")
        assert "A milestone lies within the strategy period (2020-01-01 – 2025-12-31)." in outside.text  # type: ignore[attr-defined]
        assert len(milestones(session)) == 2

    def test_editing_a_milestone_checks_against_the_others_only(
        self, office: TestClient[Litestar], session: Session, with_milestones: Strategy
    ) -> None:
        first = session.execute(select(StrategyMilestone).order_by(col(StrategyMilestone.due))).scalars().first()
        assert first is not None
        response = self.post(office, f"/definitions/milestone/{first.id}/edit", "2021-12-31", "50")
        assert response.status_code == 303  # type: ignore[attr-defined]
        assert milestones(session)[0] == (date(2021, 12, 31), 50)

    def test_the_strategy_period_cannot_leave_a_milestone_outside(
        self, office: TestClient[Litestar], session: Session, with_milestones: Strategy
    ) -> None:
        page = office.get(f"/definitions/strategy/{with_milestones.id}/edit")
        form = {
            "code": "test-strategy",
            "title_nb": "Teststrategi",
            "title_en": "Test strategy",
            "period_start": "2022-01-01",
            "period_end": "2025-12-31",
            "on_track_threshold": "0.95",
            "behind_threshold": "0.85",
            "_csrf_token": csrf_token(office),
        }
        assert page.status_code == 200
        response = office.post(
            f"/definitions/strategy/{with_milestones.id}/edit", data=form, headers={"accept-language": "en"}
        )
        assert response.status_code == 422
        assert "The milestone of 2021-12-31 would lie outside the period; move or delete it first." in response.text
        session.refresh(with_milestones)
        assert with_milestones.period_start == date(2020, 1, 1)
