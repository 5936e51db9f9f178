"""Benchmark: the round's one disclosure decision alone (pure Python), on the scoring benchmark's
organisation (200 units, 3 groups, 20 000 respondents, 8 dimensions, k = 5): when everyone
answered every dimension (one decision serves all layers) and when a share of the respondents
left one whole dimension unanswered (every layer in one system). Figures are printed; the
assertions check only that the work was done."""

import random
import time

import pytest

from maturity.disclosure import CellAnswers, disclose_survey

DIMENSIONS = 8


def organisation(skipping: float) -> tuple[dict[int, int | None], dict[tuple[int, str], CellAnswers]]:
    rng = random.Random(5)
    parents: dict[int, int | None] = {1: None}
    parents.update(dict.fromkeys(range(2, 7), 1))
    departments = list(range(7, 37))
    parents.update({unit: 2 + n // 6 for n, unit in enumerate(departments)})
    parents.update({unit: departments[n % 30] for n, unit in enumerate(range(37, 201))})
    cells: dict[tuple[int, str], tuple[int, dict[tuple[object, int], int]]] = {}
    for _ in range(20_000):
        unit, group = rng.randint(2, 200), str(rng.randrange(3))
        skipped = {rng.randrange(DIMENSIONS)} if rng.random() < skipping else set()
        answered = [d for d in range(DIMENSIONS) if d not in skipped]
        submitted, counts = cells.setdefault((unit, group), (0, {}))
        for d in answered:
            counts[d, len(answered)] = counts.get((d, len(answered)), 0) + 1
        cells[unit, group] = (submitted + 1, counts)
    return parents, {cell: CellAnswers(n, counts) for cell, (n, counts) in cells.items()}


@pytest.mark.parametrize("skipping", [0.0, 0.0005, 0.001])
def test_the_decision_with_and_without_skipped_dimensions(skipping: float) -> None:
    parents, cells = organisation(skipping)
    started = time.perf_counter()
    decided = disclose_survey(parents, cells, list(range(DIMENSIONS)), 5)
    seconds = time.perf_counter() - started
    print(
        f"\ndisclose_survey, {skipping:.2%} skipped a dimension: {seconds * 1000:.0f} ms, {len(decided.hidden)} hidden"
    )
    assert decided.counts
