"""A round's survey figures after disclosure control: the only survey numbers pages, the API,
exports and reports get.

``disclosed_round`` reads the round's aggregates once (``surveys.aggregates``), decides
disclosure once for every figure of the round (``maturity.disclosure.disclose_survey``: every
unit's own respondents per group, in every dimension and overall, with the relations between
them), and hands out ``SurveyFigure``s: a hidden figure carries no number at all — no mean, no n,
no spread, no level counts — only its visibility, the same whatever hid it. The own cells are
the ones the export releases, so what pages show can never be subtracted from what the export
releases. When someone left a whole dimension unanswered ("not applicable" throughout), one more
small statement says who skipped what (``surveys.aggregates.answered_statement``).
"""

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from sqlalchemy import Float, cast, func, select
from sqlmodel import Session, col

from maturity.disclosure import CellAnswers, SurveyDisclosure, Visibility, disclose_survey
from maturity.scoring import GroupStats, group_stats_from_sums
from maturity.units.models import OrgUnit, UnitHeadcount
from maturity.units.services import unit_ancestors
from surveys.aggregates import DimensionId, GroupId, RoundAggregates, ScoreStats, round_aggregates, round_answered
from surveys.models import SurveyRound

UNGROUPED = "-"  # respondents without a group, in the disclosure decision
ALL_GROUPS = "all"  # ``figure(..., group=ALL_GROUPS)``: every respondent of the unit subtree


@dataclass(frozen=True, slots=True)
class SurveyFigure:
    """One survey figure as it may be shown. ``stats`` and ``levels`` only when ``visibility`` is
    shown; a hidden figure says only that it is hidden ("too few responses"), never why."""

    visibility: Visibility
    stats: GroupStats | None = None
    levels: tuple[int, ...] | None = None  # level answers choosing 1 … 5

    @property
    def shown(self) -> bool:
        return self.visibility == Visibility.SHOWN

    @property
    def mean(self) -> float | None:
        return self.stats.mean if self.stats is not None else None

    @property
    def n(self) -> int | None:
        return self.stats.n if self.stats is not None else None


NO_FIGURE = SurveyFigure(Visibility.EMPTY)

Parents = Mapping[int, int | None]


def unit_parents(session: Session) -> dict[int, int | None]:
    """Every unit's parent, for the disclosure decision and the tree (one query)."""
    rows = session.execute(select(col(OrgUnit.id), col(OrgUnit.parent_id))).tuples()
    return {unit_id: parent_id for unit_id, parent_id in rows if unit_id is not None}


def subtree_headcounts(session: Session, year: str) -> dict[int, int]:
    """Every unit's headcount over its whole subtree for a year (one statement)."""
    tree = unit_ancestors()
    statement = (
        select(tree.c.ancestor_id, cast(func.sum(col(UnitHeadcount.headcount)), Float))
        .join(tree, tree.c.unit_id == col(UnitHeadcount.unit_id))
        .where(col(UnitHeadcount.period) == year)
        .group_by(tree.c.ancestor_id)
    )
    return {unit_id: int(total) for unit_id, total in session.execute(statement).tuples()}


def group_key(group_id: GroupId) -> str:
    """A group as the disclosure decision names it."""
    return UNGROUPED if group_id is None else str(group_id)


def _own_cells(parents: Parents, subtree: Mapping[tuple[int, GroupId], int]) -> dict[tuple[int, GroupId], int]:
    """Own respondents per (unit, group): a unit's subtree less its children's subtrees."""
    own = dict(subtree)
    for (unit_id, group_id), n in subtree.items():
        parent = parents.get(unit_id)
        if parent is not None:
            own[parent, group_id] = own.get((parent, group_id), 0) - n
    return {key: n for key, n in own.items() if n > 0}


@dataclass
class DisclosedRound:
    """A round's figures for every unit subtree, disclosed. Ask with ``figure``."""

    survey_round: SurveyRound
    aggregates: RoundAggregates
    headcounts: Mapping[int, int]  # subtree headcount in the round's year
    decision: SurveyDisclosure[int]

    @property
    def k(self) -> int:
        return self.survey_round.min_group_size

    def figure(self, unit_id: int, dimension_id: DimensionId, group: GroupId | str = ALL_GROUPS) -> SurveyFigure:
        """The unit subtree's figure for a dimension (None: the whole survey), for all respondents
        or one group (a group id, or None for respondents without a group)."""
        if group == ALL_GROUPS:
            stats = self.aggregates.dimension(unit_id, dimension_id)
            visibility = self.decision.subtree(unit_id, None, dimension_id)
        else:
            group_id = group if isinstance(group, int) or group is None else int(group)
            stats = self.aggregates.group(unit_id, dimension_id, group_id)
            visibility = self.decision.subtree(unit_id, group_key(group_id), dimension_id)
        if visibility != Visibility.SHOWN or not stats.n:
            return SurveyFigure(visibility if stats.n else Visibility.EMPTY)
        # the overall's level counts are its dimensions' added up: not a figure of their own
        return SurveyFigure(visibility, _stats(stats), stats.levels if dimension_id is not None else None)

    def submitted(self, unit_id: int) -> int:
        """Submitted responses in the unit's subtree (public, like a response rate)."""
        return self.aggregates.submitted.get(unit_id, 0)

    def response_rate(self, unit_id: int) -> float | None:
        """Submitted responses / headcount of the subtree in the round's year (0–1), None without a headcount."""
        headcount = self.headcounts.get(unit_id, 0)
        return self.submitted(unit_id) / headcount if headcount else None

    def hidden(self) -> list[tuple[int, DimensionId, GroupId | str, Visibility]]:
        """Every hidden figure (unit, dimension, group or ALL_GROUPS, visibility), for a method appendix."""
        out: list[tuple[int, DimensionId, GroupId | str, Visibility]] = []
        for (unit_id, dimension_id), stats in self.aggregates.dimensions.items():
            if stats.n and not self.figure(unit_id, dimension_id).shown:
                out.append((unit_id, dimension_id, ALL_GROUPS, self.figure(unit_id, dimension_id).visibility))
        for (unit_id, dimension_id, group_id), stats in self.aggregates.dimensions_by_group.items():
            figure = self.figure(unit_id, dimension_id, group_id)
            if stats.n and not figure.shown:
                out.append((unit_id, dimension_id, group_id, figure.visibility))
        return sorted(out, key=lambda row: tuple((v is None, str(v)) for v in row[:3]))


def _stats(stats: ScoreStats) -> GroupStats:
    return group_stats_from_sums(stats.n, stats.total, stats.total_squares)


def disclose_round(
    parents: Parents,
    aggregates: RoundAggregates,
    k: int,
    answered: Callable[[], Mapping[tuple[int, GroupId, int, int], int]],
) -> SurveyDisclosure[int]:
    """The round's one decision over all its figures. ``answered`` gives who skipped which
    dimension (``surveys.aggregates.round_answered``); it is asked only when the counts show that
    someone did (a dimension's own cells differ from the overall's)."""
    dimensions = sorted({d for (_, d) in aggregates.dimensions if d is not None})
    overall: dict[tuple[int, GroupId], int] = {}
    by_dimension: dict[int, dict[tuple[int, GroupId], int]] = {d: {} for d in dimensions}
    for (unit_id, dimension_id, group_id), stats in aggregates.dimensions_by_group.items():
        if dimension_id is None:
            overall[unit_id, group_id] = stats.n
        else:
            by_dimension[dimension_id][unit_id, group_id] = stats.n
    own_overall = _own_cells(parents, overall)
    cells: dict[tuple[int, GroupId], dict[tuple[Hashable, int], int]] = {}
    if all(_own_cells(parents, subtree) == own_overall for subtree in by_dimension.values()):
        for cell, n in own_overall.items():
            cells[cell] = {(d, len(dimensions)): n for d in dimensions}
    else:
        for (unit_id, group_id, dimension_id, size), n in answered().items():
            cells.setdefault((unit_id, group_id), {})[dimension_id, size] = n
    submitted = _own_cells(parents, aggregates.submitted_by_group)
    decision_cells = {
        (unit_id, group_key(group_id)): CellAnswers(n, cells.get((unit_id, group_id), {}))
        for (unit_id, group_id), n in submitted.items()
    }
    return disclose_survey(parents, decision_cells, dimensions, k)


def disclosed_round(session: Session, survey_round: SurveyRound, parents: Parents | None = None) -> DisclosedRound:
    """The round's figures for every unit: two aggregate statements, one headcount statement and
    one disclosure decision, whatever the size of the organisation (a third statement when someone
    skipped a whole dimension)."""
    parents = unit_parents(session) if parents is None else parents
    aggregates = round_aggregates(session, survey_round)
    headcounts = subtree_headcounts(session, survey_round.period_label[:4])
    round_id = aggregates.round_id
    decision = disclose_round(
        parents, aggregates, survey_round.min_group_size, lambda: round_answered(session, round_id)
    )
    return DisclosedRound(survey_round, aggregates, headcounts, decision)
