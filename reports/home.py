"""What the reports side puts on the home page: a leader's narratives still to write for the
period the dashboard shows, and the strategy office's report batches in progress."""

from urllib.parse import urlencode

from sqlalchemy import select
from sqlmodel import col

from indicators.strategy_tree import current_strategy
from maturity import i18n
from maturity.auth.models import Role
from maturity.home import HomeContext, HomeTask
from reports.batch_jobs import is_stale
from reports.models import BatchStatus, ReportBatch
from reports.owed import my_updates, narrative_period, narratives_missing


def report_tasks(context: HomeContext) -> list[HomeTask]:
    tasks = _updates_overdue(context)
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
    period = narrative_period(session, strategy, context.scope, context.now)
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
        for unit in narratives_missing(session, set(led), period)
    ]


def _updates_overdue(context: HomeContext) -> list[HomeTask]:
    """Everyone owing something overdue that no other card of the home page names already (a
    leader's and the office's KPI values due and a leader's narratives have their own): how
    much, and the way to My updates."""
    user = context.user
    owed = my_updates(context.session, user, context.now)
    values_shown = user.has_role(Role.LEADER) or user.has_role(Role.STRATEGY_OFFICE)
    narratives_shown = user.has_role(Role.LEADER)
    overdue = (
        len(owed.actions)
        + (0 if values_shown else sum(v.overdue(owed.today) for v in owed.values))
        + (0 if narratives_shown else sum(n.overdue(owed.today) for n in owed.narratives))
    )
    if not overdue:
        return []
    loc = context.locale
    return [
        HomeTask(
            title=i18n.translate_plural(loc, "%(num)s update is overdue", "%(num)s updates are overdue", overdue),
            href=context.url_for("updates.mine"),
            link_text=i18n.translate(loc, "My updates"),
            todo=True,
            order=15,
        )
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
