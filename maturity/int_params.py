"""Integers from the address that no database row can hold.

Ids are 64-bit integers in both databases. A larger number in a path or query parameter typed
``int`` names nothing, so it is answered like any unknown id — 404 — before the handler runs:
otherwise SQLite refuses to bind it (``OverflowError``, a server error) and PostgreSQL compares
it as a numeric. Checked once for every route, as the app's ``before_request`` hook; a query
parameter that declares its own upper bound (``le``/``lt``, as the API's ``offset`` does) is left
to Litestar's validation, which answers 400 with the bound.
"""

from typing import Any

from litestar import Request
from litestar.handlers import HTTPRouteHandler
from litestar.params import ParameterKwarg
from litestar.typing import FieldDefinition

from maturity.errors import NotFound

DB_INTEGERS = range(-(2**63), 2**63)


def _is_int(field: FieldDefinition) -> bool:
    if field.is_optional:
        inner = [t for t in field.inner_types if not t.is_none_type]
        return len(inner) == 1 and _is_int(inner[0])
    return field.annotation is int


def _int_query_names(handler: HTTPRouteHandler, path_params: set[str]) -> list[str]:
    """The query keys of the handler's ``int`` parameters that have no bound of their own."""
    dependencies = handler.resolve_dependencies()
    names = []
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in path_params or name in dependencies or not _is_int(field):
            continue
        kwarg = field.kwarg_definition
        if isinstance(kwarg, ParameterKwarg):
            if kwarg.header or kwarg.cookie or kwarg.le is not None or kwarg.lt is not None:
                continue
            name = kwarg.query or name
        names.append(name)
    return names


def _out_of_range(raw: str) -> bool:
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isdigit() and int(text) not in DB_INTEGERS


async def refuse_ids_beyond_the_database(request: Request[Any, Any, Any]) -> None:
    """``before_request``: a 64-bit overflow in a path or ``int`` query parameter is NotFound."""
    path_params = request.path_params
    if any(
        isinstance(value, int) and not isinstance(value, bool) and value not in DB_INTEGERS
        for value in path_params.values()
    ):
        raise NotFound(request.url.path)
    handler = request.route_handler
    if not request.query_params or not isinstance(handler, HTTPRouteHandler):
        return
    for name in _int_query_names(handler, set(path_params)):
        if any(_out_of_range(raw) for raw in request.query_params.getall(name, [])):
            raise NotFound(request.url.path)
