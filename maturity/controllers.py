"""The home page and the health check."""

import anyio.to_thread
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from maturity.db import Database
from maturity.guards import current_user
from maturity.units.models import OrgUnit
from maturity.web import render


class HomeController(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="home", sync_to_thread=True)
    def home(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        user = current_user(request)
        home_unit = None
        if user is not None and user.home_unit_id is not None:
            home_unit = db_session.get(OrgUnit, user.home_unit_id)
        return render(request, "maturity/pages/home.html", {"home_unit": home_unit})

    @get("/healthz", name="healthz")
    async def healthz(self, db: NamedDependency[Database]) -> Response[dict[str, str]]:
        """Liveness and readiness: the app answers and the database does too."""
        try:
            await anyio.to_thread.run_sync(db.ping)
        except SQLAlchemyError:
            return Response(
                {"status": "error", "database": "unreachable"}, status_code=503, headers={"cache-control": "no-store"}
            )
        return Response({"status": "ok", "database": "ok"}, headers={"cache-control": "no-store"})
