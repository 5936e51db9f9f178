"""Pace: is a score where it should be by now, given the strategy period or its milestones?"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from maturity.scoring.kpi import clamp


class PaceStatus(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    AT_RISK = "at_risk"
    INSUFFICIENT_DATA = "insufficient_data"
    # A concluded strategy's final evaluation (``final_status``) instead of pace:
    PARTLY_ACHIEVED = "partly_achieved"
    NOT_ACHIEVED = "not_achieved"


@dataclass(frozen=True, slots=True)
class PaceThresholds:
    """Health limits per strategy (``Strategy.on_track_threshold``, ``Strategy.behind_threshold``)."""

    on_track: float = 0.95
    behind: float = 0.85

    def __post_init__(self) -> None:
        if not self.behind < self.on_track:
            raise ValueError(f"behind {self.behind} must be below on track {self.on_track}")


@dataclass(frozen=True, slots=True)
class Pace:
    """``expected`` on 0–100; ``health`` = score / expected, None when nothing is expected yet or
    there is no score."""

    status: PaceStatus
    expected: float
    health: float | None


DEFAULT_THRESHOLDS = PaceThresholds()


def expected_progress(on: date, start: date, end: date) -> float:
    """Expected score at a date: 100 · (on − start) / (end − start) in days, clamped to 0–100
    (0 up to the start, 100 from the end on)."""
    if end <= start:
        raise ValueError(f"period end {end} not after start {start}")
    return clamp(100 * (on - start).days / (end - start).days)


@dataclass(frozen=True, slots=True)
class Milestone:
    """A date by which a strategy expects ``expected`` progress (0–100)."""

    on: date
    expected: float


@dataclass(frozen=True, slots=True)
class Expected:
    """Expected progress on a date and the rule that gave it: ``stepped`` when the strategy has
    milestones; ``milestone`` is then the last one reached (None before the first)."""

    value: float
    stepped: bool = False
    milestone: Milestone | None = None


def milestone_problems(milestones: Sequence[Milestone]) -> list[tuple[int, str]]:
    """Why milestones (in the order given) are not a valid step function: (position, reason) with
    reason ``date`` (not after the one before), ``order`` (expected not above the one before) or
    ``range`` (expected outside 0–100). Empty when valid."""
    problems = []
    for i, milestone in enumerate(milestones):
        if not 0 <= milestone.expected <= 100:
            problems.append((i, "range"))
        if i and milestone.on <= milestones[i - 1].on:
            problems.append((i, "date"))
        if i and milestone.expected <= milestones[i - 1].expected:
            problems.append((i, "order"))
    return problems


def stepped_progress(on: date, milestones: Sequence[Milestone]) -> Milestone | None:
    """The last milestone reached by ``on`` (its date on or before ``on``), None before the first.
    Expected progress is its value: a step function, never interpolated."""
    reached = None
    for milestone in sorted(milestones, key=lambda m: m.on):
        if milestone.on > on:
            break
        reached = milestone
    return reached


def expected_at(on: date, start: date, end: date, milestones: Sequence[Milestone] = ()) -> Expected:
    """Expected progress at a date: with milestones, the expected value of the last milestone
    reached (0 before the first); without, the elapsed fraction of the period (``expected_progress``)."""
    if not milestones:
        return Expected(expected_progress(on, start, end))
    reached = stepped_progress(on, milestones)
    return Expected(clamp(reached.expected) if reached is not None else 0.0, True, reached)


def pace(
    score: float | None, expected: float, thresholds: PaceThresholds = DEFAULT_THRESHOLDS, *, insufficient: bool = False
) -> Pace:
    """Status of a score (0–100) against the expected score (0–100), checked in this order:

    - no score or ``insufficient`` data → insufficient data;
    - score ≥ 100 (progress reached 1) → achieved, whatever the date;
    - expected = 0 (at or before the start) → on track: nothing was expected yet, health is undefined;
    - health = score / expected: ≥ on_track → on track, ≥ behind → behind, below → at risk
      (a health exactly at a threshold gets the better status).
    """
    if score is None or insufficient:
        return Pace(PaceStatus.INSUFFICIENT_DATA, expected, None)
    if score >= 100:
        return Pace(PaceStatus.ACHIEVED, expected, score / expected if expected else None)
    if expected <= 0:
        return Pace(PaceStatus.ON_TRACK, expected, None)
    health = score / expected
    if health >= thresholds.on_track:
        status = PaceStatus.ON_TRACK
    elif health >= thresholds.behind:
        status = PaceStatus.BEHIND
    else:
        status = PaceStatus.AT_RISK
    return Pace(status, expected, health)


@dataclass(frozen=True, slots=True)
class FinalThresholds:
    """A concluded strategy's limits on 0–100 (``Strategy.achieved_threshold``, ``partly_threshold``)."""

    achieved: float = 100.0
    partly: float = 50.0

    def __post_init__(self) -> None:
        if not self.partly < self.achieved:
            raise ValueError(f"partly {self.partly} must be below achieved {self.achieved}")


def final_status(
    score: float | None, thresholds: FinalThresholds = FinalThresholds(), *, insufficient: bool = False
) -> Pace:
    """A concluded strategy's status of a score (0–100), judged at its end (expected 100):
    insufficient data as for pace; score ≥ achieved → achieved, ≥ partly → partly achieved,
    below → not achieved (a score exactly at a threshold gets the better status)."""
    if score is None or insufficient:
        return Pace(PaceStatus.INSUFFICIENT_DATA, 100.0, None)
    if score >= thresholds.achieved:
        status = PaceStatus.ACHIEVED
    elif score >= thresholds.partly:
        status = PaceStatus.PARTLY_ACHIEVED
    else:
        status = PaceStatus.NOT_ACHIEVED
    return Pace(status, 100.0, score / 100)
