"""Dependencies every controller may ask for by name."""

from typing import Any, cast

from litestar import Request
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from sqlmodel import Session

from maturity.auth.models import User
from maturity.auth.services import scope_for
from maturity.db import Database, request_session
from maturity.guards import current_user
from maturity.jobs import JobQueue
from maturity.settings import Settings
from maturity.units.services import UnitScope


def provide_db(request: Request[Any, Any, Any]) -> Database:
    return cast(Database, request.app.state.db)


def provide_settings(request: Request[Any, Any, Any]) -> Settings:
    return cast(Settings, request.app.state.settings)


def provide_db_session(request: Request[Any, Any, Any]) -> Session:
    """The request's session; the response boundary commits it (see maturity.db)."""
    return request_session(request.scope, request.app.state.db)


def provide_user(request: Request[Any, Any, Any]) -> User:
    user = current_user(request)
    if user is None:
        raise NotAuthorizedException()
    return user


def provide_unit_scope(request: Request[Any, Any, Any]) -> UnitScope:
    return scope_for(provide_user(request))


def provide_queue(request: Request[Any, Any, Any]) -> JobQueue:
    """Where background tasks go: procrastinate's tables, or this process's local runner."""
    return cast(JobQueue, request.app.state.queue)


DEPENDENCIES = {
    "queue": Provide(provide_queue, sync_to_thread=False),
    "db": Provide(provide_db, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "db_session": Provide(provide_db_session, sync_to_thread=False),
    "user": Provide(provide_user, sync_to_thread=False),
    "unit_scope": Provide(provide_unit_scope, sync_to_thread=False),
}
