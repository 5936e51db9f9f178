"""Files kept between an import's preview and its confirmation (``maturity.uploads``)."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from maturity.auth.models import User
from maturity.db import utcnow
from maturity.uploads.models import PendingUpload
from maturity.uploads.services import KEPT_FOR, keep_upload, take_upload


def kept(session: Session) -> int:
    return session.execute(select(func.count()).select_from(PendingUpload)).scalar_one()


class TestKeepAndTake:
    def test_the_owner_takes_the_file_back_once(self, session: Session, people: dict[str, User]) -> None:
        owner = people["leader"].id
        assert owner is not None
        now = utcnow()
        token = keep_upload(session, owner, "kpi-values", "values.csv", b"kpi;unit\n", now=now)
        taken = take_upload(session, token, owner, "kpi-values", now=now)
        assert taken is not None
        assert (taken.filename, taken.content) == ("values.csv", b"kpi;unit\n")
        assert take_upload(session, token, owner, "kpi-values", now=now) is None
        assert kept(session) == 0

    def test_another_owner_or_kind_gets_nothing(self, session: Session, people: dict[str, User]) -> None:
        owner, other = people["leader"].id, people["office"].id
        assert owner is not None
        assert other is not None
        now = utcnow()
        token = keep_upload(session, owner, "kpi-values", "values.csv", b"x", now=now)
        assert take_upload(session, token, other, "kpi-values", now=now) is None
        assert take_upload(session, token, owner, "units", now=now) is None
        assert kept(session) == 1

    def test_an_expired_file_is_refused_and_removed_by_the_next_keep(
        self, session: Session, people: dict[str, User]
    ) -> None:
        owner = people["leader"].id
        assert owner is not None
        then = utcnow() - KEPT_FOR - timedelta(minutes=1)
        old = keep_upload(session, owner, "kpi-values", "old.csv", b"x", now=then)
        assert take_upload(session, old, owner, "kpi-values", now=utcnow()) is None
        keep_upload(session, owner, "kpi-values", "new.csv", b"y", now=utcnow())
        assert session.execute(select(PendingUpload.filename)).scalars().all() == ["new.csv"]
