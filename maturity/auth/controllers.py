from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity.auth.middleware import SESSION_COOKIE
from maturity.auth.oidc import OidcClient
from maturity.auth.schemas import LanguageForm, LoginForm
from maturity.auth.services import (
    LoginRateLimited,
    authenticate,
    end_session,
    login_failure_keys,
    record_login_failure,
    set_locale,
    start_session,
)
from maturity.db import Database
from maturity.guards import current_user
from maturity.i18n import LOCALES
from maturity.settings import Settings
from maturity.web import LOCALE_COOKIE, flash, redirect, render, safe_next, t


def session_cookie(settings: Settings, value: str, *, max_age: int | None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=max_age,
    )


def _login_page(
    request: HTMXRequest,
    settings: Settings,
    form: LoginForm,
    *,
    error: str | None = None,
    status_code: int = 200,
    show_password: bool = False,
) -> Template:
    oidc = settings.oidc_enabled
    label = settings.oidc_button_label or t(request, "Log in with Feide")
    context = {
        "form": form,
        "error": error,
        "oidc": oidc,
        "oidc_label": label,
        # Without a provider the password form is all there is; with one, it is offered when on.
        "show_password": not oidc or settings.password_login or show_password,
        "password_login": settings.password_login,
    }
    return render(request, "auth/pages/login.html", context, status_code=status_code)


class LoginController(Controller):
    path = "/"
    include_in_schema = False

    @get("/login", name="login", sync_to_thread=False)
    def login_page(
        self,
        request: HTMXRequest,
        settings: NamedDependency[Settings],
        next_: Annotated[str, QueryParameter(name="next", required=False, max_length=500)] = "",
        password: FromQuery[bool] = False,
    ) -> Template:
        """The provider's button first; the password form when it is on, or asked for (break-glass)."""
        return _login_page(request, settings, LoginForm(next=safe_next(next_, "")), show_password=password)

    @post("/login", name="login.submit", sync_to_thread=True)
    def login(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[LoginForm],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
        db: NamedDependency[Database],
    ) -> Response[Any]:
        client = request.client.host if request.client else "unknown"
        form = LoginForm(email=data.email.strip(), password="", next=safe_next(data.next, ""))
        try:
            user = authenticate(
                db_session,
                data.email,
                data.password,
                client=client,
                max_failures=settings.login_max_failures,
                window_seconds=settings.login_window_seconds,
                break_glass_only=not settings.password_login,
            )
        except LoginRateLimited:
            error = t(request, "Too many failed attempts. Wait a few minutes and try again.")
            return _login_page(request, settings, form, error=error, status_code=429, show_password=True)
        if user is None:
            # The failure must outlive this request, which rolls back because it fails.
            with db.transaction() as own:
                record_login_failure(
                    own, login_failure_keys(data.email, client), window_seconds=settings.login_window_seconds
                )
            error = t(request, "The e-mail address or the password is wrong.")
            return _login_page(request, settings, form, error=error, status_code=401, show_password=True)
        token = start_session(
            db_session,
            user,
            idle_seconds=settings.session_idle_seconds,
            previous_token=request.cookies.get(SESSION_COOKIE),
        )
        flash(request, t(request, "Welcome, %(name)s.", name=user.name), "success")
        response = redirect(request, safe_next(data.next, "/"))
        response.cookies.append(session_cookie(settings, token, max_age=settings.session_idle_seconds))
        return response

    @post("/logout", name="logout", sync_to_thread=True)
    def logout(
        self, request: HTMXRequest, db_session: NamedDependency[Session], settings: NamedDependency[Settings]
    ) -> Response[Any]:
        token = request.cookies.get(SESSION_COOKIE)
        id_token = end_session(db_session, token) if token else None
        flash(request, t(request, "You are logged out."), "info")
        target = "/login"
        client = request.app.state.get("oidc")
        if id_token and isinstance(client, OidcClient):
            # The provider's session ends too, when it offers that; it sends the browser back here.
            target = client.logout_url(id_token=id_token, back_to=settings.base_url.rstrip("/") + "/login") or target
        response = redirect(request, target)
        response.cookies.append(session_cookie(settings, "", max_age=0))
        return response

    @post("/language", name="language", sync_to_thread=True)
    def switch_language(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[LanguageForm],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        target = safe_next(data.next, "/")
        if data.locale not in LOCALES:
            return redirect(request, target)
        user = current_user(request)
        if user is not None:
            set_locale(db_session, user, data.locale)
        response = redirect(request, target)
        response.cookies.append(
            Cookie(
                key=LOCALE_COOKIE,
                value=data.locale,
                path="/",
                httponly=True,
                secure=settings.secure_cookies,
                samesite="lax",
                max_age=365 * 24 * 3600,
            )
        )
        return response
