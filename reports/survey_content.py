"""The survey parts of the report object — maturity profile, perspectives, response rate — copied
from the scorecard's disclosed figures (``surveys.figures``): a hidden figure becomes a
``suppressed`` figure without any number."""

from indicators.scorecard import Scorecard
from maturity import i18n
from maturity.disclosure import Visibility
from maturity.maturity_model.models import Dimension
from maturity.scoring import Change
from reports.content import DimensionProfile, Figure, GroupProfile, ResponseRate
from surveys.figures import SurveyFigure


def survey_figure(figure: SurveyFigure) -> Figure:
    """A disclosed figure as the report keeps it: shown with value and n, hidden with neither."""
    if figure.visibility == Visibility.TOO_FEW:
        return Figure(suppressed=True)
    if not figure.shown:
        return Figure()
    return Figure(value=figure.mean, n=figure.n)


def dimension_name(dimension: Dimension | None, locale: str) -> str:
    return dimension.tr("name", locale) if dimension is not None else i18n.translate(locale, "All dimensions")


def profile(card: Scorecard, locale: str) -> tuple[DimensionProfile, ...]:
    """Each dimension (and the whole survey, first) for the unit, its parent, the institution
    and the previous round; without a closed round, the dimensions with no figures."""
    if not card.profile:
        model = card.scores.tree.model
        dimensions = model.dimensions if model is not None else []
        return tuple(DimensionProfile(code=d.dimension.code, name=d.dimension.tr("name", locale)) for d in dimensions)
    return tuple(
        DimensionProfile(
            code=row.dimension.code if row.dimension is not None else "",
            name=dimension_name(row.dimension, locale),
            overall=row.dimension is None,
            unit=survey_figure(row.unit),
            parent=survey_figure(row.parent) if card.parent is not None else Figure(),
            institution=survey_figure(row.institution),
            previous=survey_figure(row.previous),
            trend=str(Change(row.trend.change)),
        )
        for row in card.profile
    )


def perspectives(card: Scorecard, locale: str) -> tuple[GroupProfile, ...]:
    """Dimension scores per respondent group, for the groups disclosure shows (at least one figure)."""
    out = []
    for index, group in enumerate(card.groups):
        figures = tuple(survey_figure(row.groups[index]) for row in card.perspectives)
        if not any(f.value is not None for f in figures):
            continue
        overall = next((f for f, row in zip(figures, card.perspectives, strict=True) if row.dimension is None), None)
        out.append(GroupProfile(group=group.tr("name", locale), n=overall.n if overall else None, scores=figures))
    return tuple(out)


def response_rate(card: Scorecard) -> ResponseRate:
    """Submitted responses in the unit's subtree against its headcount in the round's year."""
    survey = card.scores.survey
    if survey is None or card.unit.id is None:
        return ResponseRate()
    headcount = survey.headcounts.get(card.unit.id)
    below_k = card.participation.k if card.participation is not None and card.participation.below_k else None
    return ResponseRate(responses=card.submitted, headcount=headcount or None, rate=card.response_rate, below_k=below_k)
