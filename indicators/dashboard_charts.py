"""The dashboard's charts, drawn by ``maturity.charts`` under its one theme: per goal a bullet
chart of the goal and its indicators against expected progress and the target, the maturity
profile (the unit against its parent, the institution and the previous round), and a small
line per KPI with its target. Hidden survey figures are never passed to a chart."""

from dataclasses import dataclass

from indicators.kpi_series import Series
from indicators.measure_scores import KpiScore
from indicators.score_labels import STATUS
from indicators.scorecard import ProfileRow, Scorecard
from indicators.scores import GoalResult
from maturity import charts, i18n
from maturity.charts import BulletRow, Chart, ProfileValue

MIN_POINTS = 2  # a line needs two values; one is shown in words only


@dataclass(frozen=True, slots=True)
class KpiTile:
    """A KPI's small multiple: its score for the unit, its values over the last periods (oldest
    first), the target it is measured against, and the line (None with fewer than two values)."""

    score: KpiScore
    points: tuple[tuple[str, float], ...]
    target: float | None
    chart: Chart | None


@dataclass(frozen=True, slots=True)
class ProfileSeries:
    role: str  # unit, parent, institution, previous (``charts.ROLE_COLOURS``)
    label: str


@dataclass(frozen=True, slots=True)
class DashboardCharts:
    goals: dict[int, Chart]  # by goal id
    tiles: dict[int, list[KpiTile]]  # by goal id, in the goal's order
    profile: Chart | None
    series: tuple[ProfileSeries, ...]  # the profile chart's series, in its order


def status_row(label: str, score: float | None, status: str, locale: str) -> BulletRow:
    return BulletRow(label, score, status, i18n.translate(locale, STATUS[status][0]))


def goal_chart(goal: GoalResult, expected: float, locale: str) -> Chart:
    """The goal's own score in the first row, then its indicators by code."""
    rows = [status_row(i18n.translate(locale, "Goal"), goal.combined.score, goal.pace.status, locale)]
    rows += [status_row(i.indicator.code, i.combined.score, i.pace.status, locale) for i in goal.indicators]
    what = i18n.translate(locale, "goal %(goal)s and its indicators", goal=goal.goal.code)
    return charts.bullet_chart(rows, expected, what, locale)


def kpi_tiles(goal: GoalResult, series: Series, locale: str) -> list[KpiTile]:
    tiles = []
    for indicator in goal.indicators:
        for score in indicator.kpis:
            points = series.get(score.kpi.id or 0, ())
            target = score.target.value if score.target is not None else None
            chart = None
            if len(points) >= MIN_POINTS:
                name = f"{score.kpi.code} {score.kpi.tr('name', locale)}"
                unit = score.kpi.tr("unit", locale)
                chart = charts.kpi_trend_chart(name, points, target, unit, locale, tile=True)
            tiles.append(KpiTile(score, points, target, chart))
    return tiles


def profile_series(card: Scorecard, locale: str) -> tuple[ProfileSeries, ...]:
    """The unit, its parent (unless that is the institution), the institution and the previous
    round, each only where the round has it."""
    out = [ProfileSeries("unit", card.unit.name(locale))]
    if card.parent is not None and card.parent.id != card.institution.id:
        out.append(ProfileSeries("parent", card.parent.name(locale)))
    if card.unit.id != card.institution.id:
        out.append(ProfileSeries("institution", card.institution.name(locale)))
    previous = card.scores.previous_round
    if previous is not None:
        out.append(ProfileSeries("previous", previous.tr("name", locale)))
    return tuple(out)


def _shown(row: ProfileRow, role: str) -> float | None:
    figure = {"unit": row.unit, "parent": row.parent, "institution": row.institution, "previous": row.previous}[role]
    return figure.stats.mean if figure.shown and figure.stats is not None else None


def profile_chart(card: Scorecard, locale: str) -> tuple[Chart | None, tuple[ProfileSeries, ...]]:
    """Bars per dimension for each series with a shown figure (the whole survey is the table's)."""
    wanted = profile_series(card, locale)
    values = [
        ProfileValue(row.dimension.tr("name", locale), s.label, value)
        for row in card.profile
        if row.dimension is not None
        for s in wanted
        if (value := _shown(row, s.role)) is not None
    ]
    shown = tuple(s for s in wanted if any(v.series == s.label for v in values))
    if not values:
        return None, shown
    chart = charts.profile_chart(
        values, [s.label for s in shown], card.unit.name(locale), locale, roles=[s.role for s in shown]
    )
    return chart, shown


def dashboard_charts(card: Scorecard, series: Series, locale: str) -> DashboardCharts:
    expected = card.scores.expected
    goals = card.unit_scores.goals
    profile, shown = profile_chart(card, locale)
    return DashboardCharts(
        goals={g.goal.id or 0: goal_chart(g, expected, locale) for g in goals},
        tiles={g.goal.id or 0: kpi_tiles(g, series, locale) for g in goals},
        profile=profile,
        series=shown,
    )
