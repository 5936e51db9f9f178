"""Outgoing e-mail: SMTP when a host is configured, otherwise files in the outbox folder, so
that no mail server is needed to run or test Maturity."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from maturity.settings import Settings


def send_mail(settings: Settings, *, to: str, subject: str, body: str) -> Path | None:
    """Send one plain-text message; returns the outbox file when no SMTP host is set."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="maturity")
    message.set_content(body)
    if not settings.smtp_host:
        outbox = Path(settings.mail_outbox)
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{message['Message-ID'].strip('<>').replace('@', '_')}.eml"
        path.write_bytes(bytes(message))
        return path
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    return None
