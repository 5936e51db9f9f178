from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel import Session

from maturity.auth.models import User
from maturity.errors import NotFound
from maturity.guards import requires_login
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope, ancestors, as_tree, children, get_unit, headcounts, visible_units
from maturity.web import render


class UnitController(Controller):
    path = "/units"
    guards = [requires_login]
    include_in_schema = False

    @get("/", name="units.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        q: FromQuery[str] = "",
    ) -> Template:
        """The visible part of the tree; ``q`` filters by code or name (HTMX updates the list as you type)."""
        units = visible_units(db_session, unit_scope)
        tree = as_tree(units)
        query = q.strip().casefold()
        if query:
            tree = [
                node for node in tree if query in f"{node.unit.code} {node.unit.name_nb} {node.unit.name_en}".casefold()
            ]
        return render(
            request,
            "units/pages/index.html",
            {"tree": tree, "q": q.strip(), "total": len(units)},
            partial="units/partials/tree.html",
        )

    @get("/{code:str}", name="units.show", sync_to_thread=True, opt={"unit_param": "code"})
    def show(
        self,
        request: HTMXRequest,
        code: FromPath[str],
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
    ) -> Template:
        unit = get_unit(db_session, unit_scope, code)
        return render(
            request,
            "units/pages/show.html",
            {
                "unit": unit,
                "path": ancestors(db_session, unit),
                "children": children(db_session, unit, unit_scope),
                "headcounts": headcounts(db_session, unit),
            },
        )


class MyUnitController(Controller):
    path = "/my-unit"
    guards = [requires_login]
    include_in_schema = False

    @get("/", name="units.mine", sync_to_thread=True)
    def mine(
        self, request: HTMXRequest, user: NamedDependency[User], db_session: NamedDependency[Session]
    ) -> Response[Any]:
        """Staff land on their home unit's page."""
        unit = db_session.get(OrgUnit, user.home_unit_id) if user.home_unit_id is not None else None
        if unit is None:
            raise NotFound("no home unit")
        return Redirect(path=request.app.route_reverse("units.show", code=unit.code), status_code=303)
