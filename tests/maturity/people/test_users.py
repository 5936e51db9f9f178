"""The Users pages: people and roles managed by the strategy office, through HTTP."""

import re

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.audit.models import AuditEvent
from maturity.auth.models import Role, User
from maturity.db import Database
from surveys.models import RespondentGroup
from tests.factories import Org, csrf_token, login


@pytest.fixture
def groups(session: Session) -> None:
    session.add_all(
        [
            RespondentGroup(code="academic", name_nb="Vitenskapelig", name_en="Academic", position=1),
            RespondentGroup(
                code="admin", name_nb="Teknisk-administrativ", name_en="Technical-administrative", position=2
            ),
        ]
    )
    session.commit()


class Browsers:
    """Several browsers through one test client: each keeps its own cookies."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.jars: dict[str, httpx.Cookies] = {}
        self.current = "first"

    def use(self, name: str) -> TestClient[Litestar]:
        self.jars[self.current] = httpx.Cookies(self.client.cookies)
        self.client.cookies = self.jars.get(name, httpx.Cookies())
        self.current = name
        return self.client


def office_client(client: TestClient[Litestar], people: dict[str, User]) -> TestClient[Litestar]:
    login(client, people["office"].email)
    return client


def person_data(client: TestClient[Litestar], path: str, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {"_csrf_token": csrf_token(client, path), "staff": "1"}
    data.update(fields)
    return data


def events(db: Database, action: str | None = None) -> int:
    with db.session() as s:
        statement = select(func.count()).select_from(AuditEvent).where(col(AuditEvent.object_type) == "app_user")
        if action:
            statement = statement.where(col(AuditEvent.action) == action)
        return s.execute(statement).scalar_one()


class TestList:
    def test_it_lists_and_filters(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        office_client(client, people)
        page = client.get("/users", headers={"accept-language": "en"})
        assert page.status_code == 200
        for user in people.values():
            assert user.email in page.text
        assert "leader@example.org" in client.get("/users?role=leader").text
        assert "staff@example.org" not in client.get("/users?role=leader").text
        only_a1 = client.get("/users?home=DEP-A1").text
        assert "staff@example.org" in only_a1
        assert "office@example.org" not in only_a1
        assert "office@" in client.get("/users?q=OFFICE").text
        assert "staff@example.org" not in client.get("/users?active=no").text

    def test_htmx_gets_the_list_alone(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        office_client(client, people)
        fragment = client.get("/users?q=staff", headers={"hx-request": "true"})
        assert "<html" not in fragment.text
        assert "staff@example.org" in fragment.text
        assert fragment.headers["vary"] == "HX-Request"

    def test_leaders_and_staff_may_not_see_it(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, people["leader"].email)
        assert client.get("/users").status_code == 403


class TestCreateAndEdit:
    def test_the_office_adds_a_person_with_roles(
        self, client: TestClient[Litestar], people: dict[str, User], org: Org, groups: None, db: Database
    ) -> None:
        office_client(client, people)
        data = person_data(
            client,
            "/users/new",
            name="Nina Ny",
            email="Nina@Example.org",
            home_unit="DEP-A2",
            group="academic",
            led_units=["DEP-A2", "SEC-A2X"],
            employee_number="E-77",
        )
        answer = client.post("/users", data=data, follow_redirects=False)
        assert answer.status_code == 303
        with db.session() as s:
            nina = s.execute(select(User).where(col(User.email) == "nina@example.org")).scalar_one()
            assert nina.home_unit_id == org.units["DEP-A2"].id
            assert nina.employee_number == "E-77"
        assert events(db, "create") == 1

    def test_every_problem_is_shown_and_nothing_saved(
        self, client: TestClient[Litestar], people: dict[str, User], org: Org, db: Database
    ) -> None:
        office_client(client, people)
        data = person_data(client, "/users/new", name="", email="staff@example.org", home_unit="NOPE", group="x")
        answer = client.post("/users", data=data, headers={"accept-language": "en"})
        assert answer.status_code == 422
        assert "This field is required." in answer.text
        assert "A user with e-mail staff@example.org already exists." in answer.text
        assert "Unknown unit NOPE." in answer.text
        assert "Unknown group x." in answer.text
        assert events(db) == 0

    def test_a_leader_role_given_shows_in_their_navigation_at_their_next_request(
        self, client: TestClient[Litestar], people: dict[str, User], db: Database
    ) -> None:
        staff = people["staff"]
        browsers = Browsers(client)
        theirs = browsers.use("staff")
        login(theirs, staff.email)
        assert 'href="/dashboard"' not in theirs.get("/", headers={"accept-language": "en"}).text
        office = office_client(browsers.use("office"), people)
        path = f"/users/{staff.id}"
        data = person_data(office, path, name=staff.name, email=staff.email, home_unit="DEP-A1", led_units=["DEP-A1"])
        assert office.post(path, data=data, follow_redirects=False).status_code == 303
        page = browsers.use("staff").get("/", headers={"accept-language": "en"}).text
        assert 'href="/dashboard"' in page
        with db.session() as s:
            event = s.execute(select(AuditEvent).where(col(AuditEvent.action) == "update")).scalar_one()
            assert event.before is not None
            assert event.after is not None
            assert event.before["roles"] != event.after["roles"]

    def test_nobody_changes_their_own_roles(
        self, client: TestClient[Litestar], people: dict[str, User], session: Session, db: Database
    ) -> None:
        office = people["office"]
        office_client(client, people)
        path = f"/users/{office.id}"
        data = person_data(
            client, path, name=office.name, email=office.email, home_unit="UNI", office="1", led_units=["UNI"]
        )
        answer = client.post(path, data=data, headers={"accept-language": "en"})
        assert answer.status_code == 422
        assert "You cannot change your own roles." in answer.text
        assert events(db) == 0

    def test_the_last_active_office_account_keeps_its_role(
        self, client: TestClient[Litestar], people: dict[str, User], session: Session, db: Database
    ) -> None:
        from maturity.people.users import PersonForm, save_person
        from tests.factories import make_user

        office = people["office"]
        second = make_user(session, "office2@example.org", office=True)
        session.commit()
        office_client(client, people)
        path = f"/users/{second.id}"
        # Taking the role from the second office account is fine: one remains.
        data = person_data(client, path, name=second.name, email=second.email, home_unit="DEP-A1")
        assert client.post(path, data=data, follow_redirects=False).status_code == 303
        assert events(db, "update") == 1
        # The first is now the last: even someone else (here the service, as a page would) cannot take it.
        from maturity.auth.services import load_user
        from maturity.errors import InvalidInput

        with db.session() as s:
            last = load_user(s, office.id)  # type: ignore[arg-type]
            actor = load_user(s, second.id)  # type: ignore[arg-type]
            assert last is not None
            assert actor is not None
            form = PersonForm.of(s, last)
            form.office = False
            with pytest.raises(InvalidInput, match="last active strategy-office account"):
                save_person(s, last, form, actor=actor)


class TestDeactivation:
    def test_a_deactivated_persons_open_session_gets_the_login_page_next_request(
        self, client: TestClient[Litestar], people: dict[str, User], db: Database
    ) -> None:
        staff = people["staff"]
        browsers = Browsers(client)
        theirs = browsers.use("staff")
        login(theirs, staff.email)
        assert theirs.get("/", headers={"accept-language": "en"}).text.count('action="/logout"') == 1
        office = office_client(browsers.use("office"), people)
        path = f"/users/{staff.id}"
        answer = office.post(
            f"{path}/deactivate", data={"_csrf_token": csrf_token(office, path)}, follow_redirects=False
        )
        assert answer.status_code == 303
        again = browsers.use("staff").get("/my-unit", follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"].startswith("/login")
        assert events(db, "deactivate") == 1
        client = browsers.use("office")
        # Reactivated, they may log in again.
        client.post(f"{path}/reactivate", data={"_csrf_token": csrf_token(client, path)})
        assert events(db, "reactivate") == 1
        with db.session() as s:
            assert s.get_one(User, staff.id).is_active

    def test_nobody_deactivates_themselves(
        self, client: TestClient[Litestar], people: dict[str, User], db: Database
    ) -> None:
        office = people["office"]
        office_client(client, people)
        path = f"/users/{office.id}"
        page = client.get(path).text
        assert "/deactivate" not in page
        answer = client.post(f"{path}/deactivate", data={"_csrf_token": csrf_token(client, path)})
        assert answer.status_code == 422
        with db.session() as s:
            assert s.get_one(User, office.id).is_active

    def test_the_form_names_roles_for_a_screen_reader(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        office_client(client, people)
        page = client.get(f"/users/{people['staff'].id}", headers={"accept-language": "en"}).text
        assert re.search(r"<legend>Roles</legend>", page)
        assert Role.STAFF.value  # the roles the form offers are the model's
