"""Engine, sessions and the one-transaction-per-request boundary.

Sessions are synchronous (see ARCHITECTURE.md): the same services serve web handlers (run in
the thread pool), the command line, report worker processes and tests.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, cast

import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Session, SQLModel

from maturity.settings import normalise_database_url

# Set before any table is defined, so every constraint has a stable name that Alembic can
# drop and SQLite batch migrations can recreate.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp on every backend (SQLite would otherwise drop the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC timestamp is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            # A request's session is opened on the event loop and used in a worker thread.
            connect_args={"check_same_thread": False},
            poolclass=StaticPool if memory else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,  # survive a PostgreSQL restart without restarting the app
        pool_recycle=1800,
    )


class Database:
    """An engine and the session factory bound to it (or to one connection, in tests)."""

    def __init__(self, engine: Engine, bind: Connection | None = None) -> None:
        # Every table must be known before the first flush: a foreign key to a table of a package
        # the caller never imported (surveys → success_indicator) would not resolve otherwise.
        from maturity import all_models  # noqa: F401  # composition: registers every table

        self.engine = engine
        self.dialect = engine.dialect.name
        if bind is None:
            self._factory = sessionmaker(bind=engine, class_=Session, expire_on_commit=False)
        else:
            self._factory = sessionmaker(
                bind=bind,
                class_=Session,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
            )

    @classmethod
    def from_url(cls, url: str, *, pool_size: int = 10) -> "Database":
        return cls(make_engine(url, pool_size=pool_size))

    def session(self) -> Session:
        return self._factory()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work outside a request (CLI, workers): commit on success, else roll back."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


# --- the request boundary -------------------------------------------------------------------

_SCOPE_KEY = "maturity.db_session"
ROLLBACK_KEY = "maturity.rollback"  # set when a failure is answered with a redirect (login required)

# The ASGI scope of the request being handled, for ``commit_request_transaction``: Litestar's
# after-request hook is given the response only. Set by the request middleware, on the request's
# own task, so concurrent requests never see each other's.
_REQUEST_SCOPE: ContextVar[dict[str, Any] | None] = ContextVar("maturity.request_scope", default=None)


def bind_request_scope(scope: Any) -> Token[dict[str, Any] | None]:
    return _REQUEST_SCOPE.set(cast(dict[str, Any], scope))


def unbind_request_scope(token: Token[dict[str, Any] | None]) -> None:
    _REQUEST_SCOPE.reset(token)


def request_session(scope: Any, db: Database) -> Session:
    """The request's session, opened on first use and kept in the ASGI scope."""
    scope = cast(dict[str, Any], scope)
    session = scope.get(_SCOPE_KEY)
    if session is None:
        session = db.session()
        scope[_SCOPE_KEY] = session
    return cast(Session, session)


def without_jit(session: Session) -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction.

    The planner cannot estimate a recursive CTE (the unit tree) and guesses a hundred times too
    many rows; the inflated cost switches JIT on, whose compilation then takes seconds for an
    aggregate that runs in a fraction of one (measured in tests/benchmarks/test_scoring.py).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _succeeded(status: int, scope: dict[str, Any]) -> bool:
    return 200 <= status < 400 and not scope.get(ROLLBACK_KEY)


async def commit_request_transaction(response: Any) -> Any:
    """``after_request`` hook: commit a success's or a redirect's transaction before anything is sent.

    A failed commit (the database went away) is then an ordinary error, answered with the error
    page, and the client is never told that something was saved when it was not. Committing in
    ``before_send`` instead would be too late: once the response has started, Litestar can only
    abort, and the client gets the server's bare "Internal Server Error".
    """
    scope = _REQUEST_SCOPE.get()
    if scope is None:
        return response
    # A Response made without a status gets the handler's default later: 200, 201 or 204.
    status = getattr(response, "status_code", None) or 200
    session = scope.get(_SCOPE_KEY)
    if session is not None and session.in_transaction() and _succeeded(int(status), scope):
        await anyio.to_thread.run_sync(session.commit)
    return response


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except Exception:
        # Raising here, with the response already on its way, would replace it with a bare 500.
        # A rollback that fails has lost its connection, and the server rolls back by itself.
        if commit:
            raise
        logging.getLogger("maturity").warning("rollback failed; the connection is gone", exc_info=True)
    finally:
        session.close()


async def finish_request_transaction(message: Any, scope: Any) -> None:
    """``before_send`` hook: end the request's transaction — commit when the response is a success
    or a redirect (normally already done by ``commit_request_transaction``; what is left is at most
    a read), else roll back.

    Redirects commit too, so a plain-form POST → 302 keeps its write.
    """
    if message["type"] != "http.response.start":
        return
    state = cast(dict[str, Any], scope)
    session = state.pop(_SCOPE_KEY, None)
    if session is not None and not session.in_transaction():
        session.close()  # committed by its handler already (autosave): no database work left, no thread needed
        return
    if session is not None:
        await anyio.to_thread.run_sync(_finish, session, _succeeded(int(message["status"]), state))


async def close_request_session(scope: Any) -> None:
    """Safety net for requests that never sent a response start (client gone)."""
    session = cast(dict[str, Any], scope).pop(_SCOPE_KEY, None)
    if session is not None:
        await anyio.to_thread.run_sync(_finish, session, False)
