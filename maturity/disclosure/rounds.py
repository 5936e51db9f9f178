"""A round: every unit's own respondents, every respondent group, every layer (each dimension
and the overall score), decided at once; and one layer's cells for a response-rate page."""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, cast

from maturity.disclosure.engine import PRIME, Disclosure, N, System, Visibility, disclose

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
    system = System()
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
            pairs.append((indexes[dimension][key], -(size - s) * pow(s, -1, PRIME)))
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
