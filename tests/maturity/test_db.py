"""The database layer: SQLite connection settings, UTC timestamps, and where transactions end."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.testing import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, col

from maturity.app import create_app
from maturity.auth.models import LoginFailure, User, UserSession
from maturity.db import Database
from maturity.errors import NotFound
from maturity.settings import Settings
from maturity.units.models import UnitHeadcount
from tests.conftest import BACKEND, Backend
from tests.factories import PASSWORD, csrf_token


def count(db: Database, model: type, **where: object) -> int:
    """Rows as another connection sees them: only what was committed."""
    with db.session() as fresh:
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return fresh.execute(statement).scalar_one()


class TestSqliteConnections:
    @pytest.fixture(autouse=True)
    def _sqlite_only(self, backend: Backend) -> None:
        if backend.name != "sqlite":
            pytest.skip("SQLite connection settings")

    @pytest.mark.parametrize(
        ("pragma", "expected"), [("foreign_keys", 1), ("journal_mode", "wal"), ("busy_timeout", 5000)]
    )
    def test_every_app_connection_is_set_up(self, db: Database, pragma: str, expected: object) -> None:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected

    def test_sessions_get_the_same_settings(self, db: Database) -> None:
        with db.session() as session:
            assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


class TestForeignKeys:
    def test_a_row_pointing_at_no_unit_is_refused(self, session: Session) -> None:
        session.add(UnitHeadcount(unit_id=987654, period="2025", headcount=1))
        with pytest.raises(IntegrityError):
            session.flush()


class TestUTCDateTime:
    def test_an_aware_timestamp_comes_back_as_the_same_instant_in_utc(self, db: Database) -> None:
        oslo = datetime(2025, 3, 30, 3, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Oslo"))  # just after the DST switch
        with db.transaction() as session:
            session.add(LoginFailure(key="tz", at=oslo))

        with db.session() as fresh:
            stored = fresh.execute(select(col(LoginFailure.at)).where(col(LoginFailure.key) == "tz")).scalar_one()
        assert stored == oslo
        assert stored.tzinfo is UTC
        assert stored == datetime(2025, 3, 30, 1, 30, 15, 123456, tzinfo=UTC)

    def test_comparisons_in_sql_use_the_instant(self, db: Database) -> None:
        with db.transaction() as session:
            session.add(LoginFailure(key="early", at=datetime(2025, 1, 1, 12, 0, tzinfo=UTC)))
            session.add(LoginFailure(key="late", at=datetime(2025, 1, 1, 12, 30, tzinfo=ZoneInfo("Europe/Oslo"))))
        with db.session() as fresh:
            # 12:30 in Oslo is 11:30 UTC, earlier than 12:00 UTC
            keys = fresh.execute(select(col(LoginFailure.key)).order_by(col(LoginFailure.at))).scalars().all()
        assert keys == ["late", "early"]

    def test_a_naive_timestamp_is_refused(self, session: Session) -> None:
        session.add(LoginFailure(key="naive", at=datetime(2025, 1, 1, 12, 0)))  # no tzinfo: the point of the test
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()


class TestTransaction:
    def test_it_commits_when_the_block_succeeds(self, db: Database) -> None:
        with db.transaction() as session:
            session.add(LoginFailure(key="kept"))
        assert count(db, LoginFailure, key="kept") == 1

    def test_it_rolls_back_and_reraises_when_the_block_fails(self, db: Database) -> None:
        def fail_half_way() -> None:
            with db.transaction() as session:
                session.add(LoginFailure(key="dropped"))
                session.flush()  # written, but not committed
                raise RuntimeError("half-way")

        with pytest.raises(RuntimeError, match="half-way"):
            fail_half_way()
        assert count(db, LoginFailure, key="dropped") == 0


@get("/boundary-test/{outcome:str}", sync_to_thread=True)
def write_then(outcome: FromPath[str], db_session: NamedDependency[Session]) -> Response[Any]:
    """Writes a row through the request's session, then answers as ``outcome`` says."""
    db_session.add(LoginFailure(key=f"boundary:{outcome}"))
    db_session.flush()
    match outcome:
        case "ok":
            return Response("written")
        case "found":
            return Redirect(path="/", status_code=302)
        case "see-other":
            return Redirect(path="/", status_code=303)
        case "unprocessable":
            return Response("refused", status_code=422)
        case "bad-request":
            raise HTTPException(status_code=400)
        case "not-found":
            raise NotFound(outcome)
        case _:
            raise RuntimeError("the handler failed after writing")


@get("/boundary-test-lost-connection", sync_to_thread=True)
def write_then_lose_the_connection(
    db_session: NamedDependency[Session], db: NamedDependency[Database]
) -> Response[Any]:
    """Writes a row, then PostgreSQL ends this session's connection (as in a restart) before the commit."""
    db_session.add(LoginFailure(key="boundary:lost"))
    db_session.flush()
    pid = db_session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with db.engine.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()
    return Response("written")


class TestRequestBoundary:
    @pytest.fixture
    def boundary_client(self, app: Litestar) -> TestClient[Litestar]:
        app.register(write_then)
        app.register(write_then_lose_the_connection)
        return TestClient(app, base_url="http://testserver.local")

    @pytest.mark.skipif(BACKEND != "postgresql", reason="ends a PostgreSQL connection")
    def test_a_commit_that_fails_is_answered_with_a_clear_503_and_the_next_request_works(
        self, boundary_client: TestClient[Litestar], db: Database
    ) -> None:
        with boundary_client as client:
            failed = client.get("/boundary-test-lost-connection", headers={"accept-language": "en"})
            assert failed.status_code == 503
            assert "Briefly unavailable" in failed.text
            assert failed.headers["retry-after"] == "5"
            assert count(db, LoginFailure, key="boundary:lost") == 0
            assert client.get("/boundary-test/ok").status_code == 200
        assert count(db, LoginFailure, key="boundary:ok") == 1

    @pytest.mark.parametrize(("outcome", "status"), [("ok", 200), ("found", 302), ("see-other", 303)])
    def test_a_success_or_a_redirect_commits(
        self, boundary_client: TestClient[Litestar], db: Database, outcome: str, status: int
    ) -> None:
        with boundary_client as client:
            assert client.get(f"/boundary-test/{outcome}", follow_redirects=False).status_code == status
        assert count(db, LoginFailure, key=f"boundary:{outcome}") == 1

    @pytest.mark.parametrize(
        ("outcome", "status"), [("unprocessable", 422), ("bad-request", 400), ("not-found", 404), ("crash", 500)]
    )
    def test_an_error_status_rolls_back(
        self, boundary_client: TestClient[Litestar], db: Database, outcome: str, status: int
    ) -> None:
        with boundary_client as client:
            assert client.get(f"/boundary-test/{outcome}", follow_redirects=False).status_code == status
        assert count(db, LoginFailure, key=f"boundary:{outcome}") == 0

    def test_a_login_that_redirects_keeps_its_session_row(
        self, client: TestClient[Litestar], db: Database, people: dict[str, User]
    ) -> None:
        response = client.post(
            "/login",
            data={"email": "staff@example.org", "password": PASSWORD, "_csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert count(db, UserSession, user_id=people["staff"].id) == 1

    def test_a_failed_login_keeps_no_session_but_its_failure_record(
        self, client: TestClient[Litestar], db: Database, people: dict[str, User]
    ) -> None:
        response = client.post(
            "/login",
            data={"email": "staff@example.org", "password": "not the password", "_csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        assert response.status_code == 401
        assert count(db, UserSession) == 0
        # written in a transaction of its own, so the rate limit survives the request's rollback
        assert count(db, LoginFailure, key="email:staff@example.org") == 1


class TestDatabaseUnavailable:
    @pytest.fixture
    def client(self, settings: Settings) -> Iterator[TestClient[Litestar]]:
        """The app with a database that refuses connections (nothing listens on port 1)."""
        app = create_app(settings.with_(database_url="postgresql://postgres@127.0.0.1:1/none"))
        with TestClient(app, base_url="http://testserver.local", raise_server_exceptions=False) as c:
            yield c

    def test_a_page_says_so_in_the_readers_language(self, client: TestClient[Litestar]) -> None:
        page = client.get("/s/some-link", headers={"accept-language": "en"})
        assert page.status_code == 503
        assert page.headers["retry-after"] == "5"
        assert "Briefly unavailable" in page.text
        assert "was not saved" in page.text
        assert "Traceback" not in page.text
        norsk = client.get("/s/some-link", headers={"accept-language": "nb"})
        assert "Midlertidig utilgjengelig" in norsk.text

    def test_an_autosave_gets_a_status_fragment(self, client: TestClient[Litestar]) -> None:
        saved = client.get("/s/some-link", headers={"hx-request": "true", "accept-language": "en"})
        assert saved.status_code == 503
        assert saved.text.strip() == (
            '<span class="field-error">Not saved: the service is briefly unavailable. Try again in a moment.</span>'
        )

    def test_the_api_answers_json(self, client: TestClient[Litestar]) -> None:
        response = client.get("/api/kpi-records", headers={"authorization": "Bearer mty_not-a-token"})
        assert response.status_code == 503
        assert response.json() == {"status_code": 503, "detail": "Service Unavailable"}
