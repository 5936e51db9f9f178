"""Strategy milestones: the rules a set of milestones must follow, for the strategy file (all at
once) and the edit form (one at a time), and replacing them on import.

With milestones, expected progress steps from one to the next (``maturity.scoring.expected_at``);
dates and expected values must both increase strictly, and every date lies within the period.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from indicators.models import Strategy, StrategyMilestone
from indicators.strategy_tree import load_milestones
from maturity.audit.services import Actor, record_event, snapshot
from maturity.errors import N_, Problem
from maturity.scoring import Milestone, milestone_problems

OUTSIDE = N_("A milestone lies within the strategy period (%(start)s – %(end)s).")


def check_file_milestones(milestones: Sequence[Milestone], start: date, end: date) -> list[Problem]:
    """Problems of the file's ``strategy.milestones``, each naming ``milestones[i].due`` or ``.expected``."""
    problems = []
    for i, milestone in enumerate(milestones):
        if not start <= milestone.on <= end:
            where = f"milestones[{i}].due"
            problems.append(
                Problem(OUTSIDE, {"start": str(start), "end": str(end)}, path=where, value=str(milestone.on))
            )
    for i, reason in milestone_problems(milestones):
        milestone, before = milestones[i], milestones[i - 1] if i else None
        if reason == "date" and before is not None:
            problems.append(
                Problem(
                    N_("Milestone dates must increase: this one is not after %(date)s."),
                    {"date": str(before.on)},
                    path=f"milestones[{i}].due",
                    value=str(milestone.on),
                )
            )
        elif reason == "order" and before is not None:
            problems.append(
                Problem(
                    N_(
                        "Expected progress must increase from one milestone to the next: this one is not above %(value)s."
                    ),
                    {"value": _number(before.expected)},
                    path=f"milestones[{i}].expected",
                    value=_number(milestone.expected),
                )
            )
        elif reason == "range":
            problems.append(
                Problem(
                    N_("Expected progress is between 0 and 100."),
                    path=f"milestones[{i}].expected",
                    value=_number(milestone.expected),
                )
            )
    return problems


def check_form_milestone(
    session: Session, values: dict[str, Any], strategy_id: int | None, item_id: int | None
) -> list[Problem]:
    """One milestone against its strategy's period and the milestones before and after it."""
    strategy = session.get(Strategy, strategy_id) if strategy_id else None
    due, expected = values.get("due"), values.get("expected")
    if strategy is None or due is None or expected is None:
        return []
    problems = []
    if not strategy.period_start <= due <= strategy.period_end:
        problems.append(
            Problem(OUTSIDE, {"start": str(strategy.period_start), "end": str(strategy.period_end)}, path="due")
        )
    others = [m for m in load_milestones(session, strategy_id) if m.id != item_id and m.due != due]
    before = [m for m in others if m.due < due]
    after = [m for m in others if m.due > due]
    if before and expected <= before[-1].expected:
        problems.append(
            Problem(
                N_("Must be above %(value)s, the expected progress of the milestone on %(date)s."),
                {"value": _number(before[-1].expected), "date": str(before[-1].due)},
                path="expected",
            )
        )
    if after and expected >= after[0].expected:
        problems.append(
            Problem(
                N_("Must be below %(value)s, the expected progress of the milestone on %(date)s."),
                {"value": _number(after[0].expected), "date": str(after[0].due)},
                path="expected",
            )
        )
    return problems


def milestones_outside(session: Session, strategy_id: int, start: date, end: date) -> list[Problem]:
    """A new period for a strategy must keep its milestones inside it."""
    return [
        Problem(
            N_("The milestone of %(date)s would lie outside the period; move or delete it first."),
            {"date": str(m.due)},
            path="period_start" if m.due < start else "period_end",
        )
        for m in load_milestones(session, strategy_id)
        if not start <= m.due <= end
    ]


def replace_milestones(session: Session, actor: Actor, strategy: Strategy, wanted: Sequence[Milestone]) -> bool:
    """The file's milestones replace the strategy's, logged once as one change; False when equal."""
    old = load_milestones(session, strategy.id)
    if [(m.due, m.expected) for m in old] == [(m.on, m.expected) for m in wanted]:
        return False
    before = {"milestones": [snapshot(m, exclude=("id", "strategy_id")) for m in old]}
    for row in old:
        session.delete(row)
    session.flush()
    assert strategy.id is not None
    rows = [StrategyMilestone(strategy_id=strategy.id, due=m.on, expected=m.expected) for m in wanted]
    session.add_all(rows)
    session.flush()
    after = {"milestones": [snapshot(m, exclude=("id", "strategy_id")) for m in rows]}
    record_event(
        session,
        actor,
        "update",
        strategy,
        label=f"{strategy.code} milestones",
        before=before,
        after=after,
        note="import",
    )
    return True


def milestones_as_data(milestones: Sequence[StrategyMilestone]) -> list[dict[str, Any]]:
    return [{"due": m.due, "expected": int(m.expected) if m.expected.is_integer() else m.expected} for m in milestones]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
