"""What every controller of the JSON API shares: the bearer token, the caller it names, the
language of messages, and the error answers. A controller of the API derives from ``TokenApi``."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, cast

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPI, Schema

from maturity import i18n
from maturity.auth.models import ApiToken
from maturity.auth.tokens import authenticate_token
from maturity.db import Database
from maturity.errors import N_
from maturity.forms import CODE_PATTERN, NO_CONTROL_CHARACTERS
from maturity.periods import PERIOD_PATTERN
from maturity.units.services import UnitScope
from maturity.web import error_response

_CLIENT_KEY = "maturity.api_client"
WWW_AUTHENTICATE = 'Bearer realm="Maturity API"'


class ApiError(msgspec.Struct):
    status_code: int
    detail: str


class ProblemOut(msgspec.Struct):
    path: Annotated[str | None, msgspec.Meta(description="Where: records[<index>].<field>, or a query parameter.")]
    value: str | None
    message: str


class RefusedRequest(msgspec.Struct):
    """The request does not have the shape the description states; nothing was written."""

    status_code: int
    detail: str
    problems: list[ProblemOut] = msgspec.field(default_factory=list)


# msgspec names a pattern by the pattern itself; a reader is told the rule in words.
_PATTERN_MESSAGES = {
    PERIOD_PATTERN: N_("Not a period; write 2024, 2024-S1, 2024-T2, 2024-Q3 or 2024-03."),
    CODE_PATTERN.pattern: N_("A code is letters, digits, '.', '_' or '-'."),
    NO_CONTROL_CHARACTERS: N_("This text contains an invisible control character; remove it."),
}


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


def _query_names(handler: BaseRouteHandler) -> set[str]:
    """The query parameters a handler declares (under their alias, if any)."""
    dependencies = handler.resolve_dependencies()
    names = set()
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in dependencies or name in ("request", "data", "self"):
            continue
        kwarg = field.kwarg_definition
        names.add(getattr(kwarg, "name", None) or getattr(kwarg, "query", None) or name)
    return names


async def requires_api_token(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """401 for anything but a valid ``Authorization: Bearer <token>``, before the body is even read;
    then 400 for a query parameter the operation does not describe (a misspelt filter would
    otherwise quietly match everything)."""
    client = await anyio.to_thread.run_sync(_authenticate, connection)
    cast(dict[str, Any], connection.scope)[_CLIENT_KEY] = client
    unknown = sorted(set(connection.query_params) - _query_names(handler))
    if unknown:
        raise ValidationException(
            detail="Unknown query parameter.",
            extra=[{"message": "Unknown query parameter.", "key": name, "source": "query"} for name in unknown],
        )


def provide_api_client(request: Request[Any, Any, Any]) -> ApiClient:
    """The caller, as ``requires_api_token`` found it."""
    return cast(ApiClient, cast(dict[str, Any], request.scope)[_CLIENT_KEY])


def _unauthorized(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    response = error_response(request, exc)
    response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def state_closed_bodies(openapi: OpenAPI, structs: Iterable[type[msgspec.Struct]]) -> None:
    """Say in the description what msgspec enforces: a body of these types takes no other field
    (Litestar's schema generation leaves ``forbid_unknown_fields`` out)."""
    schemas = openapi.components.schemas or {}
    for struct in structs:
        schema = schemas.get(struct.__name__)
        if isinstance(schema, Schema) and struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False


def _plain(locale: str, key: str, message: str) -> str:
    if key == "data" and message == "'data'":  # Litestar's word for a body that is not there
        return i18n.translate(locale, N_("The request has no body; send the values as JSON."))
    for pattern, said in _PATTERN_MESSAGES.items():
        if f"matching regex '{pattern}'" in message or f"matching regex '{pattern}'".replace("\\", "\\\\") in message:
            return i18n.translate(locale, said)
    return message


def _refused(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """400 naming the place of each problem Litestar's validation found (body or query)."""
    locale = api_locale(request)
    found = exc.extra if isinstance(exc.extra, list) else []
    problems = [
        ProblemOut(
            path=str(item.get("key") or "") or None,
            value=None,
            message=_plain(locale, str(item.get("key")), str(item["message"])),
        )
        for item in found
        if isinstance(item, dict) and "message" in item
    ]
    detail = f"{problems[0].path}: {problems[0].message}" if problems and problems[0].path else str(exc.detail)
    body = {**msgspec.to_builtins(RefusedRequest(400, detail, problems)), "extra": found}
    return Response(body, status_code=400, media_type="application/json")


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """A body nested deeper than the decoder goes: no request of ours nests more than three levels."""
    message = i18n.translate(api_locale(request), N_("The JSON body is nested too deeply."))
    return Response(msgspec.to_builtins(RefusedRequest(400, message)), status_code=400, media_type="application/json")


def _not_utf8(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    """JSON is UTF-8 (RFC 8259); another encoding is refused at the byte where it goes wrong."""
    message = i18n.translate(
        api_locale(request),
        N_("The body is not UTF-8 text (byte %(byte)s in a text); send JSON in UTF-8."),
        byte=f"0x{exc.object[exc.start]:02X}" if isinstance(exc.object, bytes) else "?",
    )
    return Response(msgspec.to_builtins(RefusedRequest(400, message)), status_code=400, media_type="application/json")


def api_locale(request: Request[Any, Any, Any]) -> str:
    """English unless the caller asks for Norwegian; systems read these messages, and logs are shared."""
    return i18n.negotiate(request.headers.get("accept-language"), "en")


class TokenApi(Controller):
    """A controller of the API: every route needs a valid token and may ask for ``api_client``."""

    guards = [requires_api_token]
    dependencies = {"api_client": Provide(provide_api_client, sync_to_thread=False)}
    exception_handlers = {
        NotAuthorizedException: _unauthorized,
        ValidationException: _refused,
        RecursionError: _too_deep,
        UnicodeDecodeError: _not_utf8,
    }
