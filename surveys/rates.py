"""Response rates per unit (its subtree: responses / headcount) and per respondent group.

Counts come from one GROUP BY; the tree roll-up adds those counts up in memory, unit by unit
(a few hundred numbers, never answers). Nothing here says who answered. A round's table lists
the units the round is for (its target units and everything below them) within the reader's
scope. How many answered is itself a figure: ``shown_rate`` is the one place that decides what a
reader sees of it: ``maturity.disclosure.participation`` (a count below k reads "fewer than k",
except to the strategy office when the round lets it see exact counts), and a count the round's
disclosure decision suppresses is not shown either.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity import i18n
from maturity.auth.models import Role, User
from maturity.charts import Chart, RateRow, rates_chart
from maturity.disclosure import CellDisclosure, Participation, Visibility, disclose_cells, participation
from maturity.units.models import OrgUnit, UnitHeadcount
from maturity.units.services import TreeNode, UnitScope, as_tree, visible_units
from surveys.models import RespondentGroup, Response, SurveyRound
from surveys.rounds import round_unit_ids

UNGROUPED = "-"  # respondents without a group, as surveys.figures names them for the decision


@dataclass
class UnitRate:
    node: TreeNode
    submitted: int
    drafts: int
    headcount: int
    by_group: dict[str, int] = field(default_factory=dict)
    k: int = 5
    exact: bool = False  # the reader may see counts below k
    visibility: Visibility = Visibility.SHOWN  # of the submitted count of the subtree
    group_visibility: dict[str, Visibility] = field(default_factory=dict)

    @property
    def shown(self) -> Participation:
        """The subtree's submitted responses and response rate as the reader may see them."""
        return shown_rate(self.submitted, self.headcount, self.visibility, k=self.k, exact=self.exact)

    def group(self, code: str) -> Participation:
        """One respondent group's submitted responses in the subtree, as the reader may see them."""
        visibility = self.group_visibility.get(code, Visibility.SHOWN)
        return shown_rate(self.by_group.get(code, 0), 0, visibility, k=self.k, exact=self.exact)


def sees_exact_counts(user: User | None, survey_round: SurveyRound) -> bool:
    """The strategy office sees exact counts below k, to follow a round up, unless the round
    says otherwise; leaders (and the API, and reports) never do."""
    return user is not None and user.has_role(Role.STRATEGY_OFFICE) and survey_round.office_exact_counts


def shown_rate(submitted: int, headcount: int, visibility: Visibility, *, k: int, exact: bool) -> Participation:
    """The one rule for response counts on pages: ``maturity.disclosure.participation`` (``exact``:
    ``sees_exact_counts``), and a count the round's disclosure decision suppresses (it would give a
    smaller one away) is not shown either, unless ``exact``."""
    shown = participation(submitted, k, headcount=headcount or None, exact=exact)
    if exact or shown.count is None or not submitted or visibility in (Visibility.SHOWN, Visibility.EMPTY):
        return shown
    return Participation(None, k, suppressed=True)


def response_rates(
    session: Session, survey_round: SurveyRound, scope: UnitScope, *, exact: bool = False
) -> tuple[list[UnitRate], list[RespondentGroup]]:
    """Every unit of the round in scope with the responses and headcount of its whole subtree,
    and the disclosure decision on the submitted responses per unit and group."""
    units = session.execute(select(OrgUnit)).scalars().all()
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit.id)
    own_submitted: dict[int, int] = defaultdict(int)
    own_drafts: dict[int, int] = defaultdict(int)
    own_groups: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, group_id, status, n in session.execute(
        select(col(Response.unit_id), col(Response.group_id), col(Response.status), func.count())
        .where(col(Response.round_id) == survey_round.id)
        .group_by(col(Response.unit_id), col(Response.group_id), col(Response.status))
    ).tuples():
        if status == "submitted":
            own_submitted[unit_id] += n
            own_groups[unit_id][group_id] += n
        else:
            own_drafts[unit_id] += n
    own_headcount = dict(
        session.execute(
            select(col(UnitHeadcount.unit_id), col(UnitHeadcount.headcount)).where(
                col(UnitHeadcount.period) == survey_round.period_label
            )
        )
        .tuples()
        .all()
    )
    groups = list(session.execute(select(RespondentGroup).order_by(col(RespondentGroup.position))).scalars())
    group_codes = {g.id: g.code for g in groups}

    totals: dict[int, tuple[int, int, int, dict[str, int]]] = {}

    def total(unit_id: int) -> tuple[int, int, int, dict[str, int]]:
        if unit_id not in totals:
            submitted, drafts, heads = own_submitted[unit_id], own_drafts[unit_id], own_headcount.get(unit_id, 0)
            by_group: dict[str, int] = defaultdict(int)
            for group_id, n in own_groups[unit_id].items():
                by_group[group_codes.get(group_id, UNGROUPED) if group_id else UNGROUPED] += n
            for child in children[unit_id]:
                s, d, h, g = total(child)
                submitted, drafts, heads = submitted + s, drafts + d, heads + h
                for code, n in g.items():
                    by_group[code] += n
            totals[unit_id] = (submitted, drafts, heads, dict(by_group))
        return totals[unit_id]

    cells = {
        (unit_id, group_codes.get(group_id, UNGROUPED) if group_id else UNGROUPED): n
        for unit_id, by_group in own_groups.items()
        for group_id, n in by_group.items()
        if n
    }
    decision = disclose_cells(
        {u.id: u.parent_id for u in units if u.id is not None}, cells, survey_round.min_group_size
    )
    for_round = round_unit_ids(session, survey_round)
    rows = []
    for node in as_tree([u for u in visible_units(session, scope) if u.id in for_round]):
        assert node.unit.id is not None
        submitted, drafts, heads, by_group = total(node.unit.id)
        rows.append(
            UnitRate(
                node,
                submitted,
                drafts,
                heads,
                by_group,
                survey_round.min_group_size,
                exact,
                _visibility(decision, node.unit.id, None),
                {g.code: _visibility(decision, node.unit.id, g.code) for g in groups},
            )
        )
    return rows, groups


def _visibility(decision: CellDisclosure[int], unit_id: int, group: str | None) -> Visibility:
    return decision.subtree(unit_id, group)


@dataclass(frozen=True, slots=True)
class RateLine:
    """A unit's row as the reader may see it: its counts through ``shown_rate``."""

    row: UnitRate
    shown: Participation
    groups: dict[str, Participation]
    drafts: int  # started, not submitted


def rate_lines(rows: list[UnitRate]) -> list[RateLine]:
    return [RateLine(row, row.shown, {code: row.group(code) for code in row.by_group}, row.drafts) for row in rows]


def rate_words(shown: Participation, headcount: int, locale: str) -> str:
    """The words after a unit's bar: "42 % (21 of 50)", "fewer than 5 responses", …"""
    if shown.suppressed:
        return i18n.translate(locale, "not shown")
    if shown.count is None:
        return i18n.translate(locale, "fewer than %(k)s responses", k=shown.k)
    if not headcount or shown.rate is None:
        return i18n.translate(locale, "no headcount")
    return i18n.translate(
        locale,
        "%(rate)s (%(submitted)s of %(headcount)s)",
        rate=i18n.percent(shown.rate, locale),
        submitted=i18n.number(shown.count, locale),
        headcount=i18n.number(headcount, locale),
    )


def rates_bars(lines: list[RateLine], locale: str) -> Chart:
    """The lines as response-rate bars (``maturity.charts``), their words from ``rate_words``."""
    rows = [
        RateRow(
            line.row.node.unit.name(locale),
            None if line.shown.rate is None else 100 * line.shown.rate,
            rate_words(line.shown, line.row.headcount, locale),
            line.row.node.depth,
        )
        for line in lines
    ]
    return rates_chart(rows, locale)
