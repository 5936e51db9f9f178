"""The strategy office's page for API tokens: list, issue (the token is shown once), revoke."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity import i18n
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.auth.tokens import (
    MAX_NAME_LENGTH,
    check_token_request,
    get_token,
    issue_token,
    list_tokens,
    revoke_token,
    split_unit_codes,
)
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, Problem
from maturity.guards import requires_strategy_office
from maturity.units.services import UnitScope, visible_units
from maturity.web import flash, locale_of, redirect, render, t

OSLO = ZoneInfo("Europe/Oslo")
_NORWEGIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass
class ApiTokenForm:
    """The issue form as posted; checked by ``check_token_request``."""

    name: str = ""
    units: str = ""  # unit codes separated by commas or spaces
    expires: str = ""  # the day the token stops working (ISO or dd.mm.yyyy); empty: never


def parse_expiry(raw: str) -> tuple[datetime | None, list[Problem]]:
    """The start of the given day in Norwegian time, as UTC; a located problem if it is not a date."""
    raw = raw.strip()
    if not raw:
        return None, []
    try:
        match = _NORWEGIAN_DATE.match(raw)
        day = date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(raw)
    except ValueError:
        return None, [Problem(N_("Not a date; write it like 2026-12-31."), path="expires", value=raw)]
    return datetime.combine(day, time(), tzinfo=OSLO).astimezone(UTC), []


class ApiTokenController(Controller):
    path = "/api-tokens"
    guards = [requires_strategy_office]
    include_in_schema = False

    def _page(
        self,
        request: HTMXRequest,
        db_session: Session,
        unit_scope: UnitScope,
        form: ApiTokenForm,
        problems: list[Problem],
        *,
        partial: str,
        status_code: int = 200,
    ) -> Template:
        gettext = i18n.translations(locale_of(request)).ugettext
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.path or "", []).append(problem.render(gettext))
        tomorrow = utcnow().astimezone(OSLO).date() + timedelta(days=1)
        context = {
            "rows": list_tokens(db_session),
            "units": visible_units(db_session, unit_scope),
            "form": form,
            "errors": errors,
            "now": utcnow(),
            "min_expiry": tomorrow.isoformat(),
            "max_name_length": MAX_NAME_LENGTH,
        }
        return render(request, "auth/pages/api_tokens.html", context, partial=partial, status_code=status_code)

    @get("/", name="api_tokens.index", sync_to_thread=True)
    def index(
        self, request: HTMXRequest, db_session: NamedDependency[Session], unit_scope: NamedDependency[UnitScope]
    ) -> Template:
        return self._page(
            request, db_session, unit_scope, ApiTokenForm(), [], partial="auth/partials/api_token_list.html"
        )

    @post("/", name="api_tokens.issue", sync_to_thread=True, status_code=200)
    def issue(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[ApiTokenForm],
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        user: NamedDependency[User],
    ) -> Template:
        """The new token, shown on this response only; the form again with messages if anything is wrong."""
        codes = split_unit_codes(data.units)
        expires_at, problems = parse_expiry(data.expires)
        try:
            if problems:  # report the other fields too, without writing anything
                more, _ = check_token_request(db_session, name=data.name, unit_codes=codes, expires_at=None)
                raise InvalidInput(problems + more)
            token, plain = issue_token(
                db_session, name=data.name, unit_codes=codes, expires_at=expires_at, actor=Actor.of(user)
            )
        except InvalidInput as exc:
            return self._page(
                request,
                db_session,
                unit_scope,
                data,
                exc.problems,
                partial="auth/partials/api_token_form.html",
                status_code=422,
            )
        response = render(
            request,
            "auth/pages/api_token_issued.html",
            {"token": token, "plain": plain, "unit_codes": list(dict.fromkeys(codes))},
            partial="auth/partials/api_token_issued.html",
        )
        response.headers["Cache-Control"] = "no-store"  # the token must not linger in any cache
        return response

    @get("/{token_id:int}/revoke", name="api_tokens.confirm_revoke", sync_to_thread=True)
    def confirm_revoke(
        self, request: HTMXRequest, token_id: FromPath[int], db_session: NamedDependency[Session]
    ) -> Template:
        """Asks before revoking, so that the page works without JavaScript's confirm()."""
        return render(
            request, "auth/pages/api_token_revoke.html", {"row": get_token(db_session, token_id), "now": utcnow()}
        )

    @post("/{token_id:int}/revoke", name="api_tokens.revoke", sync_to_thread=True)
    def revoke(
        self,
        request: HTMXRequest,
        token_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        token = revoke_token(db_session, token_id, Actor.of(user))
        flash(
            request, t(request, "Token %(name)s is revoked; systems using it are refused.", name=token.name), "success"
        )
        return redirect(request, request.app.route_reverse("api_tokens.index"))
