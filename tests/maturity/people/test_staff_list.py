"""The HR staff list: the service, the page with its dry run, and the command line."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.auth.models import Role, RoleAssignment, User, UserSession
from maturity.cli import main
from maturity.csvio import DEFAULT_MAX_BYTES
from maturity.db import Database
from maturity.errors import InvalidInput, Problem
from maturity.people.staff_list import import_staff_csv
from maturity.units.models import UnitHeadcount
from surveys.models import RespondentGroup
from tests.conftest import Backend
from tests.factories import ORG_CSV, Org, csrf_token, login, make_user

ACTOR = Actor.system("test")
GOOD = (
    "ansattnummer;e-post;navn;enhet;gruppe;feide\n"
    "1001;ada@uni.example;Ada Lovelace;DEP-A1;academic;ada@uni.example\n"
    "1002;Bob@Uni.example;Bob Berg;DEP-A1;admin;\n"
    "1003;cy@uni.example;Cy Dahl;DEP-B1;;\n"
)


@pytest.fixture
def groups(session: Session, org: Org) -> None:
    session.add_all(
        [
            RespondentGroup(code="academic", name_nb="Vitenskapelig", name_en="Academic", position=1),
            RespondentGroup(
                code="admin", name_nb="Teknisk-administrativ", name_en="Technical-administrative", position=2
            ),
        ]
    )
    session.commit()


def rejected(session: Session, text: str | bytes) -> list[Problem]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(InvalidInput) as caught:
        import_staff_csv(session, data, actor=ACTOR)
    session.rollback()
    return caught.value.problems


def people_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(User)).scalar_one()


def event_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


class TestImport:
    def test_it_creates_staff_with_unit_group_and_login(self, session: Session, org: Org, groups: None) -> None:
        plan = import_staff_csv(session, GOOD.encode("cp1252"), actor=ACTOR)
        session.commit()
        assert len(plan.create) == 3
        ada = session.execute(select(User).where(col(User.employee_number) == "1001")).scalar_one()
        assert ada.home_unit_id == org.units["DEP-A1"].id
        assert ada.login_name == "ada@uni.example"
        bob = session.execute(select(User).where(col(User.employee_number) == "1002")).scalar_one()
        assert bob.email == "bob@uni.example"
        assert event_count(session) == 3

    def test_reimporting_the_same_file_changes_nothing_and_writes_no_event(
        self, session: Session, org: Org, groups: None
    ) -> None:
        import_staff_csv(session, GOOD.encode(), actor=ACTOR)
        session.commit()
        events = event_count(session)
        plan = import_staff_csv(session, GOOD.encode(), actor=ACTOR, deactivate_missing=True)
        session.commit()
        assert (len(plan.create), len(plan.update), len(plan.deactivate), plan.unchanged) == (0, 0, 0, 3)
        assert event_count(session) == events

    def test_changes_update_and_missing_people_are_deactivated_with_their_sessions(
        self, client: TestClient[Litestar], session: Session, org: Org, groups: None
    ) -> None:
        import_staff_csv(session, GOOD.encode(), actor=ACTOR)
        hand_made = make_user(session, "handmade@example.org")
        session.commit()
        cy = session.execute(select(User).where(col(User.employee_number) == "1003")).scalar_one()
        from maturity.auth.services import hash_password

        cy.password_hash = hash_password("correct horse battery")
        session.commit()
        login(client, "cy@uni.example")
        changed = GOOD.replace("Ada Lovelace;DEP-A1", "Ada King;DEP-A2").replace(
            "1003;cy@uni.example;Cy Dahl;DEP-B1;;\n", ""
        )
        plan = import_staff_csv(session, changed.encode(), actor=ACTOR, deactivate_missing=True)
        session.commit()
        assert [(p.employee_number, c) for p, _, c in plan.update] == [("1001", ["name", "home_unit_id"])]
        assert [p.employee_number for p in plan.deactivate] == ["1003"]
        session.expire_all()
        assert not session.get_one(User, cy.id).is_active
        assert session.get_one(User, hand_made.id).is_active  # not from the staff list: kept
        assert session.execute(select(func.count()).select_from(UserSession)).scalar_one() == 0
        assert client.get("/my-unit", follow_redirects=False).headers["location"].startswith("/login")

    def test_a_hand_made_account_with_the_same_address_is_adopted(
        self, session: Session, org: Org, groups: None, people: dict[str, User]
    ) -> None:
        text = "employee_number;email;name;unit;group\n2001;staff@example.org;Staff Person;DEP-A1;\n"
        plan = import_staff_csv(session, text.encode(), actor=ACTOR)
        session.commit()
        assert not plan.create
        assert session.get_one(User, people["staff"].id).employee_number == "2001"

    def test_headcounts_are_taken_for_a_period(self, session: Session, org: Org, groups: None) -> None:
        plan = import_staff_csv(session, GOOD.encode(), actor=ACTOR, headcount_period="2026")
        session.commit()
        counts = {
            (h.unit_id, h.period): h.headcount
            for h in session.execute(select(UnitHeadcount).where(col(UnitHeadcount.period) == "2026")).scalars()
        }
        assert counts == {(org.units["DEP-A1"].id, "2026"): 2, (org.units["DEP-B1"].id, "2026"): 1}
        assert len(plan.headcounts) == 2
        again = import_staff_csv(session, GOOD.encode(), actor=ACTOR, headcount_period="2026")
        assert again.headcounts == []

    def test_a_dry_run_writes_nothing(self, session: Session, org: Org, groups: None) -> None:
        before = (people_count(session), event_count(session))
        plan = import_staff_csv(session, GOOD.encode(), actor=ACTOR, dry_run=True, headcount_period="2026")
        session.commit()
        assert len(plan.create) == 3
        assert (people_count(session), event_count(session)) == before
        assert (
            session.execute(
                select(func.count()).select_from(UnitHeadcount).where(col(UnitHeadcount.period) == "2026")
            ).scalar_one()
            == 0
        )


HEADER = "employee_number;email;name;unit;group\n"


class TestBadFiles:
    """Each rejected with its place; nothing is written."""

    @pytest.mark.parametrize(
        ("text", "where"),
        [
            pytest.param(HEADER + "1;a@x.no;A;NOPE;\n", (2, "unit", "NOPE"), id="unknown unit"),
            pytest.param(
                HEADER + "1;a@x.no;A;DEP-A1;\n1;b@x.no;B;DEP-A1;\n",
                (3, "employee_number", "1"),
                id="duplicate employee number",
            ),
            pytest.param(
                HEADER + "1;a@x.no;A;DEP-A1;\n2;A@x.no;B;DEP-A1;\n", (3, "email", "a@x.no"), id="duplicate e-mail"
            ),
            pytest.param(HEADER + "1;not-an-address;A;DEP-A1;\n", (2, "email", "not-an-address"), id="bad e-mail"),
            pytest.param(HEADER + "1;a@x.no;A;DEP-A1;nope\n", (2, "group", "nope"), id="unknown group"),
            pytest.param(HEADER + ";a@x.no;A;DEP-A1;\n", (2, "employee_number", ""), id="no employee number"),
            pytest.param(HEADER + "1;a@x.no;;DEP-A1;\n", (2, "name", ""), id="no name"),
            pytest.param(HEADER + "1;a@x.no;A;DEP-A1;;extra\n", (2, None, None), id="a field too many"),
            pytest.param(
                "employee_number;email;name;unit\n1;a@x.no;A;DEP-A1\n", (1, "group", None), id="missing column"
            ),
            pytest.param(
                HEADER.replace("group", "group;shoe") + "1;a@x.no;A;DEP-A1;;42\n",
                (1, "shoe", None),
                id="unknown column",
            ),
        ],
    )
    def test_a_bad_row(
        self, session: Session, org: Org, groups: None, text: str, where: tuple[int, str | None, str | None]
    ) -> None:
        before = (people_count(session), event_count(session))
        problems = rejected(session, text)
        assert [(p.line, p.column, p.value) for p in problems][:1] == [where]
        assert (people_count(session), event_count(session)) == before

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            pytest.param(b"", "The file is empty.", id="empty"),
            pytest.param(b"\n\n", "The file is empty.", id="blank lines only"),
            pytest.param(HEADER.encode(), "The file has a header but no rows.", id="header only"),
            pytest.param(
                HEADER.encode() + b"1;a@x.no;A;DEP-A1;\n" * (DEFAULT_MAX_BYTES // 19 + 1),
                "The file is larger than the limit of %(limit)s MB.",
                id="over the cap",
            ),
            pytest.param(
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "The file is not a text (CSV) file.", id="binary junk"
            ),
        ],
    )
    def test_a_bad_file(self, session: Session, org: Org, groups: None, data: bytes, message: str) -> None:
        [problem] = rejected(session, data)
        assert problem.message == message

    def test_an_address_of_another_staff_list_person(self, session: Session, org: Org, groups: None) -> None:
        import_staff_csv(session, GOOD.encode(), actor=ACTOR)
        session.commit()
        [problem] = rejected(session, HEADER + "9;ada@uni.example;Someone;DEP-A1;\n")
        assert (problem.line, problem.column, problem.params["number"]) == (2, "email", "1001")

    def test_every_problem_at_once(self, session: Session, org: Org, groups: None) -> None:
        problems = rejected(session, HEADER + "1;a@x.no;A;NOPE;\n1;bad;B;DEP-A1;x\n")
        assert {(p.line, p.column) for p in problems} == {
            (2, "unit"),
            (3, "employee_number"),
            (3, "email"),
            (3, "group"),
        }


class TestPage:
    def test_check_then_import(
        self, client: TestClient[Litestar], session: Session, groups: None, people: dict[str, User]
    ) -> None:
        login(client, people["office"].email)
        files = {"file": ("staff.csv", GOOD.encode(), "text/csv")}
        token = csrf_token(client, "/users/import")
        data = {"_csrf_token": token, "headcount_period": "2026"}
        checked = client.post("/users/import", data=data, files=files, headers={"accept-language": "en"})
        assert checked.status_code == 200
        assert "3 new, 0 changed, 0 deactivated, 0 unchanged." in checked.text
        assert "Nothing has been saved yet." in checked.text
        assert people_count(session) == 3
        upload = re.search(r'name="upload" value="([^"]+)"', checked.text)
        assert upload
        assert 'name="headcount_period" value="2026"' in checked.text  # the checked options go with it
        confirm = {"_csrf_token": token, "upload": upload.group(1), "commit": "1", "headcount_period": "2026"}
        nothing = {"file": ("", b"", "application/octet-stream")}
        done = client.post("/users/import", data=confirm, files=nothing, headers={"accept-language": "en"})
        assert "Imported staff.csv: 3 new, 0 changed, 0 deactivated, 0 unchanged." in done.text
        assert people_count(session) == 6
        again = client.post("/users/import", data=confirm, files=nothing, headers={"accept-language": "en"})
        assert again.status_code == 422
        assert "The checked file has expired" in again.text  # used once

    def test_problems_are_listed_with_their_place(
        self, client: TestClient[Litestar], session: Session, groups: None, people: dict[str, User]
    ) -> None:
        login(client, people["office"].email)
        files = {"file": ("staff.csv", (HEADER + "1;a@x.no;A;NOPE;\n").encode(), "text/csv")}
        answer = client.post(
            "/users/import",
            data={"_csrf_token": csrf_token(client, "/users/import")},
            files=files,
            headers={"accept-language": "en"},
        )
        assert answer.status_code == 422
        assert "Unknown unit NOPE." in answer.text
        assert people_count(session) == 3

    def test_a_leader_may_not(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, people["leader"].email)
        assert client.get("/users/import").status_code == 403


class TestCommandLine:
    @pytest.fixture
    def url(self, backend: Backend, tmp_path: Path) -> str:
        url = backend.fresh_url()
        units = tmp_path / "units.csv"
        units.write_text(ORG_CSV)
        assert self.run(url, "units", "import", str(units)).exit_code == 0  # type: ignore[attr-defined]
        return url

    @staticmethod
    def run(url: str, *args: str) -> object:
        env = {"MATURITY_DATABASE_URL": url, "MATURITY_MODE": None, "MATURITY_SECRET_KEY": None}
        return CliRunner(env=env, catch_exceptions=False).invoke(main, list(args))

    def test_people_import(self, url: str, tmp_path: Path) -> None:
        staff = tmp_path / "staff.csv"
        staff.write_text(GOOD.replace(";academic;", ";;").replace(";admin;", ";;"))
        dry = self.run(url, "people", "import", str(staff), "--dry-run")
        assert dry.exit_code == 0, dry.output  # type: ignore[attr-defined]
        assert "3 people would be created" in dry.output  # type: ignore[attr-defined]
        database = Database.from_url(url)
        try:
            with database.session() as s:
                assert people_count(s) == 0
            done = self.run(url, "people", "import", str(staff), "--headcount-period", "2026")
            assert "3 people were created" in done.output  # type: ignore[attr-defined]
            with database.session() as s:
                assert people_count(s) == 3
                roles = s.execute(select(RoleAssignment.role)).scalars().all()
                assert roles == [Role.STAFF] * 3
        finally:
            database.dispose()

    def test_a_bad_file_names_the_place_and_changes_nothing(self, url: str, tmp_path: Path) -> None:
        staff = tmp_path / "staff.csv"
        staff.write_text(HEADER + "1;a@x.no;A;NOPE;\n")
        result = self.run(url, "people", "import", str(staff))
        assert result.exit_code == 1  # type: ignore[attr-defined]
        assert "line 2, column unit, value 'NOPE': Unknown unit NOPE." in result.output  # type: ignore[attr-defined]
