"""Disclosure control for unit × group cells (DESIGN.md §Disclosure control): which cells of
respondents may be released, so that no figure rests on fewer than k people, not even one
worked out by subtracting released cells from a total shown elsewhere."""

from collections.abc import Mapping
from dataclasses import dataclass

Cell = tuple[int, int | None]  # (unit id, group id or None)
ANY_GROUP = -1


@dataclass(frozen=True, slots=True)
class Suppression:
    below_k: frozenset[Cell]  # fewer than k respondents
    complementary: frozenset[Cell]  # released, a total elsewhere would give a small cell away

    @property
    def left_out(self) -> frozenset[Cell]:
        return self.below_k | self.complementary


def _ancestors(unit_id: int, parents: Mapping[int, int | None]) -> list[int | None]:
    """The unit, every unit above it, and None for the whole round."""
    chain: list[int | None] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    chain.append(None)
    return chain


def suppress(counts: Mapping[Cell, int], parents: Mapping[int, int | None], k: int) -> Suppression:
    """Cells with fewer than k respondents are left out (primary suppression). Then, for every
    total a report may show — a unit with everything below it, or the whole round, for all
    groups or one — the cells left out under it must together hold 0 or at least k respondents;
    otherwise the smallest released cell under it is left out as well, until that holds."""
    below = {cell for cell, n in counts.items() if 0 < n < k}
    left_out = set(below)
    totals: dict[tuple[int | None, int | None], list[Cell]] = {}
    for cell in counts:
        unit_id, group_id = cell
        for node in _ancestors(unit_id, parents):
            totals.setdefault((node, ANY_GROUP), []).append(cell)
            totals.setdefault((node, group_id), []).append(cell)
    changed = True
    while changed:
        changed = False
        for cells in totals.values():
            hidden = sum(counts[c] for c in cells if c in left_out)
            if 0 < hidden < k and sum(counts[c] for c in cells) >= k:
                released = sorted((c for c in cells if c not in left_out), key=lambda c: (counts[c], c[0], c[1] or 0))
                if released:
                    left_out.add(released[0])
                    changed = True
    return Suppression(frozenset(below), frozenset(left_out - below))
