"""The web shell that every package's pages share: templates, locale, flash messages,
redirects, security headers and error pages."""

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote, urlsplit

from jinja2 import pass_context
from litestar import Request, Response
from litestar.datastructures import Cookie, Headers, MutableScopeHeaders
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from maturity import i18n
from maturity.db import ROLLBACK_KEY
from maturity.errors import N_, BadParameter, NotFound
from maturity.templating import STATIC_DIR, TEMPLATE_DIRS, configure

__all__ = ["STATIC_DIR", "TEMPLATE_DIRS"]  # where the app and tests have always found them

log = logging.getLogger("maturity")

HTMX_FILE = "vendor/htmx-2.0.10.min.js"

LOCALE_KEY = "maturity.locale"
FLASH_IN_KEY = "maturity.flash_in"
FLASH_OUT_KEY = "maturity.flash_out"
FLASH_CLEAR_KEY = "maturity.flash_clear"
FLASH_COOKIE = "maturity_flash"
LOCALE_COOKIE = "maturity_locale"
SECRET_KEY = "maturity.secret"  # noqa: S105  # the name of a scope entry, not a secret
SECURE_KEY = "maturity.secure_cookies"


DEFAULT_LOCALE_KEY = "maturity.default_locale"
VIEWER_KEY = "maturity.viewer"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is logged in, as plain values taken when the request began: what an error page shows.
    After a failed flush the session rolls back and expires the user, whose roles (``lazy="raise"``)
    could then not be read; an error page must render from what the request already knows."""

    id: int | None
    name: str
    email: str
    roles: frozenset[str]

    @classmethod
    def of(cls, user: Any) -> "Viewer":
        return cls(user.id, user.name, user.email, frozenset(str(r.role) for r in user.roles))

    def has_role(self, role: str) -> bool:
        return role in self.roles


def request_cookies(headers: Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for header in headers.getall("cookie", []):
        for part in header.split(";"):
            name, _, value = part.strip().partition("=")
            if name and name not in out:
                out[name] = value.strip('"')
    return out


def scope_locale(scope: Mapping[str, Any], default: str = "nb") -> str:
    """The reader's language. Requests that matched no route never passed the middleware, so
    their error pages decide here from the cookie and the browser."""
    if LOCALE_KEY not in scope:
        headers = Headers.from_scope(cast(Any, scope))
        cast(dict[str, Any], scope)[LOCALE_KEY] = i18n.choose_locale(
            user_locale=None,
            cookie_locale=request_cookies(headers).get(LOCALE_COOKIE),
            accept_language=headers.get("accept-language"),
            default=scope.get(DEFAULT_LOCALE_KEY, default),
        )
    return cast(str, scope[LOCALE_KEY])


def locale_of(request: Request[Any, Any, Any]) -> str:
    return scope_locale(request.scope)


def t(request: Request[Any, Any, Any], message: str, **params: object) -> str:
    """Translate for the request's reader."""
    return i18n.translate(locale_of(request), message, **params)


# --- templates ------------------------------------------------------------------------------


def _context_locale(ctx: Mapping[str, Any]) -> str:
    if "locale" in ctx:
        return cast(str, ctx["locale"])
    request = ctx.get("request")
    return scope_locale(request.scope) if request is not None else "nb"


@pass_context
def _flashes(ctx: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The flash messages waiting for this page; reading them clears them."""
    request = ctx.get("request")
    if request is None:
        return []
    scope = cast(dict[str, Any], request.scope)
    messages = scope.pop(FLASH_IN_KEY, [])
    if messages:
        scope[FLASH_CLEAR_KEY] = True
    return cast(list[tuple[str, str]], messages)


@pass_context
def _current_user(ctx: Mapping[str, Any]) -> Any:
    request = ctx.get("request")
    return request.scope.get("user") if request is not None else None


@pass_context
def _navigation(ctx: Mapping[str, Any]) -> list[Any]:
    """The navigation entries the current user may see."""
    request = ctx.get("request")
    if request is None:
        return []
    user = request.scope.get("user")
    return [item for item in request.app.state.navigation if item.visible_to(user)]


def configure_templates(engine: JinjaTemplateEngine) -> None:
    """The shared set-up (``maturity.templating``) in the request's language, and what pages add."""
    configure(engine.engine, _context_locale)
    engine.engine.globals.update(
        flashes=_flashes, current_user=_current_user, navigation=_navigation, htmx_file=HTMX_FILE
    )


def render(
    request: HTMXRequest,
    page: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status_code: int = 200,
) -> Template:
    """The full page, or with ``partial`` the fragment for an HTMX request (not a boosted one).

    The page template includes the same partial, so both show the same thing.
    """
    fragment = partial is not None and bool(request.htmx) and not request.htmx.boosted
    headers = {"Vary": "HX-Request"} if partial is not None else {}
    return Template(
        template_name=cast(str, partial) if fragment else page,
        context=context or {},
        status_code=status_code,
        headers=headers,
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after a form; anything pointing elsewhere becomes ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def redirect(request: HTMXRequest, url: str) -> Response[Any]:
    """POST → redirect → GET. An HTMX request that is not boosted is told where to go instead,
    and so is any HTMX request sent to another site (a boosted request would follow the redirect
    with a script, which the other site refuses)."""
    if request.htmx and (not request.htmx.boosted or urlsplit(url).netloc):
        response = ClientRedirect(redirect_to=url)
        response.status_code = 200  # else a POST handler's default 201 applies
        return response
    return Redirect(path=url, status_code=303)


# --- flash messages -------------------------------------------------------------------------


def flash(request: Request[Any, Any, Any], message: str, category: str = "info") -> None:
    """Show ``message`` (already translated) on the next full page this browser loads."""
    scope = cast(dict[str, Any], request.scope)
    scope.setdefault(FLASH_OUT_KEY, []).append((category, message))


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]


def encode_flash(secret: str, messages: list[tuple[str, str]]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(messages).encode())
    return f"{payload.decode()}.{_sign(secret, payload)}"


def decode_flash(secret: str, value: str | None) -> list[tuple[str, str]]:
    if not value or "." not in value:
        return []
    payload, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(secret, payload.encode())):
        return []
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return [(str(c), str(m)) for c, m in data][:10]
    except (ValueError, TypeError):
        return []


async def write_flash_cookie(message: Any, scope: Any) -> None:
    """``before_send``: carry new flash messages to the next page, or clear the shown ones."""
    if message["type"] != "http.response.start":
        return
    outgoing = scope.get(FLASH_OUT_KEY)
    if not outgoing and not scope.get(FLASH_CLEAR_KEY):
        return
    secure = bool(scope.get(SECURE_KEY, True))
    if outgoing:
        cookie = Cookie(
            key=FLASH_COOKIE,
            value=encode_flash(scope[SECRET_KEY], outgoing),
            path="/",
            httponly=True,
            secure=secure,
            samesite="lax",
            max_age=120,
        )
    else:
        cookie = Cookie(key=FLASH_COOKIE, value="", path="/", httponly=True, secure=secure, samesite="lax", max_age=0)
    MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))


# --- security headers -----------------------------------------------------------------------

CSP_KEY = "maturity.csp"


def content_security_policy(form_targets: Sequence[str] = ()) -> str:
    """The policy; ``form_targets`` are the other origins a form may lead to (the sign-in
    provider: its login page follows the sign-in form, its logout page the logout form)."""
    form_action = " ".join(["'self'", *form_targets])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


_ENCODED_SECURITY_HEADERS = [
    (name.encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()
]
_HSTS = (b"strict-transport-security", b"max-age=31536000")


async def add_security_headers(message: Any, scope: Any) -> None:
    """``before_send``: the security headers a response does not set itself (every response
    passes here, so the raw header list is extended directly), and HSTS with secure cookies."""
    if message["type"] != "http.response.start":
        return
    headers = message.get("headers")
    headers = message["headers"] = list(headers) if headers is not None else []
    present = {name.lower() for name, _ in headers}
    policy = scope.get(CSP_KEY)  # bytes: the app's own policy when it differs from the default
    headers.extend(
        (name, policy if policy and name == b"content-security-policy" else value)
        for name, value in _ENCODED_SECURITY_HEADERS
        if name not in present
    )
    if scope.get(SECURE_KEY):
        if _HSTS[0] in present:
            headers[:] = [pair for pair in headers if pair[0].lower() != _HSTS[0]]
        headers.append(_HSTS)


# --- errors ---------------------------------------------------------------------------------


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


# The database cannot be reached or is restarting, or every pooled connection is busy: the request
# may be tried again in a moment (503), nothing of it was saved.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = "5"


def error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Our own error pages in the reader's language; JSON under /api."""
    headers = dict(getattr(exc, "headers", None) or {})
    explained = ""  # a message the error page may show: only our own, already translated
    if isinstance(exc, NotFound):
        status, detail = 404, "Not Found"
    elif isinstance(exc, BadParameter):
        status, detail = 400, " ".join(t(request, p.message, **p.params) for p in exc.problems)
        explained = detail
    elif isinstance(exc, HTTPException) and exc.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        status, detail = exc.status_code, _too_large(request)
        explained = detail
    elif isinstance(exc, HTTPException):
        status, detail = exc.status_code, exc.detail
    elif isinstance(exc, DataError):
        # A value the database refuses as data — PostgreSQL takes no NUL character in text, for
        # one — is the request's fault, not a server error.
        log.info("refused as data on %s %s: %s", request.method, request.url.path, exc.orig)
        status, detail = 400, "Bad Request: a value cannot be stored (a NUL character, for example)."
    elif isinstance(exc, DATABASE_UNAVAILABLE):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, reason)
        status, detail = HTTP_503_SERVICE_UNAVAILABLE, "Service Unavailable"
        headers["retry-after"] = RETRY_AFTER_SECONDS
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        status, detail = HTTP_500_INTERNAL_SERVER_ERROR, "Internal Server Error"

    scope = cast(dict[str, Any], request.scope)
    scope[ROLLBACK_KEY] = True  # an error is never committed, even as a redirect
    if scope.get("user") is not None:
        scope["user"] = scope.get(VIEWER_KEY)  # the page renders without the (perhaps rolled back) session
    if isinstance(exc, NotAuthorizedException) and not _wants_json(request):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = f"/login?next={quote(here, safe='/')}"
        htmx = getattr(request, "htmx", None)
        if htmx:
            return ClientRedirect(redirect_to=target)
        return Redirect(path=target, status_code=303)
    if _wants_json(request):
        extra = getattr(exc, "extra", None) if status < 500 else None
        public = detail if status < 500 or status == HTTP_503_SERVICE_UNAVAILABLE else "Internal Server Error"
        body: dict[str, Any] = {"status_code": status, "detail": public}
        if extra:
            body["extra"] = extra
        return Response(content=body, status_code=status, media_type="application/json", headers=headers)
    pages = {403: "errors/403.html", 404: "errors/404.html", 429: "errors/429.html", 503: "errors/503.html"}
    template = pages.get(status) or ("errors/500.html" if status >= 500 else "errors/400.html")
    if status == HTTP_503_SERVICE_UNAVAILABLE and _is_htmx_fragment(request):
        template = "errors/503_fragment.html"  # an autosave or a polled fragment: the message goes in its place
    context = {"status": status, "explained": explained}
    return Template(template_name=template, context=context, status_code=status, headers=headers)


UPLOAD_LIMIT_OPT = "upload_limit_bytes"  # a handler's opt: the size of file its form states
DEFAULT_UPLOAD_LIMIT = 5 * 1024 * 1024
MEGABYTE = 1024 * 1024


def _too_large(request: Request[Any, Any, Any]) -> str:
    """The server's own request-size limit, said like the file checks say it, with the form's limit."""
    if _wants_json(request):
        limit = request.app.request_max_body_size
        limit = limit if isinstance(limit, int) else 0
        locale = i18n.negotiate(request.headers.get("accept-language"), "en")  # as the API's own messages
        return i18n.translate(locale, N_("The body is larger than the limit of %(limit)s MB."), limit=limit // MEGABYTE)
    handler = request.scope.get("route_handler")
    limit = int(getattr(handler, "opt", {}).get(UPLOAD_LIMIT_OPT, DEFAULT_UPLOAD_LIMIT))
    return t(request, "The file is larger than the limit of %(limit)s MB.", limit=limit // MEGABYTE)


def _is_htmx_fragment(request: Request[Any, Any, Any]) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)
