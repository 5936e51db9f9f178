"""Route guards. Anonymous → 401 (the error handler sends them to the login page); logged in
without the role → 403."""

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from maturity.auth.models import Role, User

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    user = connection.scope.get("user")
    return user if isinstance(user, User) else None


def requires_login(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise NotAuthorizedException()


def requires_role(*roles: Role) -> Guard:
    """Any one of ``roles`` admits; the strategy office is admitted everywhere."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = current_user(connection)
        if user is None:
            raise NotAuthorizedException()
        if not any(user.has_role(role) for role in (*roles, Role.STRATEGY_OFFICE)):
            raise PermissionDeniedException()

    guard.__name__ = "requires_" + "_or_".join(r.value for r in roles)
    return guard


requires_leader = requires_role(Role.LEADER)
requires_strategy_office = requires_role(Role.STRATEGY_OFFICE)
