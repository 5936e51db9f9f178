"""What the strategy side puts on the home page: KPI values due (a leader's units; the whole
organisation for the strategy office, with a link to the overview)."""

from datetime import UTC

from sqlalchemy import select

from indicators.overview import overdue_values
from indicators.strategy_tree import current_strategy, load_strategy_tree
from maturity import i18n
from maturity.auth.models import Role
from maturity.home import HomeContext, HomeTask
from maturity.units.models import OrgUnit

LISTED = 5  # overdue values named on the home page; the rest are one click away


def indicator_tasks(context: HomeContext) -> list[HomeTask]:
    office = context.user.has_role(Role.STRATEGY_OFFICE)
    if not office and not context.user.has_role(Role.LEADER):
        return []
    strategy = current_strategy(context.session)
    if strategy is None or strategy.id is None:
        return []
    session, loc = context.session, context.locale
    units = {u.id: u for u in session.execute(select(OrgUnit)).scalars() if u.id is not None}
    visible = set(session.execute(context.scope.unit_ids()).scalars())
    kpis = [node.kpi for node in load_strategy_tree(session, strategy.id).kpis()]
    today = context.now.astimezone(UTC).date()
    due = [o for o in overdue_values(session, kpis, units, today) if o.unit.id in visible]
    if not due:
        return []
    details = [
        i18n.translate(
            loc, "%(kpi)s for %(unit)s, %(period)s", kpi=o.kpi.tr("name", loc), unit=o.unit.name(loc), period=o.expected
        )
        for o in due[:LISTED]
    ]
    if len(due) > LISTED:
        details.append(i18n.translate(loc, "and %(count)s more", count=len(due) - LISTED))
    return [
        HomeTask(
            title=i18n.translate_plural(loc, "%(num)s KPI value is due", "%(num)s KPI values are due", len(due)),
            href=context.url_for("overview.index" if office else "kpis.index"),
            link_text=i18n.translate(loc, "Overview") if office else i18n.translate(loc, "Enter KPI values"),
            todo=True,
            details=details,
            order=20,
        )
    ]
