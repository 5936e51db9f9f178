"""The decision itself, over any tree of figures and the linear relations between them: which
figures are shown, which too few, which hidden to protect another (the rule: ``maturity.disclosure``)."""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast

N = TypeVar("N", bound=Hashable)
Figure = tuple[N, str | None]  # (unit, group); group None is the unit's total


class Visibility(StrEnum):
    SHOWN = "shown"
    TOO_FEW = "too_few"  # hidden: too few responses, or it would let a hidden figure be worked out
    EMPTY = "empty"  # n = 0: no figure at all


@dataclass(frozen=True)
class Disclosure(Generic[N]):
    """The outcome for every figure of the tree; ``counts`` holds n per figure. ``too_few`` and
    ``suppressed`` (hidden to protect another) are this module's reasoning, for its tests: every
    caller sees one ``Visibility`` for both, so nothing tells an attacker which is which."""

    k: int
    counts: Mapping[Figure[N], int]
    too_few: frozenset[Figure[N]]
    suppressed: frozenset[Figure[N]]

    def visibility(self, unit: N, group: str | None = None) -> Visibility:
        figure = (unit, group)
        if figure in self.too_few or figure in self.suppressed:
            return Visibility.TOO_FEW
        if self.counts.get(figure, 0) == 0:
            return Visibility.EMPTY
        return Visibility.SHOWN

    def shown(self, unit: N, group: str | None = None) -> bool:
        return self.visibility(unit, group) == Visibility.SHOWN


PRIME = 2**61 - 1


@dataclass
class _Term:
    """A cell of the relations: a figure (``figure`` set) or a never-shown rest/ungrouped/partial part."""

    n: int
    figure: Hashable | None
    relations: list[int]
    link: Hashable | None = None  # terms shown or hidden together (an export cell in every layer)


@dataclass(frozen=True)
class _Relation:
    """Σ coefficient · term = 0. ``whole`` is the term the others are disjoint parts of (parent,
    total); None for a relation between layers of the same respondents."""

    terms: tuple[int, ...]
    coefficients: tuple[int, ...]  # modulo PRIME
    whole: int | None


class _Ungrouped:
    def __repr__(self) -> str:
        return "ungrouped"


_UNGROUPED = _Ungrouped()


class System:
    """The terms of every layer and the relations between them."""

    def __init__(self) -> None:
        self.terms: list[_Term] = []
        self.relations: list[_Relation] = []
        self.links: dict[Hashable, list[int]] = {}
        self.grouped = False
        self.layered = False
        self.seeds: list[tuple[int, int]] = []  # (relation, its one never-shown term)
        self.whole_of: dict[int, list[int]] = {}  # term → the relations it is the whole of

    def add(self, n: int, figure: Hashable | None, link: Hashable | None = None) -> int:
        self.terms.append(_Term(n, figure, [], link))
        t = len(self.terms) - 1
        if link is not None:
            self.links.setdefault(link, []).append(t)
        return t

    def relate(self, pairs: Iterable[tuple[int, int]], whole: int | None = None) -> None:
        """Terms with n = 0 are known to be empty; they drop out of the relation."""
        if whole is not None and self.terms[whole].n == 0:
            return
        kept = [(t, c % PRIME) for t, c in pairs if self.terms[t].n > 0 and c % PRIME]
        if len(kept) < 2 and whole is None:
            return
        relation = _Relation(tuple(t for t, _ in kept), tuple(c for _, c in kept), whole)
        self.relations.append(relation)
        for term in relation.terms:
            self.terms[term].relations.append(len(self.relations) - 1)
        if whole is not None:
            self.whole_of.setdefault(whole, []).append(len(self.relations) - 1)

    def add_tree(
        self,
        parents: Mapping[Any, Any],
        counts: Mapping[Any, int],
        groups: Mapping[Any, Mapping[str, int]],
        names: Sequence[str],
        figure: Any,
        link: Any = lambda node, column: None,
    ) -> dict[tuple[object, ...], int]:
        """One layer: a term per unit and column (total, each group, ungrouped) and per rest, with
        the tree and group relations. ``figure(unit, column)`` names a figure term (None: a part
        never shown). Raises ValueError for counts that do not add up."""
        children: dict[Hashable, list[Hashable]] = {unit: [] for unit in parents}
        for unit, parent in parents.items():
            if unit not in counts or counts[unit] < 0:
                raise ValueError(f"unit {unit!r} has no respondent count")
            if parent is not None:
                if parent not in children:
                    raise ValueError(f"unit {unit!r} has an unknown parent {parent!r}")
                children[parent].append(unit)
        columns: list[str | _Ungrouped | None] = [None, *names, _UNGROUPED] if names else [None]
        self.grouped = self.grouped or bool(names)

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
                if isinstance(column, _Ungrouped):
                    index["unit", unit, column] = self.add(cell[unit, column], None)
                else:
                    name = figure(unit, column)
                    index["unit", unit, column] = self.add(
                        cell[unit, column], name, link(unit, column) if name else None
                    )
        for unit, kids in children.items():
            if not kids:
                continue
            for column in columns:
                rest = cell[unit, column] - sum(cell[kid, column] for kid in kids)
                if rest < 0:
                    raise ValueError(f"unit {unit!r}: its children count more respondents than it has")
                index["rest", unit, column] = self.add(rest, None)
                whole = index["unit", unit, column]
                parts = [index["unit", kid, column] for kid in kids] + [index["rest", unit, column]]
                self.relate([(whole, 1), *((p, -1) for p in parts)], whole)
        if names:
            for kind, owner, col in list(index):
                if col is None:
                    whole = index[kind, owner, None]
                    parts = [index[kind, owner, name] for name in [*names, _UNGROUPED]]
                    self.relate([(whole, 1), *((p, -1) for p in parts)], whole)
        return index

    # --- deciding ---------------------------------------------------------------------------

    def decide(self, k: int) -> tuple[set[int], set[int]]:
        """The hidden terms, and those among them hidden for their own n (too few).

        A term hidden only because a linked one is (a layer of an export cell that is not
        released) need not stay hidden from the shown figures: what must not be worked out is
        the term that was hidden in its own right, and the small parts."""
        primary = {t for t, term in enumerate(self.terms) if term.figure is not None and 0 < term.n < k}
        guarded = set(primary)
        hidden = self._linked(primary)
        for r, small in self.seeds:
            # a relation whose only never-shown part is small gives it away while its figures are
            # all shown: one of them goes (the fixed point would hide it too, one pass each)
            if not 0 < self.terms[small].n < k or any(t in hidden for t in self.relations[r].terms):
                continue
            if (choice := self._smallest_shown([r], hidden)) is not None:
                guarded.add(choice)
                hidden |= self._linked({choice})
        while True:
            # Peeling first (cheap, and complete for one layer without groups); elimination after.
            leak = self.find_leak(hidden, guarded, k, eliminate=False)
            if leak is None and (self.grouped or self.layered):
                leak = self.find_leak(hidden, guarded, k, eliminate=True)
            if leak is None:
                return hidden, primary
            guarded.add(leak)
            hidden |= self._linked({leak})

    def _linked(self, terms: set[int]) -> set[int]:
        out = set(terms)
        for t in terms:
            link = self.terms[t].link
            if link is not None:
                out.update(self.links[link])
        return out

    def _derive(self, hidden: set[int], eliminate: bool) -> tuple[set[int], dict[int, int | None]]:
        """What the shown figures leave open (hidden figures and never-shown parts, less whatever
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
        rows = []
        for relation in self.relations:
            row = {t: c for t, c in zip(relation.terms, relation.coefficients, strict=True) if t in unknown}
            if row:
                rows.append(row)
        for term in sorted(_determined(rows)):
            unknown.discard(term)
            derived[term] = None
        return unknown, derived

    def find_leak(self, hidden: set[int], guarded: set[int], k: int, *, eliminate: bool) -> int | None:
        """The next figure to hide, or None when nothing leaks. The first protected term found
        determined is the root of a leak (later ones may follow from it): cover that one."""
        unknown, derived = self._derive(hidden, eliminate)
        for t in derived:
            if t in guarded or 0 < self.terms[t].n < k:  # a hidden figure, or a too-small part
                return self._cover(t, hidden, derived)
        for r, relation in enumerate(self.relations):
            open_terms = [t for t in relation.terms if t in unknown]
            if len(open_terms) < 2 or len(open_terms) == len(relation.terms):
                continue  # at most one unknown: found above; all unknown: the relation says nothing
            if relation.whole is not None:
                if relation.whole in unknown:
                    continue
                pooled = sum(self.terms[t].n for t in open_terms)  # disjoint parts
            else:
                pooled = max(self.terms[t].n for t in open_terms)  # layers of the same people: at least
            if 0 < pooled < k:
                return self._widen([r], hidden)
        return self._pooled_deeper(unknown, derived, hidden, k)

    def _pooled_deeper(self, unknown: set[int], derived: dict[int, int | None], hidden: set[int], k: int) -> int | None:
        """A known whole minus the known parts found anywhere below it (an unknown part taken apart
        into its own parts, as far as that finds known ones) leaves the people under none of them:
        fewer than k of them must not be left. Of each unknown part's decompositions, the one that
        leaves the fewest counts (each is a real subtraction an attacker can make)."""
        left: dict[int, tuple[int, list[int]]] = {}  # term → (people left unknown, relations used)

        def remaining(term: int) -> tuple[int, list[int]]:
            if term not in unknown:
                return 0, []
            if term not in left:
                left[term] = (self.terms[term].n, [])  # taken whole (also guards a cycle)
                for r in self.whole_of.get(term, []):
                    parts = [remaining(t) for t in self.relations[r].terms if t != term]
                    n = sum(p[0] for p in parts)
                    if n < left[term][0]:
                        left[term] = (n, [r, *(used for p in parts for used in p[1])])
            return left[term]

        for r, relation in enumerate(self.relations):
            whole = relation.whole
            if whole is None or whole in unknown:
                continue
            parts = [remaining(t) for t in relation.terms if t != whole]
            pooled = sum(p[0] for p in parts)
            used = [r, *(u for p in parts for u in p[1])]
            if 0 < pooled < k and len(used) > 1:  # one relation alone was checked above
                # the known parts that were derived, not shown, were given away by relations too
                given = [
                    d for t in {t for u in used for t in self.relations[u].terms} if (d := derived.get(t)) is not None
                ]
                relations = list(dict.fromkeys([*used, *given]))
                return self._widen(relations, hidden)
        return None

    def _cover(self, term: int, hidden: set[int], derived: dict[int, int | None]) -> int:
        """A shown figure to hide in the relation that gave ``term`` away; when that relation's other
        terms were all derived, in the relation that gave one of those away."""
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
        """The smallest shown figure in these relations; when they show none, in the nearest ring
        of relations around them."""
        frontier, seen = list(relations), set(relations)
        while frontier:
            if (choice := self._smallest_shown(frontier, hidden)) is not None:
                return choice
            ring = {r2 for r in frontier for t in self.relations[r].terms for r2 in self.terms[t].relations}
            frontier = sorted(ring - seen)
            seen |= ring
        raise AssertionError("a derived figure without a shown figure to derive it from")


def _determined(rows: list[dict[int, int]]) -> set[int]:
    """Unknowns fixed by the homogeneous system rows·x = known: exactly those x whose unit vector is
    in the row space, i.e. a row of the reduced row echelon form with a single entry.

    Eliminates modulo the prime 2⁶¹ − 1 (fast, no fractions); this agrees with the rationals unless
    the prime divides a minor of the matrix, and the minors of these sparse relation matrices (small
    integer coefficients) are tiny against 2.3·10¹⁸. The tests check the outcome with exact fractions.
    """
    pivots: dict[int, dict[int, int]] = {}
    for incoming in rows:
        row = dict(incoming)
        for column in [c for c in row if c in pivots]:
            factor = row.get(column, 0)
            if factor:
                for c, v in pivots[column].items():
                    row[c] = (row.get(c, 0) - factor * v) % PRIME
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        pivot = min(row)
        inverse = pow(row[pivot], -1, PRIME)
        row = {c: v * inverse % PRIME for c, v in row.items()}
        for other in pivots.values():
            factor = other.get(pivot, 0)
            if factor:
                for c, v in row.items():
                    other[c] = (other.get(c, 0) - factor * v) % PRIME
                for c in [c for c, v in other.items() if not v]:
                    del other[c]
        pivots[pivot] = row
    return {p for p, row in pivots.items() if len(row) == 1}


def disclose(
    parents: Mapping[N, N | None],
    counts: Mapping[N, int],
    k: int,
    groups: Mapping[N, Mapping[str, int]] | None = None,
) -> Disclosure[N]:
    """Decide every figure of a unit tree in one layer. ``parents`` maps each unit to its parent
    (None at a root); ``counts`` gives each unit's respondents over its whole subtree; ``groups``
    optionally each unit's subtree respondents per group. Raises ValueError for counts that do not
    add up."""
    if k < 1:
        raise ValueError(f"minimum group size k = {k} below 1")
    groups = groups or {}
    names = list(dict.fromkeys(name for unit in parents for name in groups.get(unit, {})))
    system = System()
    system.add_tree(parents, counts, groups, names, lambda unit, column: (unit, column))
    hidden, primary = system.decide(k)
    figures = {t.figure: t.n for t in system.terms if t.figure is not None}
    return Disclosure(
        k,
        cast("Mapping[Figure[N], int]", figures),
        frozenset(cast("Figure[N]", system.terms[t].figure) for t in primary),
        frozenset(cast("Figure[N]", system.terms[t].figure) for t in hidden - primary),
    )
