"""Disclosure control: which figures of a round may be shown (pure: no database, no web).

A *figure* is a statistic over a set of respondents: a unit's total (over its whole subtree) or one
respondent group's part of it (a perspective), in one *layer*: a dimension, or the overall score.
Respondent counts are public (response rates show them); what is protected is the figure itself.
The rule, applied to every page, export and report:

1. **Too few**: a figure from 0 < n < k respondents is never shown.
2. **Nothing hidden can be worked out**: figures are tied by linear relations (on sums n·mean, as
   the counts are known), and an attacker may use all of them at once:

   - parent = Σ children + rest, for the total and for every group, in every layer, where the
     *rest* is the parent's own direct respondents: never shown itself, it acts as a hidden child;
   - total = Σ groups + ungrouped, where *ungrouped* are the respondents without a group;
   - across layers, for the same respondents: D · overall = Σ dimensions + P, where D is the
     number of dimensions and P (the *partial* layer, never shown) is the part of the respondents
     who left a whole dimension unanswered ("not applicable"): for a respondent who answered d < D
     dimensions it is (D − d) times their overall score, and it vanishes for everyone who answered
     all of them. Where a cell's respondents skipped dimensions in a pattern that fixes its overall
     from its dimensions (each dimension answered only by people who answered equally many), that
     exact relation is added too.

   No hidden figure may lie in the span of the shown ones (checked exactly, by elimination), and no
   hidden sum of fewer than k respondents either: rests, ungrouped parts and partial parts with
   0 < n < k are protected like a too-few figure, and the hidden terms of a relation whose other
   terms are known must together come from 0 or at least k respondents. Rests and partial parts of
   k or more may be derived, being no smaller than a figure we would show.
3. While a rule is broken, one more figure is hidden: in the relation that gives the leak away, the
   shown figure with the fewest respondents (a sibling or a group before the parent, the dimension
   that people skipped before the overall), iterated to a fixed point. It ends: hiding everything
   leaks nothing.

A hidden figure does not say why it is hidden: ``Visibility`` has one value for both reasons.
The shown figures' precision is not counted on (the relations are exact): rounding protects nothing.
Figures with n = 0 do not exist ("no responses") and are neither shown nor hidden.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast

from maturity import i18n

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


_PRIME = 2**61 - 1


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
    coefficients: tuple[int, ...]  # modulo _PRIME
    whole: int | None


class _Ungrouped:
    def __repr__(self) -> str:
        return "ungrouped"


_UNGROUPED = _Ungrouped()


class _System:
    """The terms of every layer and the relations between them."""

    def __init__(self) -> None:
        self.terms: list[_Term] = []
        self.relations: list[_Relation] = []
        self.links: dict[Hashable, list[int]] = {}
        self.grouped = False
        self.layered = False
        self.seeds: list[tuple[int, int]] = []  # (relation, its one never-shown term)

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
        kept = [(t, c % _PRIME) for t, c in pairs if self.terms[t].n > 0 and c % _PRIME]
        if len(kept) < 2 and whole is None:
            return
        relation = _Relation(tuple(t for t, _ in kept), tuple(c for _, c in kept), whole)
        self.relations.append(relation)
        for term in relation.terms:
            self.terms[term].relations.append(len(self.relations) - 1)

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
                return self._smallest_shown([r], hidden) or self._widen([r], hidden)
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
        """The smallest shown figure in the nearest ring of relations around these."""
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
    system = _System()
    system.add_tree(parents, counts, groups, names, lambda unit, column: (unit, column))
    hidden, primary = system.decide(k)
    figures = {t.figure: t.n for t in system.terms if t.figure is not None}
    return Disclosure(
        k,
        cast("Mapping[Figure[N], int]", figures),
        frozenset(cast("Figure[N]", system.terms[t].figure) for t in primary),
        frozenset(cast("Figure[N]", system.terms[t].figure) for t in hidden - primary),
    )


# --- A round: every unit's own respondents, every layer --------------------------------------

OwnOrSubtree = tuple[N, bool]  # (unit, True): the unit's own respondents; (unit, False): its subtree
Layer = Hashable  # a dimension, or OVERALL
OVERALL: Layer = None
_PARTIAL = ("partial",)  # the never-shown layer of respondents who skipped a whole dimension


def _tree(parents: Mapping[N, N | None]) -> dict[OwnOrSubtree[N], OwnOrSubtree[N] | None]:
    """Every unit's own respondents as the leaf ``(unit, True)`` under its subtree ``(unit, False)``."""
    tree: dict[OwnOrSubtree[N], OwnOrSubtree[N] | None] = {}
    for unit, parent in parents.items():
        tree[unit, False] = None if parent is None else (parent, False)
        tree[unit, True] = (unit, False)
    return tree


def _subtree_groups(
    parents: Mapping[N, N | None], cells: Mapping[tuple[N, str], int]
) -> dict[OwnOrSubtree[N], dict[str, int]]:
    """n per group of every node of ``_tree``: own cells as given, subtrees added up."""
    below: dict[N, list[N]] = {unit: [] for unit in parents}
    for unit, parent in parents.items():
        if parent is not None:
            below[parent].append(unit)
    out: dict[OwnOrSubtree[N], dict[str, int]] = {}
    for unit in parents:
        out[unit, True] = {}
    for (unit, group), n in cells.items():
        if unit not in parents:
            raise ValueError(f"cell of an unknown unit {unit!r}")
        out[unit, True][group] = out[unit, True].get(group, 0) + n
    order: list[N] = []
    stack = [unit for unit, parent in parents.items() if parent is None]
    while stack:  # parents before children; added up in reverse
        unit = stack.pop()
        order.append(unit)
        stack.extend(below[unit])
    for unit in reversed(order):
        totals = dict(out[unit, True])
        for child in below[unit]:
            for group, n in out[child, False].items():
                totals[group] = totals.get(group, 0) + n
        out[unit, False] = totals
    return out


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
    """Decide every figure of a unit tree, in one layer, from its units' own respondents per group:
    ``cells`` maps (unit, group) → n, where ``group`` names a respondent group (give respondents
    without one a name of their own: they are released too). Units without a cell have no own
    respondents."""
    names = sorted({group for _, group in cells})
    own_groups = _subtree_groups(parents, cells)
    counts = {node: sum(groups.values()) for node, groups in own_groups.items()}
    tree = _tree(parents)
    if len(names) <= 1:
        return CellDisclosure(disclose(tree, counts, k), names[0] if names else None)
    return CellDisclosure(disclose(tree, counts, k, own_groups), None)


@dataclass(frozen=True)
class CellAnswers:
    """A unit's own respondents of one group in a round: ``submitted`` responses, and ``answered``:
    (dimension, number of dimensions the respondent has a score in) → respondents with a score in
    that dimension. A respondent who answered every dimension counts once per dimension under the
    number of dimensions of the round."""

    submitted: int
    answered: Mapping[tuple[Layer, int], int] = field(default_factory=dict)

    def layer(self, dimension: Layer) -> int:
        return sum(n for (d, _), n in self.answered.items() if d == dimension)

    def by_size(self) -> dict[int, int]:
        """Respondents per number of dimensions answered."""
        out: dict[int, int] = {}
        for (_, size), n in self.answered.items():
            out[size] = out.get(size, 0) + n
        return {size: total // size for size, total in out.items()}


@dataclass(frozen=True)
class SurveyDisclosure(Generic[N]):
    """One decision for every figure of a round: each unit subtree's (and group's) figure in every
    dimension and overall, and each own cell the export releases (in all layers or none)."""

    k: int
    hidden: frozenset[tuple[OwnOrSubtree[N], str | None, Layer]]
    counts: Mapping[tuple[OwnOrSubtree[N], str | None, Layer], int]
    submitted: Mapping[tuple[N, str], int]
    layers: tuple[Layer, ...]
    only_group: str | None
    primary: frozenset[tuple[OwnOrSubtree[N], str | None, Layer]] = frozenset()  # for this module's tests

    def _key(self, node: OwnOrSubtree[N], group: str | None, layer: Layer) -> tuple[Any, ...] | None:
        if self.only_group is not None and group is not None:
            if group != self.only_group:
                return None
            group = None
        return (node, group, layer)

    def _visibility(self, node: OwnOrSubtree[N], group: str | None, layer: Layer) -> Visibility:
        key = self._key(node, group, layer)
        if key is None or self.counts.get(key, 0) == 0:
            return Visibility.EMPTY
        return Visibility.TOO_FEW if key in self.hidden else Visibility.SHOWN

    def subtree(self, unit: N, group: str | None = None, layer: Layer = OVERALL) -> Visibility:
        """A unit's figure over its whole subtree in a dimension or overall (``group`` None: all
        respondents)."""
        return self._visibility((unit, False), group, layer)

    def cell(self, unit: N, group: str) -> Visibility:
        """The unit's own respondents of ``group``, as the export releases them: shown only when
        every layer of the cell is shown and it has at least k submitted responses."""
        submitted = self.submitted.get((unit, group), 0)
        if submitted == 0:
            return Visibility.EMPTY
        if submitted < self.k:
            return Visibility.TOO_FEW
        seen = [self._visibility((unit, True), group, layer) for layer in self.layers]
        return Visibility.TOO_FEW if Visibility.TOO_FEW in seen else Visibility.SHOWN


def disclose_survey(
    parents: Mapping[N, N | None], cells: Mapping[tuple[N, str], CellAnswers], dimensions: Sequence[Layer], k: int
) -> SurveyDisclosure[N]:
    """Decide every figure of a round at once (see the module's rules). ``cells`` maps each unit's
    own respondents of a group (give respondents without one a name of their own) to what they
    answered; ``dimensions`` are the round's dimensions with any score.

    When every respondent with a score answered every dimension, all layers have the same counts
    and one decision over the tree serves them all: a figure is shown in every layer or in none,
    so any combination of layers an attacker forms is a combination of figures over the same shown
    sets, and the single-layer check covers it. Otherwise every layer, and the partial one, go into
    one system."""
    if k < 1:
        raise ValueError(f"minimum group size k = {k} below 1")
    size = len(dimensions)
    layers: tuple[Layer, ...] = (*dimensions, OVERALL)
    submitted = {cell: answers.submitted for cell, answers in cells.items()}
    names = sorted({group for (_, group), answers in cells.items() if answers.answered})
    only_group = names[0] if len(names) == 1 else None
    tree = _tree(parents)

    def column(group: str) -> str | None:
        return None if only_group is not None else group

    layer_cells: dict[Layer, dict[tuple[N, str], int]] = {layer: {} for layer in (*layers, _PARTIAL)}
    for cell, answers in cells.items():
        sizes = answers.by_size()
        layer_cells[OVERALL][cell] = sum(sizes.values())
        layer_cells[_PARTIAL][cell] = sum(n for s, n in sizes.items() if s < size)

    if not any(layer_cells[_PARTIAL].values()):
        # Every layer has the overall's counts: one decision for all (the module's docstring says why).
        decided = disclose_cells(parents, {c: n for c, n in layer_cells[OVERALL].items() if n}, k).decided
        hidden = {(node, group, layer) for node, group in decided.too_few | decided.suppressed for layer in layers}
        primary = {(node, group, layer) for node, group in decided.too_few for layer in layers}
        counts = {(node, group, layer): n for (node, group), n in decided.counts.items() for layer in layers}
        return SurveyDisclosure(k, frozenset(hidden), counts, submitted, layers, only_group, frozenset(primary))

    for cell, answers in cells.items():
        for dimension in dimensions:
            layer_cells[dimension][cell] = answers.layer(dimension)
    system = _System()
    system.layered = True
    grouped = only_group is None and bool(names)
    indexes: dict[Layer, dict[tuple[object, ...], int]] = {}
    for layer in (*layers, _PARTIAL):
        by_node = _subtree_groups(parents, layer_cells[layer])
        totals = {node: sum(groups.values()) for node, groups in by_node.items()}

        def figure(node: OwnOrSubtree[N], col: str | None, layer: Layer = layer) -> Hashable | None:
            if layer == _PARTIAL and not node[1]:
                return None  # a subtree's partial part is never shown; a cell's goes with the cell
            return (node, col, layer)

        def link(node: OwnOrSubtree[N], col: str | None) -> Hashable | None:
            return (node, col) if node[1] else None

        indexes[layer] = system.add_tree(
            tree, totals, by_node if grouped else {}, names if grouped else [], figure, link
        )

    # D · overall − Σ dimensions − partial = 0 wherever a term stands in every layer
    for key, overall in indexes[OVERALL].items():
        partial = indexes[_PARTIAL][key]
        pairs = [(overall, size), (partial, -1)]
        pairs += [(indexes[dimension][key], -1) for dimension in dimensions]
        before = len(system.relations)
        system.relate(pairs)
        if len(system.relations) > before and system.terms[partial].figure is None:
            system.seeds.append((before, partial))
    # a cell whose skipping pattern fixes its overall from its dimensions: partial = Σ (D − s_d)/s_d · dimension
    for (unit, group), answers in cells.items():
        answered_sizes: dict[Layer, set[int]] = {}
        for (dimension, s), n in answers.answered.items():
            if n:
                answered_sizes.setdefault(dimension, set()).add(s)
        if not layer_cells[_PARTIAL][unit, group] or any(len(s) != 1 for s in answered_sizes.values()):
            continue
        key = ("unit", (unit, True), column(group))
        pairs = [(indexes[_PARTIAL][key], 1)]
        for dimension, (s,) in ((d, tuple(s)) for d, s in answered_sizes.items()):
            pairs.append((indexes[dimension][key], -(size - s) * pow(s, -1, _PRIME)))
        system.relate(pairs)

    hidden_terms, primary_terms = system.decide(k)

    def keys(terms: Iterable[int]) -> frozenset[Any]:
        return frozenset(system.terms[t].figure for t in terms if system.terms[t].figure is not None)

    shown_counts: dict[Any, int] = {
        term.figure: term.n
        for term in system.terms
        if term.figure is not None and cast("tuple[Any, ...]", term.figure)[2] != _PARTIAL
    }
    return SurveyDisclosure(k, keys(hidden_terms), shown_counts, submitted, layers, only_group, keys(primary_terms))


# --- Response counts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Participation:
    """A response count as its reader may see it: exact, or "fewer than k" (``count`` None).
    ``rate`` (0–1) is what a response-rate bar may draw: None when the count is not shown or
    there is no headcount, so a bar never gives a hidden count away."""

    count: int | None
    k: int
    rate: float | None = None
    suppressed: bool = False  # hidden by a disclosure decision (it would give a smaller count away), not for k

    @property
    def below_k(self) -> bool:
        return self.count is None

    def label(self, locale: str) -> str:
        """The count in words for ``locale``: "12", "fewer than 5", or "not shown"."""
        if self.suppressed:
            return i18n.translate(locale, "not shown")
        if self.count is None:
            return i18n.translate(locale, "fewer than %(k)s", k=i18n.number(self.k, locale))
        return i18n.number(self.count, locale)


def participation(count: int, k: int, *, headcount: int | None = None, exact: bool = False) -> Participation:
    """How a unit's or group's response count reads: exact from k up (and at 0: nobody to
    protect); below k "fewer than k", unless ``exact`` (the strategy office following up a round
    that lets it: ``surveys.rates.sees_exact_counts``). Every page, API answer and report that shows a
    response count or a response-rate bar goes through this one function."""
    if 0 < count < k and not exact:
        return Participation(None, k)
    return Participation(count, k, count / headcount if headcount else None)
