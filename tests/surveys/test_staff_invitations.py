"""Inviting everyone in some units according to the staff list, through the invitation flow."""

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.errors import InvalidInput
from maturity.people.staff_list import import_staff_csv
from surveys.models import Invitation, Response, SurveyRound
from surveys.staff_invitations import invite_staff_of_units
from tests.factories import Org, csrf_token, login

ACTOR = Actor.system("test")
STAFF = (
    "employee_number;email;name;unit;group\n"
    "1;a1@uni.example;A One;DEP-A1;academic\n"
    "2;a2@uni.example;A Two;SEC-A2X;admin\n"
    "3;b1@uni.example;B One;DEP-B1;academic\n"
    "4;gone@uni.example;Gone;DEP-A1;\n"
)


@pytest.fixture
def staff_list(session: Session, org: Org, open_round: SurveyRound) -> None:
    import_staff_csv(session, STAFF.encode(), actor=ACTOR)
    gone = session.execute(select(User).where(col(User.email) == "gone@uni.example")).scalar_one()
    gone.is_active = False
    session.commit()


def invitations(session: Session, round_id: int | None) -> dict[str, tuple[int, int | None]]:
    session.expire_all()
    return {
        i.email: (i.unit_id, i.group_id)
        for i in session.execute(select(Invitation).where(col(Invitation.round_id) == round_id)).scalars()
    }


class TestInviteStaffOfUnits:
    def test_everyone_active_in_the_subtree_with_unit_and_group(
        self, session: Session, org: Org, open_round: SurveyRound, staff_list: None
    ) -> None:
        result = invite_staff_of_units(session, open_round, ["DEP-A2", "DEP-A1"], actor=ACTOR)
        session.commit()
        assert sorted(i.email for i, _ in result.issued) == ["a1@uni.example", "a2@uni.example"]
        made = invitations(session, open_round.id)
        assert made["a2@uni.example"][0] == org.units["SEC-A2X"].id
        assert made["a1@uni.example"][1] is not None  # academic

    def test_people_already_invited_are_left_out(
        self, session: Session, org: Org, open_round: SurveyRound, staff_list: None
    ) -> None:
        invite_staff_of_units(session, open_round, ["DEP-A1"], actor=ACTOR)
        session.commit()
        result = invite_staff_of_units(session, open_round, ["FAC-A"], actor=ACTOR)
        session.commit()
        assert [i.email for i, _ in result.issued] == ["a2@uni.example"]
        assert result.already_invited == 1
        with pytest.raises(InvalidInput, match="invited already"):
            invite_staff_of_units(session, open_round, ["FAC-A"], actor=ACTOR)

    def test_a_unit_outside_the_round_is_unknown(
        self, session: Session, org: Org, open_round: SurveyRound, staff_list: None
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            invite_staff_of_units(session, open_round, ["DEP-B1", "NOPE"], actor=ACTOR)
        assert [p.value for p in caught.value.problems] == ["DEP-B1", "NOPE"]
        assert invitations(session, open_round.id) == {}

    def test_anonymity_is_unchanged(
        self, session: Session, org: Org, open_round: SurveyRound, staff_list: None
    ) -> None:
        """The invitations are those of a file: no column of a response leads to them or to a person."""
        invite_staff_of_units(session, open_round, ["FAC-A"], actor=ACTOR)
        session.commit()
        columns = set(Response.model_fields)
        assert not columns & {"invitation_id", "user_id", "email"}


class TestThePage:
    def test_the_office_gets_the_links_once(
        self,
        client: TestClient[Litestar],
        session: Session,
        people: dict[str, User],
        open_round: SurveyRound,
        staff_list: None,
    ) -> None:
        login(client, people["office"].email)
        path = f"/surveys/rounds/{open_round.id}"
        page = client.get(path, headers={"accept-language": "en"})
        assert "Everyone in these units according to the staff list" in page.text
        answer = client.post(
            f"{path}/invitations/staff-list", data={"units": ["DEP-A1"], "_csrf_token": csrf_token(client, path)}
        )
        assert answer.status_code == 200
        lines = answer.content.decode("utf-8-sig").splitlines()
        assert lines[0] == "email;unit;group;link"
        emails = sorted(line.split(";")[0] for line in lines[1:])
        assert emails == ["a1@uni.example", "staff@example.org"]  # the fixture's staff member works in DEP-A1 too
        bad = client.post(
            f"{path}/invitations/staff-list",
            data={"units": ["DEP-B1"], "_csrf_token": csrf_token(client, path)},
            headers={"accept-language": "en"},
        )
        assert bad.status_code == 422
        assert "Unknown unit DEP-B1." in bad.text
        assert session.execute(select(func.count()).select_from(Invitation)).scalar_one() == 2

    def test_leaders_cannot(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound
    ) -> None:
        login(client, "leader@example.org")
        answer = client.post(
            f"/surveys/rounds/{open_round.id}/invitations/staff-list",
            data={"units": ["DEP-A1"], "_csrf_token": csrf_token(client, "/")},
        )
        assert answer.status_code == 403
