from datetime import date

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity.audit.services import ACTION_LABELS, OBJECT_LABELS, AuditFilter, known_values, list_events
from maturity.guards import requires_strategy_office
from maturity.web import render


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class AuditController(Controller):
    path = "/audit"
    guards = [requires_strategy_office]
    include_in_schema = False

    @get("/", name="audit.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        object_type: FromQuery[str] = "",
        action: FromQuery[str] = "",
        actor: FromQuery[str] = "",
        since: FromQuery[str] = "",
        until: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Template:
        """The audit log, newest first; the filters update the list in place with HTMX."""
        flt = AuditFilter(
            object_type=object_type, action=action, actor=actor.strip(), since=_date(since), until=_date(until)
        )
        result = list_events(db_session, flt, page=page)
        types, actions = known_values(db_session)
        query = {"object_type": object_type, "action": action, "actor": actor, "since": since, "until": until}
        context = {
            "result": result,
            "types": types,
            "actions": actions,
            "query": query,
            "action_labels": ACTION_LABELS,
            "object_labels": OBJECT_LABELS,
        }
        return render(request, "audit/pages/index.html", context, partial="audit/partials/events.html")
