"""Reminders of the updates people owe, through the same mail path as survey reminders.

Each person owing something overdue, or due within ``update_reminder_days_before`` days, gets one
mail listing it, at most once per ``update_reminder_interval_hours`` (``update_reminder`` keeps
when each person was last reminded). The strategy office can also ask one unit's people for what
they owe for that unit (``request_updates``), whenever it likes."""

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from indicators.owed_values import OwedValue, owed_values
from indicators.strategy_tree import current_strategy
from maturity import i18n
from maturity.audit.services import Actor, record_event
from maturity.auth.models import User
from maturity.errors import N_
from maturity.mail import send_mail
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from reports.models import UpdateReminder
from reports.owed import MyUpdates, action_units, my_updates, people_owing


@dataclass(frozen=True, slots=True)
class RemindResult:
    sent: int
    failed: int  # the mail server refused; left for the next run


def mail_body(owed: MyUpdates, locale: str, link: str) -> str:
    """The list of what is owed, in the person's language, overdue items said to be so."""
    lines = [i18n.translate(locale, "You have updates to give in Maturity:"), ""]
    today = owed.today
    for v in owed.values:
        state = i18n.translate(locale, "OVERDUE, was due") if v.overdue(today) else i18n.translate(locale, "due")
        lines.append(
            "- "
            + i18n.translate(
                locale,
                "KPI value %(kpi)s for %(unit)s, %(period)s: %(state)s %(date)s",
                kpi=f"{v.kpi.code} {v.kpi.tr('name', locale)}",
                unit=v.unit.name(locale),
                period=v.period,
                state=state,
                date=i18n.day(v.due, locale),
            )
        )
    for a in owed.actions:
        lines.append(
            "- "
            + i18n.translate(
                locale,
                "Follow-up of course of action %(action)s: OVERDUE",
                action=f"{a.action.code} {a.action.tr('title', locale)}",
            )
        )
    for n in owed.narratives:
        state = i18n.translate(locale, "OVERDUE, was due") if n.overdue(today) else i18n.translate(locale, "due")
        lines.append(
            "- "
            + i18n.translate(
                locale,
                "Narrative for %(unit)s, %(period)s: %(state)s %(date)s",
                unit=n.unit.name(locale),
                period=n.period,
                state=state,
                date=i18n.day(n.due, locale),
            )
        )
    lines += ["", i18n.translate(locale, "Everything you owe: %(link)s", link=link)]
    return "\n".join(lines) + "\n"


def _send(settings: Settings, person: User, owed: MyUpdates, subject: str) -> None:
    locale = person.locale or settings.default_locale
    link = settings.base_url.rstrip("/") + "/updates/"
    send_mail(settings, to=person.email, subject=i18n.translate(locale, subject), body=mail_body(owed, locale, link))


def send_update_reminders(
    session: Session,
    settings: Settings,
    *,
    now: datetime,
    actor: Actor,
    limit: int | None = None,
    audit: bool = True,
    values: list[OwedValue] | None = None,
    nothing_due: set[int] | None = None,
) -> RemindResult:
    """One mail to each person owing something overdue or due soon and not reminded within the
    interval (at most ``limit`` mails). Stops at the first mail-server error, keeping the
    reminders already sent; ``audit=False`` leaves the audit event to the caller. A run of
    several calls works out once what they share: ``values``, the values owed
    (``owed_values_now``), and ``nothing_due``, the people found to owe nothing due yet (their
    ids are added as they are found, and later calls skip them)."""
    if values is None:
        values = owed_values_now(session, now)
    if values is None:
        return RemindResult(0, 0)
    last = {r.user_id: r for r in session.execute(select(UpdateReminder)).scalars()}
    since = now - timedelta(hours=settings.update_reminder_interval_hours)
    sent = failed = 0
    for person in people_owing(session, values):
        earlier = last.get(person.id or 0)
        if earlier is not None and earlier.reminded_at > since:
            continue
        if nothing_due is not None and person.id in nothing_due:
            continue
        owed = my_updates(session, person, now, values).due_within(settings.update_reminder_days_before)
        if owed.empty:
            if nothing_due is not None and person.id is not None:
                nothing_due.add(person.id)
            continue
        if limit is not None and sent >= limit:
            break
        try:
            _send(settings, person, owed, N_("Updates you owe in Maturity"))
        except (OSError, smtplib.SMTPException):
            failed += 1
            break
        row = earlier or UpdateReminder(user_id=person.id or 0, reminded_at=now)
        row.reminded_at = now
        session.add(row)
        session.flush()
        sent += 1
    if sent and audit:
        record_update_reminders(session, actor, sent)
    return RemindResult(sent, failed)


def owed_values_now(session: Session, now: datetime) -> list[OwedValue] | None:
    """Every KPI value owed now under the current strategy; None without one."""
    strategy = current_strategy(session, now.date())
    if strategy is None or strategy.id is None:
        return None
    return owed_values(session, strategy, now.date())


def record_update_reminders(session: Session, actor: Actor, sent: int) -> None:
    record_event(session, actor, "remind", object_type="update_reminder", label="updates", after={"reminders": sent})


def request_updates(
    session: Session, settings: Settings, unit: OrgUnit, *, now: datetime, actor: Actor
) -> RemindResult:
    """Mail each person owing something for the unit what they owe for it, now."""
    values = owed_values_now(session, now)
    if values is None:
        return RemindResult(0, 0)
    responsible = action_units(session)
    sent = failed = 0
    for person in people_owing(session, values):
        owed = my_updates(session, person, now, values).only_unit(unit.id or 0, responsible)
        if owed.empty:
            continue
        try:
            _send(settings, person, owed, N_("Updates asked for by the strategy office"))
        except (OSError, smtplib.SMTPException):
            failed += 1
            break
        sent += 1
    record_event(
        session, actor, "remind", unit, label=f"updates {unit.code}", after={"requests": sent}, unit_id=unit.id
    )
    return RemindResult(sent, failed)
