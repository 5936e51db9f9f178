"""The audit log page: only for the strategy office, filterable, with before and after."""

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from maturity.audit.services import Actor, record_event
from maturity.auth.models import User
from tests.factories import login


@pytest.fixture
def events(session: Session, people: dict[str, User]) -> None:
    office = Actor.of(people["office"])
    record_event(session, office, "create", object_type="goal", object_id=1, label="G1 Goal", after={"code": "G1"})
    record_event(
        session,
        Actor.system("API token sis (mty_ab…)"),
        "correct",
        object_type="kpi_record",
        object_id=7,
        label="K02 DEP-A1 2024",
        before={"id": 7, "value": 1.0, "source": "x"},
        after={"id": 7, "value": 4.0, "source": "x"},
    )
    session.commit()


class TestAuditLog:
    @pytest.mark.parametrize(("who", "status"), [("staff", 403), ("leader", 403), ("office", 200)])
    def test_only_the_strategy_office_reads_it(
        self, client: TestClient[Litestar], people: dict[str, User], who: str, status: int
    ) -> None:
        login(client, people[who].email)
        assert client.get("/audit").status_code == status

    def test_it_shows_who_changed_what_with_before_and_after(
        self, client: TestClient[Litestar], people: dict[str, User], events: None
    ) -> None:
        login(client, "office@example.org")
        page = client.get("/audit", headers={"accept-language": "en"}).text
        assert "2 events" in page
        assert "<del>1</del> → <ins>4</ins>" in page  # numbers formatted for the reader
        assert "corrected" in page  # actions and objects are named in the reader's language
        assert "KPI value K02 DEP-A1 2024" in page
        assert "API token sis" in page
        assert page.index("K02 DEP-A1 2024") < page.index("G1 Goal")  # newest first

    def test_the_filters_narrow_the_list_and_htmx_gets_only_the_list(
        self, client: TestClient[Litestar], people: dict[str, User], events: None
    ) -> None:
        login(client, "office@example.org")
        response = client.get("/audit?object_type=goal", headers={"hx-request": "true", "accept-language": "en"})
        assert response.headers["vary"] == "HX-Request"
        assert "<html" not in response.text
        assert "1 event" in response.text
        assert "G1 Goal" in response.text
        assert "K02" not in response.text
        by_actor = client.get("/audit?actor=API+TOKEN", headers={"accept-language": "en"}).text
        assert "K02 DEP-A1 2024" in by_actor
        assert "G1 Goal" not in by_actor

    @pytest.mark.parametrize(
        ("lang", "invited", "reminded"),
        [("en", "sent invitations", "sent reminders"), ("nb", "sendte invitasjoner", "sendte påminnelser")],
    )
    def test_invitations_and_reminders_are_named_in_the_readers_language(
        self,
        client: TestClient[Litestar],
        session: Session,
        people: dict[str, User],
        lang: str,
        invited: str,
        reminded: str,
    ) -> None:
        office = Actor.of(people["office"])
        record_event(
            session, office, "invite", object_type="survey_round", object_id=1, label="Spring", after={"invitations": 3}
        )
        record_event(
            session, office, "remind", object_type="survey_round", object_id=1, label="Spring", after={"reminders": 2}
        )
        session.commit()
        login(client, "office@example.org")
        page = client.get("/audit", headers={"accept-language": lang}).text
        assert invited in page
        assert reminded in page
        assert ">invite<" not in page  # not the stored action
        assert ">remind<" not in page


class TestUnitsAndUsersAreAudited:
    def test_a_unit_import_records_what_it_created_and_changed(self, session: Session) -> None:
        from sqlalchemy import select

        from maturity.audit.models import AuditEvent
        from maturity.units.services import import_units_csv

        actor = Actor.system("test")
        header = "code;parent_code;kind;name_nb;name_en\n"
        import_units_csv(session, (header + "UNI;;institution;Uni;Uni\nFAC;UNI;faculty;Fak;Fac\n").encode(), actor)
        import_units_csv(
            session, (header + "UNI;;institution;Uni;Uni\nFAC;UNI;faculty;Fakultetet;Fac\n").encode(), actor
        )
        events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        assert [(e.action, e.object_label) for e in events] == [("create", "UNI"), ("create", "FAC"), ("update", "FAC")]
        assert events[2].before is not None
        assert events[2].before["name_nb"] == "Fak"
        assert events[2].after is not None
        assert events[2].after["name_nb"] == "Fakultetet"

    def test_creating_a_user_is_recorded_without_the_password_hash(self, session: Session, org: object) -> None:
        from sqlalchemy import select

        from maturity.audit.models import AuditEvent
        from maturity.auth.models import Role
        from maturity.auth.services import RoleSpec, create_user

        create_user(
            session,
            email="new@example.org",
            name="New Person",
            password="a long enough password",
            home_unit_code="DEP-A1",
            roles=[RoleSpec(Role.STAFF), RoleSpec(Role.LEADER, "DEP-A1")],
            actor=Actor.system("test"),
        )
        event = session.execute(select(AuditEvent).where(AuditEvent.object_type == "app_user")).scalars().one()
        assert event.after is not None
        assert event.after["email"] == "new@example.org"
        assert "password_hash" not in event.after
        assert len(event.after["roles"]) == 2
