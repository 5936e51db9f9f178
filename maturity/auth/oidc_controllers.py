"""Sign-in with OpenID Connect (Feide): the start (a POST with CSRF) and the provider's callback."""

import logging
from typing import Annotated, Any, cast

from litestar import Controller, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel import Session

from maturity.auth.controllers import session_cookie
from maturity.auth.middleware import SESSION_COOKIE
from maturity.auth.oidc import OidcClient, SignInFailed
from maturity.auth.schemas import SignInForm
from maturity.auth.services import start_session
from maturity.auth.signin import (
    FLOW_SECONDS,
    AccountConflict,
    PersonInactive,
    PersonUnknown,
    find_or_create_person,
    start_flow,
    take_flow,
)
from maturity.db import Database
from maturity.errors import NotFound
from maturity.settings import Settings
from maturity.web import flash, redirect, render, safe_next, t

log = logging.getLogger(__name__)
FLOW_COOKIE = "maturity_signin"
CALLBACK_PATH = "/login/oidc/callback"


def oidc_client(request: HTMXRequest) -> OidcClient:
    client = request.app.state.get("oidc")
    if client is None:
        raise NotFound  # sign-in with a provider is not configured here
    return cast(OidcClient, client)


def _flow_cookie(settings: Settings, value: str, *, max_age: int) -> Cookie:
    return Cookie(
        key=FLOW_COOKIE,
        value=value,
        path="/login/oidc",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",  # sent on the provider's top-level redirect back to us
        max_age=max_age,
    )


def _redirect_uri(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + CALLBACK_PATH


def refused(request: HTMXRequest, settings: Settings, message: str, *, status_code: int = 403) -> Template:
    """The page a refused sign-in ends on; the flow cookie goes with it."""
    page = render(
        request,
        "auth/pages/signin_refused.html",
        {"message": message, "contact": settings.signin_contact},
        status_code=status_code,
    )
    page.cookies.append(_flow_cookie(settings, "", max_age=0))
    return page


class SignInController(Controller):
    path = "/login/oidc"
    include_in_schema = False

    @post("/", name="login.oidc", sync_to_thread=True)
    def start(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[SignInForm],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        """Off to the provider, with state, nonce and a PKCE challenge kept for the way back."""
        client = oidc_client(request)
        flow = start_flow(db_session, next_path=safe_next(data.next, "/"))
        try:
            url = client.authorization_url(
                redirect_uri=_redirect_uri(settings),
                state=flow.state,
                nonce=flow.nonce,
                code_verifier=flow.code_verifier,
            )
        except SignInFailed as exc:
            log.warning("sign-in could not start: %s", exc.reason)
            message = t(request, "The sign-in service cannot be reached just now. Try again in a few minutes.")
            return refused(request, settings, message, status_code=503)
        response = redirect(request, url)
        response.cookies.append(_flow_cookie(settings, flow.browser_key, max_age=FLOW_SECONDS))
        return response

    @get("/callback", name="login.oidc.callback", sync_to_thread=True)
    def callback(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        code: Annotated[str, QueryParameter(name="code", required=False, max_length=2000)] = "",
        state_: Annotated[str, QueryParameter(name="state", required=False, max_length=200)] = "",
        error: Annotated[str, QueryParameter(name="error", required=False, max_length=200)] = "",
    ) -> Response[Any]:
        """Back from the provider: check everything, then start a session of ours."""
        client = oidc_client(request)
        again = t(request, "Start again from the login page.")
        # The flow is used up in a transaction of its own, so a failed callback cannot be replayed.
        with db.transaction() as own:
            flow = take_flow(own, state=state_, browser_key=request.cookies.get(FLOW_COOKIE)) if state_ else None
            next_path = flow.next_path if flow else "/"
            nonce, verifier = (flow.nonce, flow.code_verifier) if flow else ("", "")
        if error:
            # The provider answers a refusal or a cancel (some without the state): nothing to check.
            log.info("sign-in ended at the provider: %s", error)
            return refused(request, settings, t(request, "The sign-in was cancelled.") + " " + again)
        if flow is None:
            log.warning("sign-in refused: no open sign-in for this state in this browser")
            return refused(request, settings, t(request, "This sign-in has expired or was already used.") + " " + again)
        if not code:
            log.info("sign-in ended at the provider without a code")
            return refused(request, settings, t(request, "The sign-in was cancelled.") + " " + again)
        try:
            token = client.exchange_code(redirect_uri=_redirect_uri(settings), code=code, code_verifier=verifier)
            identity, _claims = client.identity(token, nonce=nonce)
        except SignInFailed as exc:
            log.warning("sign-in refused: %s", exc.reason)
            message = t(request, "The answer from the sign-in service could not be trusted, so you are not signed in.")
            return refused(request, settings, message + " " + again)
        try:
            user = find_or_create_person(db_session, settings, identity)
        except PersonUnknown:
            log.info("sign-in refused: %s is not on the staff list", identity.login_name)
            message = t(
                request, "You signed in as %(login)s, but Maturity has no account for you.", login=identity.login_name
            )
            return refused(request, settings, message)
        except PersonInactive:
            log.info("sign-in refused: %s is deactivated", identity.login_name)
            return refused(request, settings, t(request, "Your account in Maturity is deactivated."))
        except AccountConflict:
            log.warning("sign-in refused: %s conflicts with an existing account", identity.login_name)
            message = t(request, "Your sign-in does not match the account Maturity has for you.")
            return refused(request, settings, message)
        session_token = start_session(
            db_session,
            user,
            idle_seconds=settings.session_idle_seconds,
            previous_token=request.cookies.get(SESSION_COOKIE),
            id_token=token["id_token"],
        )
        flash(request, t(request, "Welcome, %(name)s.", name=user.name), "success")
        response: Response[Any] = Redirect(path=safe_next(next_path, "/"), status_code=303)
        response.cookies.append(_flow_cookie(settings, "", max_age=0))
        response.cookies.append(session_cookie(settings, session_token, max_age=settings.session_idle_seconds))
        return response
