"""Courses of action through HTTP as leader, strategy office and staff, and through the services."""

from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.action_progress import last_semester_owed, load_updates, update_overdue, updates_by_action
from indicators.actions import create_action
from indicators.models import Action, ActionLink, ActionMilestone, ActionUnit, ActionUpdate, Goal, Strategy
from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.forms import InvalidForm
from maturity.periods import Period
from tests.factories import csrf_token, login, make_user


def count(session: Session, model: type, *where: object) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def goal_id(session: Session, code: str = "G1") -> int:
    return session.execute(select(Goal.id).where(col(Goal.code) == code)).scalar_one()


def action_id(session: Session, code: str) -> int:
    session.expire_all()
    return session.execute(select(Action.id).where(col(Action.code) == code)).scalar_one()


@pytest.fixture
def more_people(session: Session, people: dict[str, User]) -> dict[str, User]:
    people = dict(people)
    people["leader_b"] = make_user(session, "leaderb@example.org", home="FAC-B", leader_of=("FAC-B",))
    session.commit()
    return people


def as_user(client: TestClient[Litestar], email: str) -> TestClient[Litestar]:
    login(client, email)
    client.get("/")
    return client


def form(client: TestClient[Litestar], path: str, **fields: object) -> dict[str, object]:
    return {"_csrf_token": csrf_token(client, path), **fields}


def new_action(client: TestClient[Litestar], session: Session, **fields: object) -> object:
    goal = goal_id(session)
    page = f"/actions/new?goal={goal}"
    data = {
        "code": "FA.1",
        "title_nb": "Digitale emner",
        "title_en": "Digital courses",
        "unit": "FAC-A",
        "units": ["FAC-A", "DEP-A1"],
        "owner": "leader@example.org",
        "status": "in_progress",
        "start_date": "2024-01-01",
        "due_date": "2025-06-30",
        **fields,
    }
    return client.post(page, data=form(client, page, **data), follow_redirects=False)


class TestLeaderManagesTheirUnitsActions:
    def test_a_leader_creates_updates_links_and_closes_an_action(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "leader@example.org")
        response = new_action(client, session)
        assert response.status_code == 303, response.text
        aid = action_id(session, "FA.1")
        action = session.get_one(Action, aid)
        assert action.unit_id is not None
        assert action.status == "in_progress"
        assert action.owner_id == more_people["leader"].id
        assert count(session, ActionUnit, col(ActionUnit.action_id) == aid) == 2

        page = f"/actions/{aid}"
        shown = client.get(page)
        assert shown.status_code == 200
        assert "Digitale emner" in shown.text

        response = client.post(
            f"{page}/milestones",
            data=form(client, page, milestone_due="2024-12-01", milestone_title_nb="Pilot", milestone_title_en="Pilot"),
            follow_redirects=False,
        )
        assert response.status_code == 303
        response = client.post(
            f"{page}/updates",
            data=form(client, page, period="2024-S2", update_status="paused", text_nb="Venter på budsjett", text_en=""),
            follow_redirects=False,
        )
        assert response.status_code == 303
        session.expire_all()
        assert session.get_one(Action, aid).status == "paused"
        response = client.post(
            f"{page}/links", data=form(client, page, measure="kpi:KSUM", direction="increase"), follow_redirects=False
        )
        assert response.status_code == 303
        assert count(session, ActionLink, col(ActionLink.action_id) == aid) == 1

        response = client.post(f"{page}/close", data=form(client, page, status="done"), follow_redirects=False)
        assert response.status_code == 303
        session.expire_all()
        assert session.get_one(Action, aid).status == "done"
        audited = {
            (e.object_type, e.action)
            for e in session.execute(select(AuditEvent).where(col(AuditEvent.object_type).like("action%"))).scalars()
        }
        assert {
            ("action", "create"),
            ("action_milestone", "create"),
            ("action_update", "create"),
            ("action_link", "create"),
            ("action", "close"),
        } <= audited

    def test_a_second_update_for_the_same_period_replaces_the_first(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "leader@example.org")
        new_action(client, session)
        aid = action_id(session, "FA.1")
        page = f"/actions/{aid}"
        for text in ("Første", "Andre"):
            client.post(
                f"{page}/updates",
                data=form(client, page, period="2024-s2", update_status="in_progress", text_nb=text),
                follow_redirects=False,
            )
        session.expire_all()
        updates = list(session.execute(select(ActionUpdate).where(col(ActionUpdate.action_id) == aid)).scalars())
        assert [(u.period, u.text_nb) for u in updates] == [("2024-S2", "Andre")]

    def test_a_leader_cannot_touch_another_units_action(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "leaderb@example.org")
        assert new_action(client, session, code="FB.1", unit="FAC-B", units=["FAC-B"], owner="").status_code == 303
        fb = action_id(session, "FB.1")
        client.get("/logout")
        client.cookies.clear()
        as_user(client, "leader@example.org")
        assert client.get(f"/actions/{fb}").status_code == 404  # not in their scope: not even read
        assert client.get(f"/actions/{fb}/edit").status_code == 404
        page = "/actions"
        for path, data in (
            (f"/actions/{fb}/edit", {"code": "X"}),
            (f"/actions/{fb}/updates", {"period": "2024", "update_status": "done", "text_nb": "x"}),
            (f"/actions/{fb}/milestones", {"milestone_due": "2024-01-01"}),
            (f"/actions/{fb}/links", {"measure": "kpi:KSUM", "direction": "increase"}),
            (f"/actions/{fb}/close", {"status": "done"}),
        ):
            assert client.post(path, data=form(client, page, **data), follow_redirects=False).status_code == 404, path
        # nor plan for a unit they do not lead
        response = new_action(client, session, code="FB.2", unit="FAC-B", units=["FAC-B"])
        assert response.status_code == 422
        assert count(session, Action, col(Action.code) == "FB.2") == 0
        assert session.get_one(Action, fb).status == "in_progress"

    def test_staff_read_actions_but_change_nothing(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "office@example.org")
        assert new_action(client, session, code="INST.1", unit="", units=["UNI"]).status_code == 303
        aid = action_id(session, "INST.1")
        client.get("/logout")
        client.cookies.clear()
        as_user(client, "staff@example.org")
        listing = client.get("/actions")
        assert listing.status_code == 200
        assert "INST.1" in listing.text
        assert "New course of action" not in listing.text
        shown = client.get(f"/actions/{aid}")
        assert shown.status_code == 200
        assert "update-form" not in shown.text
        assert client.get(f"/actions/new?goal={goal_id(session)}").status_code == 403
        response = client.post(
            f"/actions/{aid}/close", data=form(client, "/actions", status="done"), follow_redirects=False
        )
        assert response.status_code == 403
        assert session.get_one(Action, aid).status == "in_progress"


class TestTheOfficeManagesEveryAction:
    def test_the_office_edits_a_units_action(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "leaderb@example.org")
        new_action(client, session, code="FB.1", unit="FAC-B", units=["FAC-B"], owner="")
        fb = action_id(session, "FB.1")
        client.get("/logout")
        client.cookies.clear()
        as_user(client, "office@example.org")
        page = f"/actions/{fb}/edit"
        edit = client.get(page)
        assert edit.status_code == 200
        data = form(
            client,
            page,
            code="FB.1",
            title_nb="Nytt navn",
            title_en="New name",
            unit="FAC-B",
            units=["FAC-B", "DEP-B1"],
            owner="leaderb@example.org",
            status="in_progress",
            start_date="2024-01-01",
            due_date="",
        )
        assert client.post(page, data=data, follow_redirects=False).status_code == 303
        session.expire_all()
        action = session.get_one(Action, fb)
        assert action.title_nb == "Nytt navn"
        assert action.owner_id == more_people["leader_b"].id
        event = session.execute(
            select(AuditEvent).where(col(AuditEvent.object_type) == "action", col(AuditEvent.action) == "update")
        ).scalar_one()
        assert event.after is not None
        assert event.after["units"] == ["DEP-B1", "FAC-B"]


class TestBadInputIsLocatedAndChangesNothing:
    def test_dates_out_of_order_and_an_unknown_owner(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "leader@example.org")
        response = new_action(client, session, start_date="2025-01-01", due_date="2024-01-01", owner="nobody@x.org")
        assert response.status_code == 422
        assert "Fristen er før starten." in response.text
        assert "Ingen har adressen nobody@x.org." in response.text
        assert count(session, Action, col(Action.code) == "FA.1") == 0

    def test_a_milestone_after_the_due_date(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "leader@example.org")
        new_action(client, session)
        aid = action_id(session, "FA.1")
        page = f"/actions/{aid}"
        response = client.post(
            f"{page}/milestones",
            data=form(client, page, milestone_due="2026-01-01", milestone_title_nb="Sent", milestone_title_en="Late"),
        )
        assert response.status_code == 422
        assert "er datert etter tiltakets frist" in response.text
        assert count(session, ActionMilestone) == 0

    def test_a_due_date_before_a_milestone(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        actor = Actor.of(more_people["office"])
        action = create_action(
            session,
            more_people["office"],
            goal_id(session),
            {"code": "X.1", "title_nb": "x", "title_en": "x", "status": "planned", "due_date": "2025-12-31"},
            actor,
        )
        session.add(ActionMilestone(action_id=action.id or 0, due=date(2025, 6, 1), title_nb="m", title_en="m"))
        session.commit()
        as_user(client, "office@example.org")
        page = f"/actions/{action.id}/edit"
        data = form(client, page, code="X.1", title_nb="x", title_en="x", status="planned", due_date="2025-01-01")
        response = client.post(page, data=data)
        assert response.status_code == 422
        assert "2025-06-01" in response.text
        session.expire_all()
        assert session.get_one(Action, action.id).due_date == date(2025, 12, 31)

    def test_a_link_to_a_measure_of_another_strategy(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "leader@example.org")
        new_action(client, session)
        aid = action_id(session, "FA.1")
        page = f"/actions/{aid}"
        response = client.post(f"{page}/links", data=form(client, page, measure="kpi:ELSEWHERE", direction="increase"))
        assert response.status_code == 422
        assert count(session, ActionLink) == 0

    def test_the_service_refuses_a_code_used_under_the_goal(
        self, session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        office = more_people["office"]
        with pytest.raises(InvalidForm) as caught:
            create_action(
                session,
                office,
                goal_id(session),
                {"code": "G1.A1", "title_nb": "x", "title_en": "x", "status": "planned"},
                Actor.of(office),
            )
        assert "code" in caught.value.state.errors


class TestWhatIsLate:
    def test_an_update_is_owed_a_month_after_each_half_year(self) -> None:
        assert last_semester_owed(date(2025, 7, 30)) == Period.parse("2024-S2")
        assert last_semester_owed(date(2025, 7, 31)) == Period.parse("2025-S1")

    def test_an_action_under_way_without_the_owed_update_is_overdue(self) -> None:
        action = Action(
            goal_id=1, code="A", title_nb="", title_en="", status="in_progress", start_date=date(2024, 1, 1)
        )
        today = date(2025, 9, 1)
        assert update_overdue(action, [], today) == Period.parse("2025-S1")
        given = ActionUpdate(action_id=1, period="2025-S1", status="in_progress")
        assert update_overdue(action, [given], today) is None
        action.status = "done"
        assert update_overdue(action, [], today) is None

    def test_the_updates_of_many_actions_are_read_at_once_newest_first(
        self, session: Session, strategy: Strategy
    ) -> None:
        goal = goal_id(session)
        actions = [
            Action(goal_id=goal, code=code, title_nb=code, title_en=code, status="in_progress") for code in "ABC"
        ]
        session.add_all(actions)
        session.flush()
        a, b, c = (x.id or 0 for x in actions)
        for action, period in ((a, "2024-S1"), (b, "2025-S1"), (a, "2025-S1"), (a, "2024-S2")):
            session.add(ActionUpdate(action_id=action, period=period, status="in_progress"))
        session.flush()
        by_action = updates_by_action(session, actions)
        assert {i: [u.period for u in us] for i, us in by_action.items()} == {
            a: ["2025-S1", "2024-S2", "2024-S1"],
            b: ["2025-S1"],
            c: [],
        }
        for action in actions:
            assert by_action[action.id or 0] == load_updates(session, action.id)
        assert updates_by_action(session, []) == {}


def test_the_demo_has_overdue_updates_and_two_faculty_plans() -> None:
    from indicators.demo_action_plans import PLANS, SUCCESSOR_PLANS

    today = date(2026, 9, 1)  # the successor strategy's second year
    owed = last_semester_owed(today)
    overdue = [
        p["code"]
        for p in SUCCESSOR_PLANS
        if p["status"] in ("in_progress", "paused") and all(Period.parse(u[0]).end < owed.end for u in p["updates"])
    ]
    assert len(overdue) >= 2
    assert {p.get("unit") for p in PLANS} >= {"TKD", "HV"}
    # the concluded strategy's actions are closed: nothing of it is owed any more
    assert all(p["status"] in ("done", "stopped") for p in PLANS if p["start"].year < 2025)


class TestMyUpdates:
    def test_each_person_sees_what_they_owe(
        self, client: TestClient[Litestar], session: Session, more_people: dict[str, User], strategy: Strategy
    ) -> None:
        office = more_people["office"]
        action = create_action(
            session,
            office,
            goal_id(session),
            {
                "code": "OWED.1",
                "title_nb": "Skyldig",
                "title_en": "Owed",
                "unit": "FAC-A",
                "units": ["FAC-A"],
                "owner": "leader@example.org",
                "status": "in_progress",
                "start_date": "2020-01-01",
            },
            Actor.of(office),
        )
        session.commit()
        as_user(client, "leader@example.org")
        mine = client.get("/actions/mine")
        assert mine.status_code == 200
        assert "OWED.1" in mine.text
        client.get("/logout")
        client.cookies.clear()
        as_user(client, "leaderb@example.org")
        assert "OWED.1" not in client.get("/actions/mine").text
        client.get("/logout")
        client.cookies.clear()
        as_user(client, "staff@example.org")
        staff_page = client.get("/actions/mine")
        assert staff_page.status_code == 200
        assert "OWED.1" not in staff_page.text
        assert action.id is not None
