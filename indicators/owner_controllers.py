"""The owners of a KPI's values per unit: the strategy office chooses for every unit, a leader
for the units they lead; a unit outside one's reach is 404."""

from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.kpi_owners import check_editor, owner_rows, set_owner
from indicators.models import Kpi
from indicators.strategy_tree import get_kpi
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.errors import InvalidInput, Problem
from maturity.guards import requires_leader
from maturity.web import flash, redirect, render, t


class KpiOwnerController(Controller):
    path = "/kpis/{code:str}/owners"
    guards = [requires_leader]
    include_in_schema = False

    @get("/", name="kpis.owners", sync_to_thread=True)
    def show(
        self,
        request: HTMXRequest,
        code: FromPath[str],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Template:
        return self._page(request, db_session, user, get_kpi(db_session, code))

    def _page(
        self,
        request: HTMXRequest,
        session: Session,
        user: User,
        kpi: Kpi,
        failed: str = "",
        problems: list[Problem] | None = None,
        status_code: int = 200,
    ) -> Template:
        check_editor(user)
        context = {"kpi": kpi, "rows": owner_rows(session, user, kpi), "failed": failed, "problems": problems or []}
        return render(request, "indicators/pages/kpi_owners.html", context, status_code=status_code)

    @post("/", name="kpis.set_owner", sync_to_thread=True)
    def set(
        self,
        request: HTMXRequest,
        code: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        kpi = get_kpi(db_session, code)
        unit = data.get("unit", "")
        try:
            set_owner(db_session, user, kpi, unit, data.get("owner", ""), Actor.of(user))
        except InvalidInput as exc:
            return self._page(request, db_session, user, kpi, unit, exc.problems, 422)
        flash(request, t(request, "The owner of %(unit)s is saved.", unit=unit), "success")
        return redirect(request, request.app.route_reverse("kpis.owners", code=kpi.code))
