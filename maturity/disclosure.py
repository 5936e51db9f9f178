"""Disclosure control: which figures of a unit tree may be shown (pure: no database, no web).

A *figure* is a statistic over a set of respondents: a unit's total (over its whole subtree) or one
respondent group's part of it (a perspective). Respondent counts are public (response rates show
them); what is protected is the figure itself. The rule, applied to every page, export and report:

1. **Primary suppression**: a figure from 0 < n < k respondents is never shown ("too few").
2. **Complementary suppression**: no hidden figure may be derivable from shown ones. Figures are
   tied by linear relations (on sums n·mean, as the counts are known):

   - parent = Σ children + rest, for the total and for every group, where the *rest* is the
     parent's own direct respondents: never shown itself, it acts as a hidden child;
   - total = Σ groups + ungrouped, for every unit and every rest, where *ungrouped* are the
     respondents without a group: never shown, a hidden group.

   A hidden figure is derivable when the shown figures determine it through any combination of
   these relations (checked exactly, by elimination over the rationals). Rests and ungrouped parts
   with n ≥ k may be derived, being no smaller than a figure we would show; with 0 < n < k they are
   protected like any too-few figure. Moreover, in a relation whose whole is known, the hidden parts
   together must come from 0 or at least k respondents (else their pooled figure leaks).
3. While a rule is broken, one more figure is hidden: in the relation that gives the leak away, the
   shown figure with the fewest respondents (so a sibling or a group before the parent), iterated to
   a fixed point. It ends: hiding everything leaks nothing.

Figures with n = 0 do not exist ("no responses") and are neither shown nor suppressed.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast

N = TypeVar("N", bound=Hashable)
Figure = tuple[N, str | None]  # (unit, group); group None is the unit's total


class Visibility(StrEnum):
    SHOWN = "shown"
    TOO_FEW = "too_few"  # primary: 0 < n < k
    SUPPRESSED = "suppressed"  # complementary: it would give a hidden figure away
    EMPTY = "empty"  # n = 0: no figure at all


@dataclass(frozen=True)
class Disclosure(Generic[N]):
    """The outcome for every figure of the tree; ``counts`` holds n per figure."""

    k: int
    counts: Mapping[Figure[N], int]
    too_few: frozenset[Figure[N]]
    suppressed: frozenset[Figure[N]]

    def visibility(self, unit: N, group: str | None = None) -> Visibility:
        figure = (unit, group)
        if figure in self.too_few:
            return Visibility.TOO_FEW
        if figure in self.suppressed:
            return Visibility.SUPPRESSED
        if self.counts.get(figure, 0) == 0:
            return Visibility.EMPTY
        return Visibility.SHOWN

    def shown(self, unit: N, group: str | None = None) -> bool:
        return self.visibility(unit, group) == Visibility.SHOWN


@dataclass
class _Term:
    """A cell of the relations: a figure (``figure`` set) or a never-shown rest/ungrouped part."""

    n: int
    figure: Figure[Any] | None
    relations: list[int]


@dataclass(frozen=True)
class _Relation:
    whole: int
    parts: tuple[int, ...]

    @property
    def terms(self) -> tuple[int, ...]:
        return (self.whole, *self.parts)


class _Ungrouped:
    def __repr__(self) -> str:
        return "ungrouped"


_UNGROUPED = _Ungrouped()


def disclose(
    parents: Mapping[N, N | None],
    counts: Mapping[N, int],
    k: int,
    groups: Mapping[N, Mapping[str, int]] | None = None,
) -> Disclosure[N]:
    """Decide every figure of a unit tree. ``parents`` maps each unit to its parent (None at a root);
    ``counts`` gives each unit's respondents over its whole subtree; ``groups`` optionally each unit's
    subtree respondents per group. Raises ValueError for counts that do not add up."""
    if k < 1:
        raise ValueError(f"minimum group size k = {k} below 1")
    table = _Table(parents, counts, groups or {})
    hidden = {t for t, term in enumerate(table.terms) if term.figure is not None and 0 < term.n < k}
    primary = set(hidden)
    while True:
        # Peeling first (cheap, and complete without groups); elimination once peeling is satisfied.
        leak = table.find_leak(hidden, k, eliminate=False)
        if leak is None and table.grouped:
            leak = table.find_leak(hidden, k, eliminate=True)
        if leak is None:
            break
        hidden.add(leak)
    figures: dict[Figure[N], int] = {t.figure: t.n for t in table.terms if t.figure is not None}
    return Disclosure(
        k,
        figures,
        frozenset(cast("Figure[N]", table.terms[t].figure) for t in primary),
        frozenset(cast("Figure[N]", table.terms[t].figure) for t in hidden - primary),
    )


class _Table:
    """The figures and pseudo-cells of the tree and the relations between them."""

    def __init__(
        self, parents: Mapping[Any, Any], counts: Mapping[Any, int], groups: Mapping[Any, Mapping[str, int]]
    ) -> None:
        self.terms: list[_Term] = []
        self.relations: list[_Relation] = []
        children: dict[Hashable, list[Hashable]] = {unit: [] for unit in parents}
        for unit, parent in parents.items():
            if unit not in counts or counts[unit] < 0:
                raise ValueError(f"unit {unit!r} has no respondent count")
            if parent is not None:
                if parent not in children:
                    raise ValueError(f"unit {unit!r} has an unknown parent {parent!r}")
                children[parent].append(unit)
        names = list(dict.fromkeys(name for unit in parents for name in groups.get(unit, {})))
        columns: list[str | _Ungrouped | None] = [None, *names, _UNGROUPED] if names else [None]
        self.grouped = bool(names)

        # n per (unit, column); the ungrouped column is what the groups leave of the total
        cell: dict[tuple[Hashable, object], int] = {}
        for unit in parents:
            own = groups.get(unit, {})
            for name in names:
                cell[unit, name] = own.get(name, 0)
            cell[unit, None] = counts[unit]
            if names:
                cell[unit, _UNGROUPED] = counts[unit] - sum(own.values())
                if cell[unit, _UNGROUPED] < 0:
                    raise ValueError(f"unit {unit!r}: its groups count more respondents than it has")

        index: dict[tuple[object, ...], int] = {}
        for unit in parents:
            for column in columns:
                figure = None if isinstance(column, _Ungrouped) else (unit, column)
                index["unit", unit, column] = self._add(cell[unit, column], figure)
        for unit, kids in children.items():
            if not kids:
                continue
            for column in columns:
                rest = cell[unit, column] - sum(cell[kid, column] for kid in kids)
                if rest < 0:
                    raise ValueError(f"unit {unit!r}: its children count more respondents than it has")
                index["rest", unit, column] = self._add(rest, None)
                self._relate(
                    index["unit", unit, column],
                    [index["unit", kid, column] for kid in kids] + [index["rest", unit, column]],
                )
        if names:
            for kind, owner, col in list(index):
                if col is None:
                    parts = [index[kind, owner, name] for name in [*names, _UNGROUPED]]
                    self._relate(index[kind, owner, None], parts)

    def _add(self, n: int, figure: Figure[Any] | None) -> int:
        self.terms.append(_Term(n, figure, []))
        return len(self.terms) - 1

    def _relate(self, whole: int, parts: list[int]) -> None:
        """Terms with n = 0 are known to be empty; they drop out of the relation."""
        parts = [p for p in parts if self.terms[p].n > 0]
        if self.terms[whole].n == 0:
            return
        relation = _Relation(whole, tuple(parts))
        self.relations.append(relation)
        for term in relation.terms:
            self.terms[term].relations.append(len(self.relations) - 1)

    def _derive(self, hidden: set[int], eliminate: bool) -> tuple[set[int], dict[int, int | None]]:
        """What the shown figures leave open (hidden figures and rest/ungrouped parts, less whatever
        the relations determine), and the determined ones in the order found, each with the relation
        that gave it away (None: only a combination of relations does)."""
        unknown = {t for t, term in enumerate(self.terms) if term.n > 0 and (term.figure is None or t in hidden)}
        derived: dict[int, int | None] = {}
        queue = list(range(len(self.relations)))
        while queue:  # peeling: a relation with one unknown term gives it away
            r = queue.pop()
            open_terms = [t for t in self.relations[r].terms if t in unknown]
            if len(open_terms) == 1:
                (term,) = open_terms
                unknown.discard(term)
                derived[term] = r
                queue.extend(self.terms[term].relations)
        if not eliminate:
            return unknown, derived
        for term in sorted(_determined([self._row(r, unknown) for r in range(len(self.relations))])):
            unknown.discard(term)
            derived[term] = None
        return unknown, derived

    def _row(self, r: int, unknown: set[int]) -> dict[int, int]:
        relation = self.relations[r]
        row = {p: _PRIME - 1 for p in relation.parts if p in unknown}  # −1
        if relation.whole in unknown:
            row[relation.whole] = 1
        return row

    def find_leak(self, hidden: set[int], k: int, *, eliminate: bool) -> int | None:
        """The next figure to hide, or None when nothing leaks. The first protected term found
        determined is the root of a leak (later ones may follow from it): cover that one."""
        unknown, derived = self._derive(hidden, eliminate)
        for t in derived:
            if t in hidden or 0 < self.terms[t].n < k:  # a hidden figure, or a too-small rest
                return self._cover(t, hidden, derived)
        for r, relation in enumerate(self.relations):
            pooled = sum(self.terms[p].n for p in relation.parts if p in unknown)
            if relation.whole not in unknown and 0 < pooled < k:
                return self._smallest_shown([r], hidden) or self._widen([r], hidden)
        return None

    def _cover(self, term: int, hidden: set[int], derived: dict[int, int | None]) -> int:
        """A shown figure to hide in the relation that gave ``term`` away; when that relation's other
        terms were all derived (rests with n ≥ k), in the relation that gave one of those away."""
        seen: set[int] = set()
        while (r := derived.get(term)) is not None and r not in seen:
            seen.add(r)
            if (choice := self._smallest_shown([r], hidden)) is not None:
                return choice
            others = [t for t in self.relations[r].terms if t != term and t in derived]
            if not others:
                break
            term = others[0]
        return self._widen(self.terms[term].relations, hidden)

    def _smallest_shown(self, relations: list[int], hidden: set[int]) -> int | None:
        shown = [
            (self.terms[t].n, t)
            for r in relations
            for t in self.relations[r].terms
            if self.terms[t].figure is not None and t not in hidden and self.terms[t].n > 0
        ]
        return min(shown)[1] if shown else None

    def _widen(self, relations: list[int], hidden: set[int]) -> int:
        """The smallest shown figure in the nearest ring of relations around these."""
        frontier, seen = list(relations), set(relations)
        while frontier:
            if (choice := self._smallest_shown(frontier, hidden)) is not None:
                return choice
            ring = {r2 for r in frontier for t in self.relations[r].terms for r2 in self.terms[t].relations}
            frontier = sorted(ring - seen)
            seen |= ring
        raise AssertionError("a derived figure without a shown figure to derive it from")


_PRIME = 2**61 - 1


def _determined(rows: list[dict[int, int]]) -> set[int]:
    """Unknowns fixed by the homogeneous system rows·x = known: exactly those x whose unit vector is
    in the row space, i.e. a row of the reduced row echelon form with a single entry.

    Eliminates modulo the prime 2⁶¹ − 1 (fast, no fractions); this agrees with the rationals unless
    the prime divides a minor of the matrix, and the minors of these sparse ±1 relation matrices are
    tiny against 2.3·10¹⁸. The tests check the outcome with exact fractions.
    """
    pivots: dict[int, dict[int, int]] = {}
    for incoming in rows:
        row = dict(incoming)
        for column in [c for c in row if c in pivots]:
            factor = row.get(column, 0)
            if factor:
                for c, v in pivots[column].items():
                    row[c] = (row.get(c, 0) - factor * v) % _PRIME
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        pivot = min(row)
        inverse = pow(row[pivot], -1, _PRIME)
        row = {c: v * inverse % _PRIME for c, v in row.items()}
        for other in pivots.values():
            factor = other.get(pivot, 0)
            if factor:
                for c, v in row.items():
                    other[c] = (other.get(c, 0) - factor * v) % _PRIME
                for c in [c for c, v in other.items() if not v]:
                    del other[c]
        pivots[pivot] = row
    return {p for p, row in pivots.items() if len(row) == 1}


OwnOrSubtree = tuple[N, bool]  # (unit, True): the unit's own respondents; (unit, False): its subtree


@dataclass(frozen=True)
class CellDisclosure(Generic[N]):
    """``disclose`` over a tree in which every unit's own respondents are a figure too: the leaf
    ``(unit, True)`` under ``(unit, False)``, the unit's whole subtree. One decision serves both
    the figures pages and reports show (subtrees) and the rows the export releases (own cells), so
    what one shows can never be subtracted from what the other releases."""

    decided: Disclosure[OwnOrSubtree[N]]
    only_group: str | None  # the one group name when there is only one: its figures are the totals

    def _visibility(self, node: OwnOrSubtree[N], group: str | None) -> Visibility:
        if self.only_group is None or group is None:
            return self.decided.visibility(node, group)
        if group != self.only_group:
            return Visibility.EMPTY
        return self.decided.visibility(node, None)

    def subtree(self, unit: N, group: str | None = None) -> Visibility:
        """A unit's figure over its whole subtree (``group`` None: all respondents)."""
        return self._visibility((unit, False), group)

    def cell(self, unit: N, group: str | None = None) -> Visibility:
        """The unit's own respondents (of ``group``): released by the export only when shown."""
        return self._visibility((unit, True), group)


def disclose_cells(parents: Mapping[N, N | None], cells: Mapping[tuple[N, str], int], k: int) -> CellDisclosure[N]:
    """Decide every figure of a unit tree from its units' own respondents per group: ``cells``
    maps (unit, group) → n, where ``group`` names a respondent group (give respondents without one
    a name of their own: they are released too). Units without a cell have no own respondents."""
    names = sorted({group for _, group in cells})
    tree: dict[OwnOrSubtree[N], OwnOrSubtree[N] | None] = {}
    for unit, parent in parents.items():
        tree[unit, False] = None if parent is None else (parent, False)
        tree[unit, True] = (unit, False)
    below: dict[N, list[N]] = {unit: [] for unit in parents}
    for unit, parent in parents.items():
        if parent is not None:
            below[parent].append(unit)
    own_groups: dict[OwnOrSubtree[N], dict[str, int]] = {node: {} for node in tree}
    for (unit, group), n in cells.items():
        if unit not in parents:
            raise ValueError(f"cell of an unknown unit {unit!r}")
        own_groups[unit, True][group] = own_groups[unit, True].get(group, 0) + n

    def subtree_groups(unit: N) -> dict[str, int]:
        totals = dict(own_groups[unit, True])
        for child in below[unit]:
            for group, n in subtree_groups(child).items():
                totals[group] = totals.get(group, 0) + n
        own_groups[unit, False] = totals
        return totals

    for unit, parent in parents.items():
        if parent is None:
            subtree_groups(unit)
    counts = {node: sum(groups.values()) for node, groups in own_groups.items()}
    if len(names) <= 1:
        return CellDisclosure(disclose(tree, counts, k), names[0] if names else None)
    return CellDisclosure(disclose(tree, counts, k, own_groups), None)
