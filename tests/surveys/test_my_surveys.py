"""My surveys: logged-in people find their open rounds and answer without the e-mail, and the
database gains nothing that leads from them to their response in an anonymous round."""

import re
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import inspect, select
from sqlmodel import Session, col

from maturity.app import create_app
from maturity.auth.models import User, UserSession
from maturity.db import Database, metadata, utcnow
from maturity.settings import Settings
from surveys.invitations import Invitee, invite
from surveys.models import Invitation, InvitationToken, Response, ResponseInvitation, Survey, SurveyRound
from surveys.rounds import create_round
from tests.factories import csrf_token, login
from tests.surveys.conftest import ACTOR

EN = {"accept-language": "en"}


def make_round(
    session: Session, survey: Survey, name: str, *, anonymity: str = "anonymous", closed: bool = False
) -> SurveyRound:
    now = utcnow()
    result = create_round(
        session,
        survey,
        name_nb=name,
        name_en=name,
        period_label="2025",
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1) if closed else now + timedelta(days=5),
        unit_codes=["UNI"],
        anonymity=anonymity,
        actor=ACTOR,
    )
    session.commit()
    return result


@pytest.fixture
def staff_round(session: Session, people: dict[str, User], open_round: SurveyRound) -> SurveyRound:
    """The staff user is invited (by e-mail address) to the open round, with someone else."""
    invite(
        session,
        open_round,
        [Invitee("STAFF@example.org", "DEP-A1", "academic"), Invitee("other@example.org", "DEP-A2", "admin")],
        actor=ACTOR,
    )
    session.commit()
    return open_round


def start(client: TestClient[Litestar], round_id: int) -> str:
    """Press Start (a plain form) on My surveys; the link token it leads to."""
    csrf = csrf_token(client, "/my-surveys")
    response = client.post(f"/my-surveys/{round_id}/start", data={"_csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/s/([A-Za-z0-9_-]+)", response.headers["location"])
    assert match
    return match.group(1)


def answer_everything(client: TestClient[Litestar], token: str) -> None:
    csrf = csrf_token(client, f"/s/{token}/p/1")
    client.post(f"/s/{token}/p/1", data={"q-D1-L": "4", "q-D1-Q1": "5", "go": "next", "_csrf_token": csrf})
    client.post(f"/s/{token}/p/2", data={"q-D2-L": "2", "go": "next", "_csrf_token": csrf})
    done = client.post(f"/s/{token}/submit", data={"_csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303


class TestMySurveys:
    def test_it_lists_only_the_users_own_open_invitations(
        self, client: TestClient[Litestar], session: Session, survey: Survey, staff_round: SurveyRound
    ) -> None:
        not_invited = make_round(session, survey, "Not for you")
        invite(session, not_invited, [Invitee("other@example.org", "DEP-A1")], actor=ACTOR)
        closed = make_round(session, survey, "Closed round", closed=True)
        invite(session, closed, [Invitee("staff@example.org", "DEP-A1")], actor=ACTOR)
        by_account = make_round(session, survey, "By account")
        [(invitation, _)] = invite(session, by_account, [Invitee("someone.else@example.org", "DEP-A1")], actor=ACTOR)
        staff = session.execute(select(User).where(col(User.email) == "staff@example.org")).scalars().one()
        invitation.user_id = staff.id
        session.commit()

        login(client, "staff@example.org")
        page = client.get("/my-surveys", headers=EN)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "Round 1" in page.text
        assert "By account" in page.text
        assert "Not for you" not in page.text
        assert "Closed round" not in page.text
        assert "not submitted" in page.text
        assert page.text.count('action="/my-surveys/') == 2

        login(client, "leader@example.org")
        assert "You have no open survey right now." in client.get("/my-surveys", headers=EN).text
        client.get("/logout")

    def test_anonymous_visitors_are_sent_to_the_login(self, client: TestClient[Litestar]) -> None:
        response = client.get("/my-surveys", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")

    def test_start_answer_and_continue_without_javascript(
        self, client: TestClient[Litestar], session: Session, staff_round: SurveyRound
    ) -> None:
        login(client, "staff@example.org")
        csrf = csrf_token(client, "/my-surveys")
        before = utcnow()
        first = client.post(f"/my-surveys/{staff_round.id}/start", data={"_csrf_token": csrf}, follow_redirects=False)
        after = utcnow()
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"maturity_survey_{staff_round.id}=")
        assert "Path=/my-surveys" in cookie
        assert "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower()
        assert "Secure" not in cookie  # the test settings serve plain http
        max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))  # type: ignore[union-attr]
        # the cookie expires when the round closes (its age counted at some moment of the request)
        assert (staff_round.closes_at - after).total_seconds() - 120 < max_age
        assert max_age <= (staff_round.closes_at - before).total_seconds()
        token = first.headers["location"].removeprefix("/s/")
        assert token not in cookie.split(";")[0].split(".")[-1]  # the value is signed, not just the token

        answer_everything(client, token)
        page = client.get("/my-surveys", headers=EN)
        assert "submitted" in page.text
        assert f'href="/my-surveys/{staff_round.id}/continue"' in page.text
        back = client.get(f"/my-surveys/{staff_round.id}/continue", follow_redirects=False)
        assert back.status_code == 303
        assert back.headers["location"] == f"/s/{token}"
        assert "Your own profile" in client.get(back.headers["location"], headers=EN).text
        # pressing Start again with the cookie leads to the same link, minting nothing
        assert start(client, staff_round.id) == token
        assert len(session.execute(select(InvitationToken)).scalars().all()) == 1

    def test_the_cookie_is_secure_when_cookies_are(
        self, settings: Settings, db: Database, session: Session, staff_round: SurveyRound
    ) -> None:
        app = create_app(settings.with_(secure_cookies=True), db=db)
        with TestClient(app, base_url="https://testserver.local") as client:
            login(client, "staff@example.org")
            csrf = csrf_token(client, "/my-surveys")
            started = client.post(
                f"/my-surveys/{staff_round.id}/start", data={"_csrf_token": csrf}, follow_redirects=False
            )
            assert started.status_code == 303
            assert "Secure" in started.headers["set-cookie"]

    def test_the_cookie_belongs_to_one_user_and_cannot_be_forged(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], staff_round: SurveyRound
    ) -> None:
        login(client, "staff@example.org")
        token = start(client, staff_round.id)
        name = f"maturity_survey_{staff_round.id}"
        value = client.cookies.get(name, path="/my-surveys")
        assert value
        client.cookies.set(
            name, value.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B")), path="/my-surveys"
        )
        page = client.get("/my-surveys", headers=EN)
        assert "/continue" not in page.text
        refused = client.get(f"/my-surveys/{staff_round.id}/continue", headers=EN)
        assert "This browser does not hold your link to that survey any more." in refused.text

        # another person in the same browser never gets the first one's link
        client.cookies.set(name, value, path="/my-surveys")
        invite(session, staff_round, [Invitee("leader@example.org", "FAC-A")], actor=ACTOR)
        session.commit()
        login(client, "leader@example.org")
        assert "/continue" not in client.get("/my-surveys", headers=EN).text
        assert start(client, staff_round.id) != token

    def test_someone_not_invited_cannot_start_and_a_closed_round_says_so(
        self, client: TestClient[Litestar], session: Session, survey: Survey, staff_round: SurveyRound
    ) -> None:
        login(client, "leader@example.org")
        csrf = csrf_token(client, "/my-surveys")
        assert client.post(f"/my-surveys/{staff_round.id}/start", data={"_csrf_token": csrf}).status_code == 404
        closed = make_round(session, survey, "Closed", closed=True)
        invite(session, closed, [Invitee("leader@example.org", "FAC-A")], actor=ACTOR)
        session.commit()
        assert client.post(f"/my-surveys/{closed.id}/start", data={"_csrf_token": csrf}).status_code == 410
        assert session.execute(select(InvitationToken)).scalars().all() == []

    def test_after_submitting_with_the_email_link_my_surveys_starts_no_second_response(
        self, client: TestClient[Litestar], session: Session, staff_round: SurveyRound
    ) -> None:
        invitation = (
            session.execute(select(Invitation).where(col(Invitation.email) == "staff@example.org")).scalars().one()
        )
        invitation.used = True  # as after submitting with the link from the e-mail
        session.commit()
        login(client, "staff@example.org")
        page = client.get("/my-surveys", headers=EN)
        assert "To change your answers, open the link you answered with." in page.text
        csrf = csrf_token(client, "/my-surveys")
        assert client.post(f"/my-surveys/{staff_round.id}/start", data={"_csrf_token": csrf}).status_code == 409

    def test_confidential_rounds_show_started_and_continue_the_same_response(
        self, client: TestClient[Litestar], session: Session, survey: Survey, people: dict[str, User]
    ) -> None:
        confidential = make_round(session, survey, "Confidential", anonymity="confidential")
        invite(session, confidential, [Invitee("staff@example.org", "DEP-A1")], actor=ACTOR)
        session.commit()
        login(client, "staff@example.org")
        token = start(client, confidential.id)
        client.get(f"/s/{token}")
        assert "started, not submitted" in client.get("/my-surveys", headers=EN).text
        client.cookies.clear()  # another browser: a new link, the same answers
        login(client, "staff@example.org")
        other = start(client, confidential.id)
        assert other != token
        client.get(f"/s/{other}")
        session.expire_all()
        assert len(session.execute(select(Response)).scalars().all()) == 1
        assert len(session.execute(select(ResponseInvitation)).scalars().all()) == 1


class TestNoLinkInAnonymousRounds:
    def test_after_a_my_surveys_session_nothing_stored_leads_from_the_user_to_the_response(
        self, client: TestClient[Litestar], session: Session, db: Database, staff_round: SurveyRound
    ) -> None:
        login(client, "staff@example.org")
        for login_row in session.execute(select(UserSession)).scalars():
            login_row.last_seen_at = utcnow() - timedelta(hours=1)  # any request that may touch it, would
        session.commit()
        seen_before = session.execute(select(UserSession.last_seen_at)).scalars().all()
        token = start(client, staff_round.id)
        answer_everything(client, token)
        session.expire_all()

        # the schema: nothing leads from a response to an invitation, a token or a person
        inspector = inspect(db.engine)
        assert {fk["referred_table"] for fk in inspector.get_foreign_keys("response")} == {
            "survey_round",
            "org_unit",
            "respondent_group",
        }
        for table in metadata.tables.values():
            referred = {fk.column.table.name for fk in table.foreign_keys}
            if "response" in referred:
                assert table.name in ("answer", "response_invitation")
        token_columns = {c["name"] for c in inspector.get_columns("invitation_token")}
        assert token_columns == {"token_hash", "invitation_id"}  # no time, no sequence number

        # the data: the one response, reachable from nothing the user or the invitation holds
        [response] = session.execute(select(Response)).scalars().all()
        assert response.status == "submitted"
        assert session.execute(select(ResponseInvitation)).scalars().all() == []
        with db.engine.connect() as connection:
            for table in metadata.tables.values():
                dumped = " ".join(map(str, connection.execute(select(table)).all()))
                assert token not in dumped, table.name  # the link itself is kept nowhere
                if table.name != "response":
                    assert response.resume_hash not in dumped, table.name
        # the login was not touched by My surveys or by answering: no time to line up
        assert session.execute(select(UserSession.last_seen_at)).scalars().all() == seen_before
        client.get("/")  # other pages do refresh it
        session.expire_all()
        assert session.execute(select(UserSession.last_seen_at)).scalars().all() != seen_before
        invitation = (
            session.execute(select(Invitation).where(col(Invitation.email) == "staff@example.org")).scalars().one()
        )
        assert invitation.used is True
        assert invitation.sent_at is None
        assert invitation.reminded_at is None
