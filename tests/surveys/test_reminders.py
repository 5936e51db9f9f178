"""Reminders: a new link to everyone who has not submitted, through the outbox; old links keep working."""

import re
import time
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import cast

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.app import create_app
from maturity.auth.models import User
from maturity.db import Database, utcnow
from maturity.errors import InvalidInput
from maturity.settings import Settings
from surveys.answering import AlreadySubmitted, open_response, reopen, save_answer, submit
from surveys.invitations import Invitee, invite, mint_token
from surveys.models import Invitation, InvitationToken, Question, Response, Survey, SurveyRound
from surveys.reminders import reminder_plan, send_reminders
from surveys.rounds import create_round
from tests.factories import csrf_token, login
from tests.surveys.conftest import ACTOR
from tests.workers import Workers

SECRET = "test-secret-" + "x" * 30
LINK = re.compile(r"http://127\.0\.0\.1:8000/s/([A-Za-z0-9_-]+)")


def question(session: Session, code: str) -> Question:
    return session.execute(select(Question).where(col(Question.code) == code)).scalars().one()


def complete(session: Session, token: str) -> None:
    r = open_response(session, token, secret=SECRET, now=utcnow())
    for code, value in (("D1-L", "3"), ("D1-Q1", "4"), ("D2-L", "2")):
        save_answer(session, r, question(session, code), [value], now=utcnow())
    submit(session, r, now=utcnow())


def outbox(folder: Path) -> list[EmailMessage]:
    """The messages in the outbox folder, parsed as a mail client would."""
    return [
        cast(EmailMessage, message_from_bytes(p.read_bytes(), policy=default)) for p in sorted(folder.glob("*.eml"))
    ]


def outbox_mails(folder: Path) -> list[str]:
    """Each message as the recipient reads it: To, Subject and the plain-text body."""
    return [f"To: {m['To']}\nSubject: {m['Subject']}\n\n{m.get_content()}" for m in outbox(folder)]


def mailed_tokens(folder: Path) -> dict[str, str]:
    """E-mail address → the link token in the mail to it (the last one, when several)."""
    out = {}
    for text in outbox_mails(folder):
        to = re.search(r"^To: (.+)$", text, re.M)
        link = LINK.search(text)
        assert to
        assert link
        out[to.group(1).strip()] = link.group(1)
    return out


def mail_env(settings: Settings) -> dict[str, str]:
    return {
        "MATURITY_MAIL_OUTBOX": str(settings.mail_outbox),
        "MATURITY_SECRET_KEY": settings.secret_key,
        "MATURITY_SMTP_HOST": settings.smtp_host,
        "MATURITY_SMTP_PORT": str(settings.smtp_port),
        "MATURITY_SMTP_STARTTLS": "on" if settings.smtp_starttls else "off",
        "MATURITY_MAIL_RETRY_SECONDS": str(settings.mail_retry_seconds),
    }


@pytest.fixture
def mail_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.with_(mail_outbox=tmp_path / "outbox", secret_key=SECRET)


class TestReminders:
    def test_only_those_not_submitted_are_reminded_and_the_new_link_works(
        self, session: Session, mail_settings: Settings, open_round: SurveyRound, tokens: list[str]
    ) -> None:
        complete(session, tokens[0])  # a@example.org has submitted
        draft = open_response(session, tokens[1], secret=SECRET, now=utcnow())  # b@ has started
        save_answer(session, draft, question(session, "D1-L"), ["5"], now=utcnow())
        plan = reminder_plan(session, mail_settings, open_round, now=utcnow())
        assert (plan.not_submitted, plan.due) == (1, 1)

        result = send_reminders(session, mail_settings, open_round, now=utcnow(), actor=ACTOR)
        assert (result.sent, result.failed) == (1, 0)
        sent = mailed_tokens(mail_settings.mail_outbox)
        assert list(sent) == ["b@example.org"]
        mail = outbox_mails(mail_settings.mail_outbox)[0]
        assert "Subject: Påminnelse: Testundersøkelse / Reminder: Test survey" in mail
        assert "if you began with an earlier link, continue with that one" in mail
        new_token = sent["b@example.org"]
        assert new_token not in tokens
        assert session.execute(select(func.count()).select_from(InvitationToken)).scalar_one() == 1

        # the old link still resumes the draft started with it
        again = open_response(session, tokens[1], secret=SECRET, now=utcnow())
        assert again.response.id == draft.response.id
        # the new link works: a new (anonymous) response for the same invitation, unit and group
        fresh = open_response(session, new_token, secret=SECRET, now=utcnow())
        assert fresh.response.id != draft.response.id
        assert fresh.invitation.id == draft.invitation.id
        assert (fresh.response.unit_id, fresh.response.group_id) == (draft.response.unit_id, draft.response.group_id)

    def test_no_one_is_reminded_twice_within_the_interval(
        self, session: Session, mail_settings: Settings, open_round: SurveyRound, tokens: list[str]
    ) -> None:
        now = utcnow()
        assert send_reminders(session, mail_settings, open_round, now=now, actor=ACTOR).sent == 2
        assert send_reminders(session, mail_settings, open_round, now=now + timedelta(hours=71), actor=ACTOR).sent == 0
        assert reminder_plan(session, mail_settings, open_round, now=now + timedelta(hours=71)).due == 0
        later = now + timedelta(hours=72)
        assert send_reminders(session, mail_settings, open_round, now=later, actor=ACTOR).sent == 2
        assert len(outbox_mails(mail_settings.mail_outbox)) == 4
        short = mail_settings.with_(reminder_interval_hours=1)
        assert reminder_plan(session, short, open_round, now=later + timedelta(hours=1)).due == 2

    def test_a_second_link_cannot_submit_a_second_response(
        self, session: Session, mail_settings: Settings, open_round: SurveyRound, tokens: list[str]
    ) -> None:
        old = open_response(session, tokens[0], secret=SECRET, now=utcnow())  # a draft with the first link
        send_reminders(session, mail_settings, open_round, now=utcnow(), actor=ACTOR)
        new_token = mailed_tokens(mail_settings.mail_outbox)["a@example.org"]
        complete(session, new_token)  # submitted with the reminder's link

        for code, value in (("D1-L", "3"), ("D1-Q1", "4"), ("D2-L", "2")):
            save_answer(session, old, question(session, code), [value], now=utcnow())
        with pytest.raises(AlreadySubmitted):
            submit(session, old, now=utcnow())
        assert old.response.status == "draft"
        # the link that submitted can reopen and submit again
        mine = open_response(session, new_token, secret=SECRET, now=utcnow())
        reopen(session, mine, now=utcnow())
        submit(session, mine, now=utcnow())
        submitted = select(func.count()).select_from(Response).where(col(Response.status) == "submitted")
        assert session.execute(submitted).scalar_one() == 1
        # a used invitation is reminded no more, and a further link of it starts nothing
        assert reminder_plan(session, mail_settings, open_round, now=utcnow() + timedelta(days=4)).not_submitted == 1
        before = session.execute(select(func.count()).select_from(Response)).scalar_one()
        with pytest.raises(AlreadySubmitted):
            open_response(session, mint_token(session, mine.invitation), secret=SECRET, now=utcnow())
        assert session.execute(select(func.count()).select_from(Response)).scalar_one() == before

    def test_confidential_reminders_say_started_and_lead_back_to_the_same_answers(
        self, session: Session, mail_settings: Settings, survey: Survey
    ) -> None:
        now = utcnow()
        confidential = create_round(
            session,
            survey,
            name_nb="K",
            name_en="C",
            period_label="2025",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=3),
            unit_codes=["UNI"],
            anonymity="confidential",
            actor=ACTOR,
        )
        issued = invite(
            session, confidential, [Invitee("c@example.org", "DEP-B1"), Invitee("d@example.org", "DEP-B1")], actor=ACTOR
        )
        started = open_response(session, issued[0][1], secret=SECRET, now=now)
        save_answer(session, started, question(session, "D1-L"), ["4"], now=now)
        send_reminders(session, mail_settings, confidential, now=now, actor=ACTOR)
        mails = {m.split("To: ")[1].split("\n")[0].strip(): m for m in outbox_mails(mail_settings.mail_outbox)}
        assert "You have started but not submitted your answers." in mails["c@example.org"]
        assert "You have started" not in mails["d@example.org"]
        assert "Here is a new personal link." in mails["d@example.org"]
        new_token = LINK.search(mails["c@example.org"])
        assert new_token
        back = open_response(session, new_token.group(1), secret=SECRET, now=now)
        assert back.response.id == started.response.id
        assert session.execute(select(func.count()).select_from(Response)).scalar_one() == 1

    def test_reminders_only_while_the_round_is_open(
        self, session: Session, mail_settings: Settings, open_round: SurveyRound, tokens: list[str]
    ) -> None:
        with pytest.raises(InvalidInput):
            send_reminders(session, mail_settings, open_round, now=open_round.closes_at, actor=ACTOR)
        assert not mail_settings.mail_outbox.exists()
        assert session.execute(select(Invitation.reminded_at)).scalars().all() == [None, None]


class TestRemindersOnTheRoundPage:
    def test_the_office_sends_reminders_from_the_round_page(
        self,
        request: pytest.FixtureRequest,
        tmp_path: Path,
        session: Session,
        db: Database,
        mail_settings: Settings,
        people: dict[str, User],
        open_round: SurveyRound,
        tokens: list[str],
    ) -> None:
        if db.dialect == "postgresql":  # a worker sends them; on SQLite, the app's own runner
            url = db.engine.url.render_as_string(hide_password=False)
            workers = Workers(url, tmp_path / "reports", env=mail_env(mail_settings))
            workers.start(1)
            request.addfinalizer(workers.stop)
        app: Litestar = create_app(mail_settings, db=db)
        with TestClient(app, base_url="http://testserver.local") as client:
            login(client, "office@example.org")
            page = client.get(f"/surveys/rounds/{open_round.id}", headers={"accept-language": "en"})
            assert "Send reminders to 2 people who have not submitted" in page.text
            csrf = csrf_token(client, f"/surveys/rounds/{open_round.id}")
            sent = client.post(
                f"/surveys/rounds/{open_round.id}/reminders",
                data={"_csrf_token": csrf},
                headers={"accept-language": "en"},
                follow_redirects=False,
            )
            assert sent.status_code == 303
            after = client.get(sent.headers["location"], headers={"accept-language": "en"})
            assert "Reminders are being sent to 2 people" in after.text
            deadline = time.monotonic() + 120
            while len(outbox_mails(mail_settings.mail_outbox)) < 2:  # in the background
                assert time.monotonic() < deadline, "the reminders were not sent"
                time.sleep(0.3)
            while (
                "No one is due for a reminder now."
                not in client.get(f"/surveys/rounds/{open_round.id}", headers={"accept-language": "en"}).text
            ):
                assert time.monotonic() < deadline, "the reminders were not recorded"
                time.sleep(0.3)
            assert len(outbox_mails(mail_settings.mail_outbox)) == 2
            new_token = mailed_tokens(mail_settings.mail_outbox)["a@example.org"]
            assert client.get(f"/s/{new_token}").status_code == 200

    def test_leaders_cannot_send_reminders(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound, tokens: list[str]
    ) -> None:
        login(client, "leader@example.org")
        csrf = csrf_token(client, f"/surveys/rounds/{open_round.id}")
        page = client.get(f"/surveys/rounds/{open_round.id}", headers={"accept-language": "en"})
        assert "Send reminders" not in page.text
        refused = client.post(f"/surveys/rounds/{open_round.id}/reminders", data={"_csrf_token": csrf})
        assert refused.status_code == 403


class TestRemindCommand:
    def test_maturity_survey_remind_writes_the_outbox(
        self, session: Session, db: Database, open_round: SurveyRound, tokens: list[str], tmp_path: Path
    ) -> None:
        from maturity.cli import main
        from surveys.cli import survey

        main.add_command(survey)
        url = db.engine.url.render_as_string(hide_password=False)
        outbox = tmp_path / "cli-outbox"
        env = {"MATURITY_DATABASE_URL": url, "MATURITY_MAIL_OUTBOX": str(outbox), "MATURITY_MODE": "development"}
        result = CliRunner().invoke(main, ["survey", "remind", str(open_round.id)], env=env)
        assert result.exit_code == 0, result.output
        assert f"Round {open_round.id}: 2 reminder(s) sent." in result.output
        assert len(list(outbox.glob("*.eml"))) == 2
        again = CliRunner().invoke(main, ["survey", "remind", str(open_round.id)], env=env)
        assert "0 reminder(s) sent." in again.output
        missing = CliRunner().invoke(main, ["survey", "remind", "9999"], env=env)
        assert missing.exit_code != 0
        assert "No survey round with id 9999." in missing.output
