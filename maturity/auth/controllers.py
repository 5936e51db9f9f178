from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity.auth.middleware import SESSION_COOKIE
from maturity.auth.models import Role
from maturity.auth.schemas import LanguageForm, LoginForm
from maturity.auth.services import (
    LoginRateLimited,
    authenticate,
    end_session,
    list_users,
    login_failure_keys,
    record_login_failure,
    set_locale,
    start_session,
)
from maturity.db import Database
from maturity.guards import current_user, requires_strategy_office
from maturity.i18n import LOCALES
from maturity.settings import Settings
from maturity.web import LOCALE_COOKIE, flash, redirect, render, safe_next, t


def _session_cookie(settings: Settings, value: str, *, max_age: int | None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=max_age,
    )


class LoginController(Controller):
    path = "/"
    include_in_schema = False

    @get("/login", name="login", sync_to_thread=False)
    def login_page(self, request: HTMXRequest, next_: FromQuery[str] = "") -> Template:
        return render(request, "auth/pages/login.html", {"form": LoginForm(next=safe_next(next_, "")), "error": None})

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
            )
        except LoginRateLimited:
            error = t(request, "Too many failed attempts. Wait a few minutes and try again.")
            return render(request, "auth/pages/login.html", {"form": form, "error": error}, status_code=429)
        if user is None:
            # The failure must outlive this request, which rolls back because it fails.
            with db.transaction() as own:
                record_login_failure(
                    own, login_failure_keys(data.email, client), window_seconds=settings.login_window_seconds
                )
            error = t(request, "The e-mail address or the password is wrong.")
            return render(request, "auth/pages/login.html", {"form": form, "error": error}, status_code=401)
        token = start_session(
            db_session,
            user,
            idle_seconds=settings.session_idle_seconds,
            previous_token=request.cookies.get(SESSION_COOKIE),
        )
        flash(request, t(request, "Welcome, %(name)s.", name=user.name), "success")
        response = redirect(request, safe_next(data.next, "/"))
        response.cookies.append(_session_cookie(settings, token, max_age=settings.session_idle_seconds))
        return response

    @post("/logout", name="logout", sync_to_thread=True)
    def logout(
        self, request: HTMXRequest, db_session: NamedDependency[Session], settings: NamedDependency[Settings]
    ) -> Response[Any]:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            end_session(db_session, token)
        flash(request, t(request, "You are logged out."), "info")
        response = redirect(request, "/login")
        response.cookies.append(_session_cookie(settings, "", max_age=0))
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


class UserController(Controller):
    path = "/users"
    guards = [requires_strategy_office]
    include_in_schema = False

    @get("/", name="users.index", sync_to_thread=True)
    def index(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        return render(request, "auth/pages/users.html", {"rows": list_users(db_session), "Role": Role})
