"""The app's route table, read from a real app, and the few facts about routes that code cannot know.

Every test in tests/security walks ``routes(app)``, so a new route is covered the day it lands:
it must ask for a login (unless it is in ``PUBLIC``), refuse a POST without a CSRF token, and,
when it names a unit, answer a unit outside the reader's scope exactly like an unknown unit.

How a route says it names a unit (checked in this order):
1. a path or query parameter called ``unit``, ``unit_code`` or ``unit_id`` — nothing to do;
2. ``opt={"unit_param": "<name>"}`` on the handler, when the parameter has another name
   (``/units/{code}``);
3. a handler that asks for ``unit_scope`` (or the API's ``api_client``) but names no unit in its
   path or query — it lists or accepts units in its body — is listed in ``SCOPE_IN_BODY`` below,
   with the test that shows its scoping.

Routes guarded with ``requires_strategy_office`` (the survey builder, round administration,
report batches …) need none of this: only the strategy office, who see every unit, reach them,
and ``test_routes`` shows that a leader gets 403 there and writes nothing.
"""

from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from maturity.guards import requires_strategy_office

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNIT_PARAM_NAMES = frozenset({"unit", "unit_code", "unit_id"})
SCOPE_DEPENDENCIES = frozenset({"unit_scope", "api_client"})
RESERVED = frozenset({"request", "data", "scope", "state", "headers", "cookies", "socket", "body", "self"})

# Routes anyone may open without logging in: path template → why. Everything else must send an
# anonymous visitor to the login page (401 under /api). Keep this list short.
PUBLIC: dict[str, str] = {
    "/": "the front page greets visitors and links to the login page",
    "/healthz": "liveness and readiness for the load balancer",
    "/login": "logging in",
    "/logout": "logging out ends whatever session there is",
    "/login/oidc": "starting a sign-in with the identity provider (a POST with CSRF)",
    "/login/oidc/callback": "the identity provider sends the browser back here; state, PKCE and the ID token decide",
    "/language": "the language switch, also before logging in",
    "/glossary": "the words the figures use, in general; nothing about any unit or strategy",
    "/accessibility": "the accessibility statement (the law asks that anyone can read it and send feedback)",
    "/static/{file_path:path}": "style sheets and scripts",
    "/api/schema": "the API's OpenAPI description",
    "/api/schema/openapi.json": "the API's OpenAPI description",
    "/api/schema/{path:str}": "the API's OpenAPI description (other renderings: 404)",
}
# Answering by personal link: the link's token is the credential.
PUBLIC_PREFIXES: dict[str, str] = {"/s/{token:str}": "answering a survey by personal link"}

# Handlers that depend on the reader's unit scope but name no unit in path or query:
# (method, path template) → where their scoping is tested.
SCOPE_IN_BODY: dict[tuple[str, str], str] = {
    ("GET", "/units"): "lists the visible tree — tests/maturity/test_web.py::TestUnitScope",
    ("GET", "/api-tokens"): "lists visible units for the form — tests/maturity/auth/test_tokens.py",
    ("POST", "/api-tokens"): "units in the form — tests/maturity/auth/test_tokens.py",
    ("GET", "/kpis/export.csv"): "exports visible units only — tests/indicators/test_records.py",
    ("POST", "/kpis/import"): "units in the CSV — tests/indicators/test_records.py (outside reads like unknown)",
    ("GET", "/kpis/{code:str}"): "the grid of visible units — tests/indicators/test_pages.py",
    ("POST", "/kpis/{code:str}"): "units in the field names — tests/security/test_unit_scope.py",
    ("POST", "/api/kpi-records"): "units in the JSON body — tests/indicators/test_api.py",
    ("GET", "/surveys/rounds/{round_id:int}"): "rates per visible unit — tests/surveys/test_rates.py",
    ("POST", "/surveys/rounds/{round_id:int}/invitations"): "units in the staff list — tests/surveys/test_rates.py",
    ("POST", "/surveys/rounds/{round_id:int}/invitations/staff-list"): (
        "strategy office only; units in the form, within the round's — tests/surveys/test_staff_invitations.py"
    ),
    ("POST", "/surveys/rounds/{round_id:int}/reminders"): (
        "strategy office only; re-renders the rates of visible units — tests/surveys/test_reminders.py"
    ),
    ("GET", "/reports"): "lists the visible units' reports — tests/security/test_report_scope.py",
    ("GET", "/reports/{report_id:int}/pdf"): "a report by id, its unit in scope — tests/security/test_report_scope.py",
    (
        "GET",
        "/reports/{report_id:int}/verify",
    ): "a report by id, its unit in scope — tests/security/test_report_scope.py",
    ("POST", "/reports/narrative"): "the unit in the form — tests/security/test_report_scope.py",
}

# A value for each path parameter, so a request reaches the handler. ``code`` names different
# things under different prefixes.
SAMPLES: dict[str, str] = {
    "token_id": "1",
    "item_id": "1",
    "round_id": "1",
    "survey_id": "1",
    "question_id": "1",
    "section_id": "1",
    "report_id": "1",
    "batch_id": "1",
    "user_id": "1",
    "action_id": "1",
    "milestone_id": "1",
    "link_id": "1",
    "number": "1",
    "kind": "goal",
    "token": "no-such-link",
    "file_path": "css/app.css",
    "path": "openapi.yaml",
}
# A value for each query parameter a handler requires (it has no default), by name.
QUERY_SAMPLES: dict[str, str] = {"period": "2024", "goal": "1"}
CODE_SAMPLES: dict[str, str] = {
    "/units/": "DEP-A1",
    "/kpis/": "KSUM",
    "/updates/units/": "FAC-A",
    "/strategy/": "test-strategy",
    "/s/": "B-TEXT",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the template, e.g. /units/{code:str}
    handler: HTTPRouteHandler
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    dependencies: frozenset[str]

    def __str__(self) -> str:
        fn = getattr(self.handler.fn, "func", self.handler.fn)  # sync handlers come wrapped
        return f"{self.method} {self.path} ({fn.__module__}.{fn.__qualname__})"

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def is_public(self) -> bool:
        return self.path in PUBLIC or any(self.path == p or self.path.startswith(p + "/") for p in PUBLIC_PREFIXES)

    @property
    def unit_param(self) -> str | None:
        """The path or query parameter that names a unit, if any."""
        marked = self.handler.opt.get("unit_param")
        if marked:
            return str(marked)
        named = [p for p in (*self.path_params, *self.query_params) if p in UNIT_PARAM_NAMES]
        return named[0] if named else None

    @property
    def office_only(self) -> bool:
        """Guarded for the strategy office, who see every unit: no unit scope to keep."""
        guards = [guard for layer in self.handler.ownership_layers for guard in (layer.guards or [])]
        return requires_strategy_office in guards

    @property
    def uses_scope(self) -> bool:
        return bool(self.dependencies & SCOPE_DEPENDENCIES)

    def query(self) -> dict[str, str]:
        """Sample values for the query parameters the handler requires, except the unit's."""
        signature = self.handler.parsed_fn_signature.parameters
        required = [n for n in self.query_params if not signature[n].has_default and n != self.unit_param]
        missing = [name for name in required if name not in QUERY_SAMPLES]
        assert not missing, (
            f"{self}: no sample value for the required query parameters {missing}. Add them to QUERY_SAMPLES "
            "in tests/security/routes.py, so the generated security tests can reach the handler."
        )
        return {name: QUERY_SAMPLES[name] for name in required}

    def url(self, **values: str) -> str:
        """The path with sample values filled in (``values`` override them)."""
        url = self.path
        for name in self.path_params:
            value = values.get(name) or sample(self, name)
            url = url.replace("{" + name + ":" + _kind(self.path, name) + "}", value)
        return url


def _kind(path: str, name: str) -> str:
    start = path.index("{" + name + ":") + len(name) + 2
    return path[start : path.index("}", start)]


def sample(route: Route, name: str) -> str:
    if name == "code":
        for prefix, value in CODE_SAMPLES.items():
            if route.path.startswith(prefix) or f"/{prefix.strip('/')}/" in route.path:
                return value
    if name in SAMPLES:
        return SAMPLES[name]
    raise AssertionError(
        f"{route}: no sample value for the path parameter {name!r}. Add one to SAMPLES (or CODE_SAMPLES) "
        "in tests/security/routes.py, so the generated security tests can reach the handler."
    )


def routes(app: Litestar) -> list[Route]:
    """Every HTTP route and method of ``app``, except the automatic OPTIONS and HEAD."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path_params = tuple(route.path_parameters)
        for handler in route.route_handlers:
            methods = sorted(handler.http_methods - {"OPTIONS", "HEAD"})
            if not methods:
                continue
            signature: dict[str, Any] = handler.parsed_fn_signature.parameters
            dependencies = frozenset(signature) & frozenset(handler.resolve_dependencies())
            query = tuple(
                name
                for name in signature
                if name not in path_params and name not in dependencies and name not in RESERVED
            )
            found += [Route(m, route.path, handler, path_params, query, dependencies) for m in methods]
    return found
