"""What every controller of the JSON API shares: the bearer token, the caller it names, the
language of messages, and the error answers. A controller of the API derives from ``TokenApi``."""

from dataclasses import dataclass
from typing import Any, cast

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from maturity import i18n
from maturity.auth.models import ApiToken
from maturity.auth.tokens import authenticate_token
from maturity.db import Database
from maturity.units.services import UnitScope
from maturity.web import error_response

_CLIENT_KEY = "maturity.api_client"
WWW_AUTHENTICATE = 'Bearer realm="Maturity API"'


class ApiError(msgspec.Struct):
    status_code: int
    detail: str


ERRORS = {
    401: ResponseSpec(
        data_container=ApiError,
        description="No token, or a token that is unknown, revoked or expired.",
        generate_examples=False,
    ),
}
ERRORS_AND_UNKNOWN_UNIT = {
    **ERRORS,
    404: ResponseSpec(data_container=ApiError, description="The unit is not known.", generate_examples=False),
}


@dataclass(frozen=True, slots=True)
class ApiClient:
    """The caller: its token and the part of the organisation the token reaches."""

    token: ApiToken
    scope: UnitScope


def _authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> ApiClient:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthorizedException(detail="Send an API token: Authorization: Bearer <token>.")
    db = cast(Database, connection.app.state.db)
    # A transaction of its own, so that "last used" is kept when the request itself fails.
    with db.transaction() as session:
        found = authenticate_token(session, credentials.strip())
    if found is None:
        raise NotAuthorizedException(detail="The API token is unknown, revoked or expired.")
    return ApiClient(*found)


async def requires_api_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """401 for anything but a valid ``Authorization: Bearer <token>``, before the body is even read."""
    client = await anyio.to_thread.run_sync(_authenticate, connection)
    cast(dict[str, Any], connection.scope)[_CLIENT_KEY] = client


def provide_api_client(request: Request[Any, Any, Any]) -> ApiClient:
    """The caller, as ``requires_api_token`` found it."""
    return cast(ApiClient, cast(dict[str, Any], request.scope)[_CLIENT_KEY])


def _unauthorized(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    response = error_response(request, exc)
    response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def api_locale(request: Request[Any, Any, Any]) -> str:
    """English unless the caller asks for Norwegian; systems read these messages, and logs are shared."""
    return i18n.negotiate(request.headers.get("accept-language"), "en")


class TokenApi(Controller):
    """A controller of the API: every route needs a valid token and may ask for ``api_client``."""

    guards = [requires_api_token]
    dependencies = {"api_client": Provide(provide_api_client, sync_to_thread=False)}
    exception_handlers = {NotAuthorizedException: _unauthorized}
