"""Invitations and their links: one single-use link per person (only its hash is kept), further
links minted later, staff lists, the links file and the invitation mails."""

import csv
import hashlib
import hmac
import io
import secrets
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event
from maturity.csvio import read_csv
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, Problem
from maturity.mail import send_mail
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from surveys.models import (
    Invitation,
    InvitationToken,
    RespondentGroup,
    Survey,
    SurveyRound,
)
from surveys.rounds import round_unit_ids


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resume_key(secret: str, token: str) -> str:
    """Finds a response again from its link token. Keyed, and unlike ``token_hash``, so the stored
    invitation and the stored response cannot be matched without the token itself."""
    return hmac.new(secret.encode(), b"response:" + token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Invitee:
    email: str
    unit_code: str
    group_code: str | None = None
    line: int | None = None


def invite(
    session: Session, survey_round: SurveyRound, invitees: Sequence[Invitee], *, actor: Actor
) -> list[tuple[Invitation, str]]:
    """One single-use link per person, all or none; returns each invitation with its token (shown once)."""
    problems: list[Problem] = []
    allowed = round_unit_ids(session, survey_round)
    units = {u.code: u for u in session.execute(select(OrgUnit)).scalars()}
    groups = {g.code: g for g in session.execute(select(RespondentGroup)).scalars()}
    already = set(
        session.execute(select(col(Invitation.email)).where(col(Invitation.round_id) == survey_round.id)).scalars()
    )
    seen: set[str] = set()
    for person in invitees:
        email = person.email.strip().lower()
        if "@" not in email or len(email) > 254:
            problems.append(
                Problem(
                    N_("%(value)s is not an e-mail address."),
                    {"value": email},
                    column="email",
                    value=email,
                    line=person.line,
                )
            )
        elif email in seen or email in already:
            problems.append(
                Problem(
                    N_("%(value)s is invited twice."), {"value": email}, column="email", value=email, line=person.line
                )
            )
        seen.add(email)
        unit = units.get(person.unit_code)
        if unit is None or unit.id not in allowed:
            problems.append(
                Problem(
                    N_("Unknown unit %(value)s."),
                    {"value": person.unit_code},
                    column="unit",
                    value=person.unit_code,
                    line=person.line,
                )
            )
        if person.group_code and person.group_code not in groups:
            problems.append(
                Problem(
                    N_("Unknown group %(value)s."),
                    {"value": person.group_code},
                    column="group",
                    value=person.group_code,
                    line=person.line,
                )
            )
    if problems:
        raise InvalidInput(problems)
    assert survey_round.id is not None
    out = []
    for person in invitees:
        token = secrets.token_urlsafe(24)
        group = groups.get(person.group_code) if person.group_code else None
        invitation = Invitation(
            round_id=survey_round.id,
            token_hash=token_hash(token),
            email=person.email.strip().lower(),
            unit_id=units[person.unit_code].id,
            group_id=group.id if group else None,
        )
        session.add(invitation)
        out.append((invitation, token))
    session.flush()
    record_event(session, actor, "invite", survey_round, label=survey_round.name_en, after={"invitations": len(out)})
    return out


def find_invitation(session: Session, token: str) -> Invitation | None:
    """The invitation a link token belongs to: its first link, or one minted later."""
    digest = token_hash(token)
    invitation = session.execute(select(Invitation).where(col(Invitation.token_hash) == digest)).scalars().first()
    if invitation is None:
        invitation = (
            session.execute(
                select(Invitation)
                .join(InvitationToken, col(InvitationToken.invitation_id) == col(Invitation.id))
                .where(col(InvitationToken.token_hash) == digest)
            )
            .scalars()
            .first()
        )
    return invitation


def mint_token(session: Session, invitation: Invitation) -> str:
    """A further link to the invitation (the first one cannot be rebuilt: only its hash is kept).
    The earlier links keep working."""
    assert invitation.id is not None
    token = secrets.token_urlsafe(24)
    session.add(InvitationToken(token_hash=token_hash(token), invitation_id=invitation.id))
    session.flush()
    return token


STAFF_COLUMNS = ["email", "unit", "group"]
STAFF_ALIASES = {"e-post": "email", "epost": "email", "enhet": "unit", "gruppe": "group"}


def invite_from_csv(
    session: Session, survey_round: SurveyRound, data: bytes, *, actor: Actor
) -> list[tuple[Invitation, str]]:
    """A staff list (email, unit, group) → one single-use link each; every problem located, all or nothing."""
    table = read_csv(data, required=["email", "unit"], optional=["group"], aliases=STAFF_ALIASES)
    invitees = [
        Invitee(row.get("email"), row.get("unit"), row.get("group") or None, line=row.line) for row in table.rows
    ]
    return invite(session, survey_round, invitees, actor=actor)


def answer_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def links_csv(session: Session, issued: Sequence[tuple[Invitation, str]], base_url: str) -> str:
    """The personal links, once: only their hashes are kept."""
    units = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples().all())
    groups = dict(session.execute(select(col(RespondentGroup.id), col(RespondentGroup.code))).tuples().all())
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["email", "unit", "group", "link"])
    for invitation, token in issued:
        group = groups.get(invitation.group_id, "") if invitation.group_id else ""
        writer.writerow([invitation.email, units.get(invitation.unit_id, ""), group, answer_link(base_url, token)])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class MailResult:
    sent: int
    failed: int  # not sent: the mail server refused (they are tried again later)


def invitation_mail(survey: Survey, survey_round: SurveyRound, link: str) -> tuple[str, str]:
    """The subject and body of an invitation, in both languages (we do not know which they read)."""
    closes = survey_round.closes_at.astimezone(ZoneInfo("Europe/Oslo")).strftime("%d.%m.%Y %H:%M")
    body = (
        f"{survey.title_nb}\n\n{survey.intro_nb}\n\nDin personlige lenke: {link}\n"
        f"Undersøkelsen er åpen til {closes}. Ikke del lenken: den er din.\n\n"
        "— English —\n\n"
        f"{survey.title_en}\n\n{survey.intro_en}\n\nYour personal link: {link}\n"
        f"The survey is open until {closes} (Norwegian time). Do not share the link: it is yours.\n"
    )
    return f"{survey.title_nb} / {survey.title_en}", body


def send_invitations(
    session: Session,
    settings: Settings,
    survey_round: SurveyRound,
    invitation_ids: Sequence[int],
    *,
    limit: int | None = None,
) -> MailResult:
    """E-mail each of these invitations not mailed yet (at most ``limit`` of them) a link of its
    own. The link is a new one (``mint_token``): the first was handed out in the links file and
    only its hash is kept; both lead to the same answers. Stops at the first mail-server error,
    keeping the mails already sent (``sent_at``)."""
    survey = session.get_one(Survey, survey_round.survey_id)
    statement = (
        select(Invitation)
        .where(
            col(Invitation.id).in_(list(invitation_ids)),
            col(Invitation.round_id) == survey_round.id,
            col(Invitation.sent_at).is_(None),
        )
        .order_by(col(Invitation.id))
        .with_for_update(skip_locked=True)  # PostgreSQL: another task mailing them is left alone
    )
    due = list(session.execute(statement.limit(limit) if limit else statement).scalars().all())
    sent = 0
    for invitation in due:
        subject, body = invitation_mail(
            survey, survey_round, answer_link(settings.base_url, mint_token(session, invitation))
        )
        try:
            send_mail(settings, to=invitation.email, subject=subject, body=body)
        except (OSError, smtplib.SMTPException):
            break
        invitation.sent_at = utcnow()
        session.add(invitation)
        sent += 1
    session.flush()
    return MailResult(sent=sent, failed=len(due) - sent)
