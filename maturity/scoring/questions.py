"""Question scores: one answer on the 0–100 scale."""

LEVELS = 5
LIKERT_POINTS = 5


def question_score(kind: str, value: float, *, reverse: bool = False, points: int = LIKERT_POINTS) -> float:
    """A level L ∈ 1..5 scores (L − 1)/4 · 100; a Likert answer v on k points (v − 1)/(k − 1) · 100;
    reverse-scored questions 100 − s. Other kinds are not scored (ValueError)."""
    if kind == "level":
        if not 1 <= value <= LEVELS:
            raise ValueError(f"level {value} outside 1..{LEVELS}")
        score = (value - 1) / (LEVELS - 1) * 100
    elif kind == "likert":
        if points < 2 or not 1 <= value <= points:
            raise ValueError(f"likert {value} outside 1..{points}")
        score = (value - 1) / (points - 1) * 100
    else:
        raise ValueError(f"{kind} questions are not scored")
    return 100 - score if reverse else score
