"""Response rates per unit (its subtree: responses / headcount) and per respondent group.

Counts come from one GROUP BY; the tree roll-up adds those counts up in memory, unit by unit
(a few hundred numbers, never answers). Nothing here says who answered. A count below the
round's k reads "fewer than k" (``maturity.disclosure.participation``), and so does its rate,
except to the strategy office when the round lets it see exact counts.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.auth.models import Role, User
from maturity.disclosure import Participation, participation
from maturity.units.models import OrgUnit, UnitHeadcount
from maturity.units.services import TreeNode, UnitScope, as_tree, visible_units
from surveys.models import RespondentGroup, Response, SurveyRound


@dataclass
class UnitRate:
    node: TreeNode
    submitted: int
    drafts: int
    headcount: int
    by_group: dict[str, int] = field(default_factory=dict)
    k: int = 5
    exact: bool = False  # the reader may see counts below k

    @property
    def shown(self) -> Participation:
        """The subtree's submitted responses and response rate as the reader may see them."""
        return participation(self.submitted, self.k, headcount=self.headcount, exact=self.exact)

    def group(self, code: str) -> Participation:
        """One respondent group's submitted responses in the subtree, as the reader may see them."""
        return participation(self.by_group.get(code, 0), self.k, exact=self.exact)


def sees_exact_counts(user: User | None, survey_round: SurveyRound) -> bool:
    """The strategy office sees exact counts below k, to follow a round up, unless the round
    says otherwise; leaders (and the API, and reports) never do."""
    return user is not None and user.has_role(Role.STRATEGY_OFFICE) and survey_round.office_exact_counts


def response_rates(
    session: Session, survey_round: SurveyRound, scope: UnitScope, *, exact: bool = False
) -> tuple[list[UnitRate], list[RespondentGroup]]:
    """Every unit in scope with the responses and headcount of its whole subtree; ``exact``: the
    reader sees counts below k (``sees_exact_counts``)."""
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
                by_group[group_codes.get(group_id, "") if group_id else ""] += n
            for child in children[unit_id]:
                s, d, h, g = total(child)
                submitted, drafts, heads = submitted + s, drafts + d, heads + h
                for code, n in g.items():
                    by_group[code] += n
            totals[unit_id] = (submitted, drafts, heads, dict(by_group))
        return totals[unit_id]

    rows = []
    for node in as_tree(visible_units(session, scope)):
        submitted, drafts, heads, by_group = total(node.unit.id)  # type: ignore[arg-type]
        rows.append(UnitRate(node, submitted, drafts, heads, by_group, survey_round.min_group_size, exact))
    return rows, groups
