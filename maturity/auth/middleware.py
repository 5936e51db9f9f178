"""Per request: who is logged in and which language they read, before any handler runs."""

from typing import Any, cast
from urllib.parse import urlsplit

import anyio.to_thread
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from maturity import i18n
from maturity.auth.models import User
from maturity.auth.services import user_for_session
from maturity.db import Database, bind_request_scope, request_session, unbind_request_scope
from maturity.settings import Settings
from maturity.web import (
    CSP_KEY,
    DEFAULT_LOCALE_KEY,
    FLASH_COOKIE,
    FLASH_IN_KEY,
    LOCALE_COOKIE,
    LOCALE_KEY,
    SECRET_KEY,
    SECURE_KEY,
    VIEWER_KEY,
    Viewer,
    content_security_policy,
    decode_flash,
    request_cookies,
)

SESSION_COOKIE = "maturity_session"
UNTOUCHED_PATHS = ("/s/", "/my-surveys")


class RequestContextMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        issuer = urlsplit(settings.oidc_issuer)
        # The sign-in provider's origin may follow our forms (its login page, its logout page).
        self.csp = (
            content_security_policy([f"{issuer.scheme}://{issuer.netloc}"]).encode("latin-1")
            if settings.oidc_enabled
            else None
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        state = cast(dict[str, Any], scope)
        headers = Headers.from_scope(scope)
        cookies = request_cookies(headers)
        state[SECRET_KEY] = self.settings.secret_key
        state[SECURE_KEY] = self.settings.secure_cookies
        if self.csp:
            state[CSP_KEY] = self.csp
        user: User | None = None
        token = cookies.get(SESSION_COOKIE)
        if token:
            session = request_session(scope, self.db)
            # Answering (and starting from My surveys) never writes the login's last-seen time, so
            # no stored time lines a person up with an anonymous response's.
            touch = not scope["path"].startswith(UNTOUCHED_PATHS)
            user = await anyio.to_thread.run_sync(
                lambda: user_for_session(session, token, idle_seconds=self.settings.session_idle_seconds, touch=touch)
            )
        state["user"] = user
        state[VIEWER_KEY] = Viewer.of(user) if user is not None else None
        state["auth"] = token if user is not None else None
        state[LOCALE_KEY] = i18n.choose_locale(
            user_locale=user.locale if user else None,
            cookie_locale=cookies.get(LOCALE_COOKIE),
            accept_language=headers.get("accept-language"),
            default=self.settings.default_locale,
        )
        state[DEFAULT_LOCALE_KEY] = self.settings.default_locale
        state[FLASH_IN_KEY] = decode_flash(self.settings.secret_key, cookies.get(FLASH_COOKIE))
        bound = bind_request_scope(scope)
        try:
            await next_app(scope, receive, send)
        finally:
            unbind_request_scope(bound)
