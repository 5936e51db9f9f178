"""An attacker of disclosure control, for tests: given what pages, the API and the export show,
which hidden sums can be worked out, and to what value?

The attacker is stronger than a real one: besides the shown figures (n and mean of unit subtree
and group figures, per dimension and overall) and the released export cells, it knows who answered
which dimensions in every unit and group (a real attacker only sees the counts). Its unknowns are
the sums of each *respondent class* — the own respondents of a unit and group who answered the same
dimensions — in each dimension they answered; a respondent's overall is the mean of their dimension
scores, so every figure, overall included, is an exact linear combination of those sums. It solves
the system with ``fractions.Fraction`` (no rounding anywhere) and reports every target that the
shown figures determine, with the value they give it.

Targets: every figure that was not shown; every own cell (unit and group) and every unit's own
respondents, per dimension and overall, from fewer than k people; and, for each unit's own
respondents and subtree (all and per group), the part of those who skipped a dimension
(D · overall − Σ dimensions) when fewer than k people make it — unless it lies in released cells.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

Unit = Hashable
Group = Hashable | None  # None: respondents without a group
Dimension = Hashable
Layer = Dimension | None  # None: overall
ALL = ("all",)  # a figure over every group

Vector = dict[tuple[object, ...], Fraction]


@dataclass(frozen=True)
class Respondent:
    unit: Unit
    group: Group
    scores: Mapping[Dimension, Fraction]  # a score per dimension answered (at least one)


@dataclass(frozen=True)
class Target:
    what: str  # "figure", "cell", "own" or "skipped"
    unit: Unit
    group: object  # a group, None, or ALL
    layer: Layer
    n: int


class Attacker:
    def __init__(self, parents: Mapping[Unit, Unit | None], respondents: Iterable[Respondent], k: int) -> None:
        self.parents = dict(parents)
        self.k = k
        self.classes: dict[tuple[Unit, Group, frozenset[Dimension]], int] = {}
        self.truth: dict[tuple[object, ...], Fraction] = {}
        for r in respondents:
            pattern = frozenset(r.scores)
            key = (r.unit, r.group, pattern)
            self.classes[key] = self.classes.get(key, 0) + 1
            for dimension, score in r.scores.items():
                self.truth[(*key, dimension)] = self.truth.get((*key, dimension), Fraction(0)) + score
        self.dimensions = sorted({d for (_, _, a) in self.classes for d in a}, key=str)
        self.groups = sorted({g for (_, g, _) in self.classes}, key=str)
        self.basis: dict[tuple[object, ...], tuple[Vector, Fraction]] = {}  # pivot → (row, value)
        self.observed: set[tuple[Unit, object, Layer]] = set()
        self.released: set[tuple[Unit, Group]] = set()

    # --- the sums as vectors over the class sums ----------------------------------------------

    def subtree(self, unit: Unit) -> set[Unit]:
        out = {unit}
        for child, parent in self.parents.items():
            if parent == unit:
                out |= self.subtree(child)
        return out

    def _sum(self, units: set[Unit], group: object, layer: Layer) -> tuple[Vector, int]:
        vector: Vector = {}
        n = 0
        for (u, g, pattern), count in self.classes.items():
            if u not in units or group not in (ALL, g):
                continue
            if layer is None:
                n += count
                for d in pattern:
                    vector[u, g, pattern, d] = Fraction(1, len(pattern))
            elif layer in pattern:
                n += count
                vector[u, g, pattern, layer] = Fraction(1)
        return vector, n

    def _skipped(self, units: set[Unit], group: object) -> tuple[Vector, int]:
        """D · overall − Σ dimensions over the respondents outside released cells."""
        size = len(self.dimensions)
        vector: Vector = {}
        n = 0
        for (u, g, pattern), count in self.classes.items():
            if u not in units or group not in (ALL, g) or (u, g) in self.released or len(pattern) == size:
                continue
            n += count
            for d in pattern:
                vector[u, g, pattern, d] = Fraction(size, len(pattern)) - 1
        return vector, n

    # --- what is shown ------------------------------------------------------------------------

    def observe(self, unit: Unit, group: object, layer: Layer, n: int, mean: float) -> None:
        """A shown figure of the unit's subtree (``group`` ALL: every respondent). The sum n · mean
        is read back as the fraction it is (scores are multiples of small fractions)."""
        vector, expected = self._sum(self.subtree(unit), group, layer)
        assert n == expected, f"n of {(unit, group, layer)} is {n}, the data say {expected}"
        self.observed.add((unit, group, layer))
        self._add(vector, Fraction(n * mean).limit_denominator(10_000))

    def release(
        self, unit: Unit, group: Group, sums: Mapping[tuple[frozenset[Dimension], Dimension], Fraction]
    ) -> None:
        """An export cell's microdata: every class sum of the cell (from the released rows)."""
        self.released.add((unit, group))
        for (pattern, dimension), value in sums.items():
            self._add({(unit, group, pattern, dimension): Fraction(1)}, value)

    def _add(self, vector: Vector, value: Fraction) -> None:
        row, value = self._reduce(vector, value)
        if not row:
            assert value == 0, "the shown figures contradict each other"
            return
        pivot = min(row, key=repr)
        scale = row[pivot]
        row = {c: v / scale for c, v in row.items()}
        value /= scale
        for other_pivot, (other, other_value) in list(self.basis.items()):
            factor = other.get(pivot)
            if factor:
                merged = dict(other)
                for c, v in row.items():
                    merged[c] = merged.get(c, Fraction(0)) - factor * v
                self.basis[other_pivot] = ({c: v for c, v in merged.items() if v}, other_value - factor * value)
        self.basis[pivot] = (row, value)

    def _reduce(self, vector: Vector, value: Fraction) -> tuple[Vector, Fraction]:
        row = dict(vector)
        for pivot, (basis_row, basis_value) in self.basis.items():
            factor = row.get(pivot)
            if factor:
                for c, v in basis_row.items():
                    row[c] = row.get(c, Fraction(0)) - factor * v
                value -= factor * basis_value
        return {c: v for c, v in row.items() if v}, value

    def solve(self, vector: Vector) -> Fraction | None:
        """The sum's value if the shown figures determine it, else None."""
        row, value = self._reduce(vector, Fraction(0))
        return -value if not row else None

    def true_value(self, vector: Vector) -> Fraction:
        return sum((v * self.truth[c] for c, v in vector.items()), Fraction(0))

    # --- the attack ---------------------------------------------------------------------------

    def targets(self) -> list[tuple[Target, Vector]]:
        out: list[tuple[Target, Vector]] = []
        layers: list[Layer] = [*self.dimensions, None]
        for unit in self.parents:
            for group in (ALL, *self.groups):
                for layer in layers:
                    vector, n = self._sum(self.subtree(unit), group, layer)
                    if n and (unit, group, layer) not in self.observed:
                        out.append((Target("figure", unit, group, layer, n), vector))
                    vector, n = self._sum({unit}, group, layer)
                    released = group != ALL and (unit, group) in self.released
                    if 0 < n < self.k and not released:
                        out.append((Target("cell" if group != ALL else "own", unit, group, layer, n), vector))
                for units in ({unit}, self.subtree(unit)):
                    vector, n = self._skipped(units, group)
                    if 0 < n < self.k:
                        out.append((Target("skipped", unit, group, None, n), vector))
        return out

    def recovered(self) -> dict[Target, Fraction]:
        """Every target the shown figures determine, with the value they give (the true one)."""
        found: dict[Target, Fraction] = {}
        for target, vector in self.targets():
            value = self.solve(vector)
            if value is not None:
                assert value == self.true_value(vector), f"{target}: solved {value}, true {self.true_value(vector)}"
                found[target] = value
        return found
