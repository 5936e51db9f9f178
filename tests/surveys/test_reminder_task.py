"""Invitations and reminders as background tasks against a real SMTP server (aiosmtpd): the
server refuses a mail, the task is tried again with backoff, and no one already mailed is mailed
twice."""

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlmodel import Session, col

from maturity.audit.models import AuditEvent
from maturity.db import Database
from maturity.jobs import LocalRunner, Runtime
from maturity.settings import Settings
from surveys.models import Invitation, SurveyRound
from surveys.tasks import SEND_INVITATIONS, SEND_REMINDERS, TASKS, reminders_lock


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class FlakyMailServer:
    """Accepts mail, except that it refuses the first ``refusals`` messages after the first one."""

    refusals: int
    received: list[str] = field(default_factory=list)  # the recipients, in order
    refused: int = 0

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802  # aiosmtpd's hook name
        if self.received and self.refused < self.refusals:
            self.refused += 1
            return "451 4.3.0 Try again later"
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def mail_server() -> Iterator[tuple[FlakyMailServer, int]]:
    handler = FlakyMailServer(refusals=2)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_a_refusing_mail_server_delays_reminders_but_never_mails_anyone_twice(
    db: Database,
    session: Session,
    settings: Settings,
    open_round: SurveyRound,
    tokens: list[str],
    mail_server: tuple[FlakyMailServer, int],
    tmp_path: Path,
) -> None:
    server, port = mail_server
    smtp = settings.with_(
        smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, mail_retry_seconds=1, mail_outbox=tmp_path / "no"
    )
    runner = LocalRunner(Runtime(smtp, db), TASKS, threads=1)
    try:
        assert open_round.id is not None
        assert runner.defer(SEND_REMINDERS, lock=reminders_lock(open_round.id), round_id=open_round.id, actor="test")
        assert runner.wait_idle(120)
    finally:
        runner.close()
    assert server.refused == 2  # two tries failed, the third finished
    assert sorted(server.received) == ["a@example.org", "b@example.org"]  # each once
    session.expire_all()
    assert all(session.execute(select(Invitation.reminded_at)).scalars())
    events = session.execute(select(AuditEvent).where(col(AuditEvent.action) == "remind")).scalars().all()
    assert sum(event.after["reminders"] for event in events if event.after) == 2
    assert not (tmp_path / "no").exists()  # all by SMTP


def test_invitations_go_out_in_the_background_each_once_whatever_the_mail_server_refuses(
    db: Database,
    session: Session,
    settings: Settings,
    open_round: SurveyRound,
    tokens: list[str],
    mail_server: tuple[FlakyMailServer, int],
    tmp_path: Path,
) -> None:
    server, port = mail_server
    smtp = settings.with_(
        smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, mail_retry_seconds=1, mail_outbox=tmp_path / "no"
    )
    ids = list(session.execute(select(Invitation.id).order_by(col(Invitation.id))).scalars())
    runner = LocalRunner(Runtime(smtp, db), TASKS, threads=1)
    try:
        assert open_round.id is not None
        assert runner.defer(SEND_INVITATIONS, round_id=open_round.id, invitation_ids=ids)
        assert runner.defer(SEND_INVITATIONS, round_id=open_round.id, invitation_ids=ids)  # sent twice by mistake
        assert runner.wait_idle(120)
    finally:
        runner.close()
    assert server.refused == 2  # two tries failed, a later one finished
    assert sorted(server.received) == ["a@example.org", "b@example.org"]  # each once
    session.expire_all()
    assert all(session.execute(select(Invitation.sent_at)).scalars())
    assert not (tmp_path / "no").exists()  # all by SMTP
