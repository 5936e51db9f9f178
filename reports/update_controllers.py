"""My updates (what the signed-in person owes: KPI values, follow-up of courses of action,
narratives), and the strategy office's view of what each unit owes, with a request by e-mail."""

from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.actions import STATUS_LABELS
from indicators.scorecard import EVERYTHING
from maturity.audit.services import Actor
from maturity.auth.models import Role, User
from maturity.db import utcnow
from maturity.guards import requires_login, requires_strategy_office
from maturity.settings import Settings
from maturity.units.services import get_unit
from maturity.web import flash, redirect, render, t
from reports.owed import missing_by_unit, my_updates
from reports.update_reminders import request_updates


class UpdatesController(Controller):
    path = "/updates"
    guards = [requires_login]
    include_in_schema = False

    @get("/", name="updates.mine", sync_to_thread=True)
    def mine(self, request: HTMXRequest, db_session: NamedDependency[Session], user: NamedDependency[User]) -> Template:
        owed = my_updates(db_session, user, utcnow())
        return render(
            request,
            "reports/pages/my_updates.html",
            {"owed": owed, "status_labels": STATUS_LABELS, "office": user.has_role(Role.STRATEGY_OFFICE)},
        )

    @get("/units", name="updates.units", guards=[requires_strategy_office], sync_to_thread=True)
    def units(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        return render(request, "reports/pages/missing_updates.html", {"rows": missing_by_unit(db_session, utcnow())})

    @post("/units/{code:str}/request", name="updates.request", guards=[requires_strategy_office], sync_to_thread=True)
    def request_unit(
        self,
        request: HTMXRequest,
        code: FromPath[str],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Response[Any]:
        found = get_unit(db_session, EVERYTHING, code)  # the office sees every unit
        result = request_updates(db_session, settings, found, now=utcnow(), actor=Actor.of(user))
        if result.failed:
            flash(
                request,
                t(request, "The mail server refused: %(sent)s requests sent, the rest not.", sent=result.sent),
                "error",
            )
        elif result.sent:
            flash(request, t(request, "Requests sent to %(count)s people.", count=result.sent), "success")
        else:
            flash(
                request, t(request, "Nobody owes anything for %(unit)s now: no request sent.", unit=found.code), "info"
            )
        return redirect(request, request.app.route_reverse("updates.units"))
