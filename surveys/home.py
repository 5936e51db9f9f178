"""What the survey side puts on a person's home page: open surveys to answer and published
results (everyone with an invitation or a unit), the response rates of open rounds (leaders: their
units as bars, the strategy office: every open round)."""

from sqlalchemy import select
from sqlmodel import col

from maturity import i18n
from maturity.auth.models import Role
from maturity.charts import RateRow, rates_chart
from maturity.disclosure import Visibility
from maturity.home import HomeContext, HomeTask
from surveys.mine import my_rounds
from surveys.models import Survey, SurveyRound
from surveys.rates import rate_lines, rate_words, rates_bars, response_rates, shown_rate
from surveys.results import closed_rounds_of

RECENT_RESULTS = 1  # the latest published results on the home page; earlier rounds are one click away


def survey_tasks(context: HomeContext) -> list[HomeTask]:
    tasks = _my_surveys(context) + _my_results(context)
    if context.user.has_role(Role.STRATEGY_OFFICE):
        tasks += _open_rounds_for_office(context)
    elif context.user.has_role(Role.LEADER):
        tasks += _open_rounds_for_leader(context)
    return tasks


def _open_rounds(context: HomeContext) -> list[tuple[SurveyRound, Survey]]:
    now = context.now
    rows = context.session.execute(
        select(SurveyRound, Survey)
        .join(Survey, col(Survey.id) == col(SurveyRound.survey_id))
        .where(col(SurveyRound.opens_at) <= now, col(SurveyRound.closes_at) > now, col(SurveyRound.closed_at).is_(None))
        .order_by(col(SurveyRound.closes_at))
    ).tuples()
    return list(rows)


def _my_surveys(context: HomeContext) -> list[HomeTask]:
    loc, tasks = context.locale, []
    for mine in my_rounds(context.session, context.user, now=context.now):
        if mine.status == "submitted":
            continue
        tasks.append(
            HomeTask(
                title=i18n.translate(
                    loc,
                    "Answer the survey %(survey)s (open until %(date)s)",
                    survey=mine.survey.tr("title", loc),
                    date=i18n.day(mine.survey_round.closes_at, loc, "long"),
                ),
                href=context.url_for("my_surveys.index"),
                link_text=i18n.translate(loc, "My surveys"),
                todo=True,
                order=10,
            )
        )
    return tasks


def _my_results(context: HomeContext) -> list[HomeTask]:
    unit_id = context.user.home_unit_id
    if unit_id is None:
        return []
    loc = context.locale
    closed = closed_rounds_of(context.session, unit_id, now=context.now)
    return [
        HomeTask(
            title=i18n.translate(
                loc,
                "Results published: %(survey)s, %(round)s",
                survey=c.survey.tr("title", loc),
                round=c.survey_round.tr("name", loc),
            ),
            href=context.url_for("results.round", round_id=c.survey_round.id),
            link_text=i18n.translate(loc, "Results for my unit"),
            order=60 + index,
        )
        for index, c in enumerate(closed[:RECENT_RESULTS])
    ]


def _open_rounds_for_leader(context: HomeContext) -> list[HomeTask]:
    """Each open round with units of the leader's: their response rates as bars (counts of fewer
    than k are not shown, as on the round's page)."""
    loc, tasks = context.locale, []
    for survey_round, survey in _open_rounds(context):
        rows, _ = response_rates(context.session, survey_round, context.scope)
        lines = rate_lines(rows)
        if not lines:
            continue
        tasks.append(
            HomeTask(
                title=i18n.translate(
                    loc,
                    "Response rates of your units: %(survey)s, %(round)s",
                    survey=survey.tr("title", loc),
                    round=survey_round.tr("name", loc),
                ),
                href=context.url_for("surveys.round", round_id=survey_round.id),
                link_text=i18n.translate(loc, "Show round"),
                chart=rates_bars(lines, loc),
                order=30,
            )
        )
    return tasks


def _open_rounds_for_office(context: HomeContext) -> list[HomeTask]:
    """Every open round's overall response rate (its target units), a bar each."""
    loc = context.locale
    rounds = _open_rounds(context)
    if not rounds:
        return []
    rows = []
    for survey_round, survey in rounds:
        units, _ = response_rates(context.session, survey_round, context.scope)
        tops = [unit for unit in units if unit.node.depth == 0]
        submitted, headcount = sum(t.submitted for t in tops), sum(t.headcount for t in tops)
        shown = shown_rate(submitted, headcount, Visibility.SHOWN, k=survey_round.min_group_size, exact=True)
        rows.append(
            RateRow(
                f"{survey.tr('title', loc)}: {survey_round.tr('name', loc)}",
                None if shown.rate is None else 100 * shown.rate,
                rate_words(shown, headcount, loc),
            )
        )
    return [
        HomeTask(
            title=i18n.translate(loc, "Open survey rounds and their response rates"),
            href=context.url_for("surveys.index"),
            link_text=i18n.translate(loc, "Surveys"),
            chart=rates_chart(rows, loc),
            order=30,
        )
    ]
