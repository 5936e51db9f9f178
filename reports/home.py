"""What the reports side puts on the home page: a leader's narratives still to write for the
period the dashboard shows, and the strategy office's report batches in progress."""

from urllib.parse import urlencode

from sqlalchemy import select
from sqlmodel import col

from indicators.dashboard_periods import period_choice
from indicators.strategy_tree import current_strategy
from maturity import i18n
from maturity.auth.models import Role
from maturity.home import HomeContext, HomeTask
from maturity.units.models import OrgUnit
from reports.batch_jobs import is_stale
from reports.models import BatchStatus, Narrative, ReportBatch


def report_tasks(context: HomeContext) -> list[HomeTask]:
    tasks = []
    if context.user.has_role(Role.LEADER):
        tasks += _narratives_missing(context)
    if context.user.has_role(Role.STRATEGY_OFFICE):
        tasks += _running_batches(context)
    return tasks


def _narratives_missing(context: HomeContext) -> list[HomeTask]:
    led = context.user.led_unit_ids
    strategy = current_strategy(context.session)
    if not led or strategy is None:
        return []
    session, loc = context.session, context.locale
    period = period_choice(session, strategy, context.scope, None, None, context.now).period
    written = set(
        session.execute(
            select(col(Narrative.unit_id)).where(
                col(Narrative.unit_id).in_(led), col(Narrative.period) == period, col(Narrative.text) != ""
            )
        ).scalars()
    )
    units = session.execute(
        select(OrgUnit).where(col(OrgUnit.id).in_(led - written)).order_by(col(OrgUnit.code))
    ).scalars()
    return [
        HomeTask(
            title=i18n.translate(
                loc, "Write the narrative for %(unit)s, %(period)s", unit=unit.name(loc), period=period
            ),
            href=context.url_for("reports.narrative") + "?" + urlencode({"unit": unit.code, "period": period}),
            link_text=i18n.translate(loc, "Write the narrative"),
            todo=True,
            order=25,
        )
        for unit in units
    ]


def _running_batches(context: HomeContext) -> list[HomeTask]:
    loc = context.locale
    batches = context.session.execute(
        select(ReportBatch)
        .where(col(ReportBatch.status).in_([BatchStatus.QUEUED, BatchStatus.RUNNING]))
        .order_by(col(ReportBatch.created_at).desc())
    ).scalars()
    return [
        HomeTask(
            title=i18n.translate(
                loc,
                "Report batch %(period)s: %(done)s of %(total)s reports",
                period=batch.period,
                done=i18n.number(batch.done, loc),
                total=i18n.number(batch.total, loc),
            ),
            href=context.url_for("reports.batch", batch_id=batch.id),
            link_text=i18n.translate(loc, "Show"),
            order=40,
        )
        for batch in batches
        if not is_stale(batch)
    ]
