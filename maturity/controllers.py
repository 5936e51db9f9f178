"""The home page, the administration page and the health check."""

import anyio.to_thread
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from maturity.administration import RECENT_DAYS, administration
from maturity.audit.services import ACTION_LABELS, OBJECT_LABELS
from maturity.auth.services import scope_for
from maturity.db import Database, utcnow
from maturity.guards import current_user, requires_strategy_office
from maturity.home import HomeContext, home_tasks
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from maturity.web import locale_of, render


class HomeController(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="home", sync_to_thread=True)
    def home(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        """A visitor's welcome; a person's to-do list from every package (``maturity.home``)."""
        user = current_user(request)
        if user is None:
            return render(request, "maturity/pages/home.html", {"home_unit": None, "tasks": []})
        home_unit = db_session.get(OrgUnit, user.home_unit_id) if user.home_unit_id is not None else None
        context = HomeContext(
            db_session, user, scope_for(user), locale_of(request), utcnow(), request.app.route_reverse
        )
        tasks = home_tasks(context, request.app.state.home_sources)
        return render(request, "maturity/pages/home.html", {"home_unit": home_unit, "tasks": tasks})

    @get("/accessibility", name="accessibility", sync_to_thread=False)
    def accessibility(self, request: HTMXRequest, settings: NamedDependency[Settings]) -> Template:
        """The accessibility statement (tilgjengelighetserklæring), for everyone, logged in or not."""
        context = {
            "statement_url": settings.accessibility_statement_url,
            "feedback": settings.accessibility_feedback,
        }
        return render(request, "maturity/pages/accessibility.html", context)

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


class AdministrationController(Controller):
    path = "/admin"
    guards = [requires_strategy_office]
    include_in_schema = False

    @get("/", name="admin.index", sync_to_thread=True)
    def index(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        """People, API tokens and the audit log at a glance, with the way to each."""
        context = {
            "admin": administration(db_session, utcnow()),
            "recent_days": RECENT_DAYS,
            "action_labels": ACTION_LABELS,
            "object_labels": OBJECT_LABELS,
        }
        return render(request, "maturity/pages/administration.html", context)
