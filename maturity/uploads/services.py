"""Keeping an uploaded file between an import's preview and its confirmation. Every import with a
preview (KPI values, units, staff lists …) keeps the checked file here under its ``kind`` and puts
only the returned token in the confirmation form; the confirmation takes the file back, for the
same owner and kind only, within ``KEPT_FOR``. Older files are removed whenever one is kept."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from maturity.uploads.models import PendingUpload

KEPT_FOR = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class KeptFile:
    filename: str
    content: bytes


def keep_upload(session: Session, owner_id: int, kind: str, filename: str, content: bytes, *, now: datetime) -> str:
    """Keep a checked file for its owner; returns the token the confirmation form carries."""
    session.execute(delete(PendingUpload).where(col(PendingUpload.created_at) < now - KEPT_FOR))
    token = secrets.token_urlsafe(24)
    session.add(
        PendingUpload(
            token=token, owner_id=owner_id, kind=kind, filename=filename[:255], content=content, created_at=now
        )
    )
    session.flush()
    return token


def take_upload(session: Session, token: str, owner_id: int, kind: str, *, now: datetime) -> KeptFile | None:
    """The file kept under ``token`` for this owner and kind, removed from the store (the removal
    stays only if the request's transaction commits); None when there is none, or it expired."""
    upload = (
        session.execute(
            select(PendingUpload).where(
                col(PendingUpload.token) == token,
                col(PendingUpload.owner_id) == owner_id,
                col(PendingUpload.kind) == kind,
                col(PendingUpload.created_at) >= now - KEPT_FOR,
            )
        )
        .scalars()
        .first()
    )
    if upload is None:
        return None
    kept = KeptFile(upload.filename, upload.content)
    session.delete(upload)
    session.flush()
    return kept
