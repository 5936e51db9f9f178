"""Disclosure control: primary and complementary suppression over unit trees and respondent groups."""

from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.disclosure import (
    CellAnswers,
    SurveyDisclosure,
    Visibility,
    disclose,
    disclose_cells,
    disclose_survey,
    participation,
)

K = 5


class TestPrimarySuppression:
    def test_too_few_empty_and_shown_at_the_boundary(self) -> None:
        # U (14) = A (4) + B (5) + C (0) + U's own 5: A stays pooled with U's own respondents.
        result = disclose({"U": None, "A": "U", "B": "U", "C": "U"}, {"U": 14, "A": 4, "B": 5, "C": 0}, K)
        assert result.visibility("A") == Visibility.TOO_FEW  # n = 4 = k − 1
        assert result.visibility("B") == Visibility.SHOWN  # n = 5 = k
        assert result.visibility("C") == Visibility.EMPTY  # no responses: no figure, nothing to hide
        assert result.visibility("U") == Visibility.SHOWN
        assert result.suppressed == frozenset()


class TestComplementarySuppression:
    def test_the_smallest_sibling_goes(self) -> None:
        # U (30) = A (2) + B (10) + C (18): A too few; showing U, B and C gives A = 30 − 10 − 18.
        result = disclose({"U": None, "A": "U", "B": "U", "C": "U"}, {"U": 30, "A": 2, "B": 10, "C": 18}, K)
        assert result.too_few == {("A", None)}
        assert result.suppressed == {("B", None)}

    def test_direct_respondents_of_k_or_more_protect_a_small_child(self) -> None:
        # U (30) = A (2) + B (10) + U's own 18 respondents, never shown: U − B = A + own, and 20 ≥ k.
        result = disclose({"U": None, "A": "U", "B": "U"}, {"U": 30, "A": 2, "B": 10}, K)
        assert result.too_few == {("A", None)}
        assert result.suppressed == frozenset()

    def test_too_few_direct_respondents_count_as_a_hidden_child(self) -> None:
        # U (14) = A (2) + B (10) + own 2: U − B = A + own pools 4 < k respondents, so B goes too.
        result = disclose({"U": None, "A": "U", "B": "U"}, {"U": 14, "A": 2, "B": 10}, K)
        assert result.suppressed == {("B", None)}

    def test_direct_respondents_alone_below_k_are_protected(self) -> None:
        # U (13) = A (10) + own 3: U − A would give U's own 3 respondents away; A (smaller) goes.
        result = disclose({"U": None, "A": "U"}, {"U": 13, "A": 10}, K)
        assert result.too_few == frozenset()
        assert result.suppressed == {("A", None)}

    def test_two_hidden_siblings_must_pool_k(self) -> None:
        # U (14) = A (2) + B (2) + C (10): hiding A and B still gives their pooled 4 away.
        result = disclose({"U": None, "A": "U", "B": "U", "C": "U"}, {"U": 14, "A": 2, "B": 2, "C": 10}, K)
        assert result.too_few == {("A", None), ("B", None)}
        assert result.suppressed == {("C", None)}

    def test_a_complement_must_not_be_derivable_from_its_own_children(self) -> None:
        # U (30) = A (2) + B (28); B is hidden to protect A, but B = B1 (14) + B2 (14) would give it
        # back, so B1 goes too: then U − A − B = 0 and B − B1 = B2 leave A, B, B1 undetermined.
        parents = {"U": None, "A": "U", "B": "U", "B1": "B", "B2": "B"}
        result = disclose(parents, {"U": 30, "A": 2, "B": 28, "B1": 14, "B2": 14}, K)
        assert result.suppressed == {("B", None), ("B1", None)}

    def test_perspectives_protect_each_other_in_a_block(self) -> None:
        # Groups x and y in A and B (U has no own respondents):
        #        x   y   total
        #   A    3  12   15
        #   B    7   8   15
        #   U   10  20   30
        # A/x is too few; hiding A/y, B/x and B/y leaves each row and column with two unknowns and
        # the four of them one degree of freedom: nothing of the block can be derived.
        groups = {"U": {"x": 10, "y": 20}, "A": {"x": 3, "y": 12}, "B": {"x": 7, "y": 8}}
        result = disclose({"U": None, "A": "U", "B": "U"}, {"U": 30, "A": 15, "B": 15}, K, groups)
        assert result.too_few == {("A", "x")}
        assert result.suppressed == {("A", "y"), ("B", "x"), ("B", "y")}
        assert result.shown("U", "x")
        assert result.shown("A")

    def test_respondents_without_a_group_count_as_a_hidden_group(self) -> None:
        # A (20) = x (12) + y (4) + 4 without a group: A − x = y + ungrouped pools 8 ≥ k: only y hides.
        result = disclose({"A": None}, {"A": 20}, K, {"A": {"x": 12, "y": 4}})
        assert result.too_few == {("A", "y")}
        assert result.suppressed == frozenset()


class TestInput:
    @pytest.mark.parametrize(
        ("parents", "counts", "groups", "message"),
        [
            pytest.param({"U": None, "A": "U"}, {"U": 3, "A": 5}, None, "children count more", id="child above parent"),
            pytest.param({"U": None}, {"U": 3}, {"U": {"x": 4}}, "groups count more", id="groups above total"),
            pytest.param({"U": None, "A": "X"}, {"U": 3, "A": 1}, None, "unknown parent", id="unknown parent"),
            pytest.param({"U": None}, {}, None, "no respondent count", id="no count"),
        ],
    )
    def test_counts_must_add_up(
        self,
        parents: dict[str, str | None],
        counts: dict[str, int],
        groups: dict[str, dict[str, int]] | None,
        message: str,
    ) -> None:
        with pytest.raises(ValueError, match=message):
            disclose(parents, counts, K, groups)


# --- Properties over random trees --------------------------------------------------------------

GROUPS = ("x", "y")


@dataclass(frozen=True)
class Tree:
    """A random tree by its atoms: each unit's own respondents per group (None: without a group)."""

    parents: dict[int, int | None]
    own: dict[int, dict[str | None, int]]
    k: int

    def subtree(self, unit: int) -> list[int]:
        below = [unit]
        for child, parent in self.parents.items():
            if parent == unit:
                below += self.subtree(child)
        return below

    def atoms(self) -> list[tuple[int, str | None]]:
        return [(u, g) for u, counts in self.own.items() for g, n in counts.items() if n > 0]

    def vector(self, units: list[int], group: object) -> tuple[list[int], int]:
        """The figure over these units (a group, or every group for ``...``) as 0/1 over atoms, and its n."""
        atoms = self.atoms()
        vector = [1 if u in units and (group is ... or g == group) else 0 for u, g in atoms]
        return vector, sum(self.own[u][g] for (u, g), bit in zip(atoms, vector, strict=True) if bit)


@st.composite
def trees(draw: st.DrawFn, with_groups: bool) -> Tree:
    size = draw(st.integers(1, 9))
    parents: dict[int, int | None] = {0: None}
    for unit in range(1, size):
        parents[unit] = draw(st.integers(0, unit - 1))
    names: tuple[str | None, ...] = (*GROUPS, None) if with_groups else (None,)
    small = st.integers(0, 6) | st.integers(0, 14)
    own = {u: {g: draw(small) for g in names} for u in parents}
    return Tree(parents, own, draw(st.integers(2, 6)))


class Span:
    """The linear span of the shown figures over the atoms, kept as exact echelon rows (fractions)."""

    def __init__(self, rows: list[list[int]]) -> None:
        self.basis: dict[int, list[Fraction]] = {}  # pivot column → row with 1 there
        for row in rows:
            reduced = self.reduce([Fraction(v) for v in row])
            pivot = next((c for c, v in enumerate(reduced) if v), None)
            if pivot is not None:
                self.basis[pivot] = [v / reduced[pivot] for v in reduced]

    def reduce(self, vector: list[Fraction]) -> list[Fraction]:
        for pivot, row in self.basis.items():
            if vector[pivot]:
                factor = vector[pivot]
                vector = [a - factor * b for a, b in zip(vector, row, strict=True)]
        return vector

    def __contains__(self, vector: list[int]) -> bool:
        """The sum over these atoms follows from the shown figures."""
        return not any(self.reduce([Fraction(v) for v in vector]))


def check(tree: Tree, with_groups: bool) -> None:
    columns: tuple[object, ...] = (..., *GROUPS) if with_groups else (...,)
    counts = {u: tree.vector(tree.subtree(u), ...)[1] for u in tree.parents}
    groups = {u: {g: tree.vector(tree.subtree(u), g)[1] for g in GROUPS} for u in tree.parents} if with_groups else None
    result = disclose(tree.parents, counts, tree.k, groups)

    figures = {(u, None if c is ... else c): tree.vector(tree.subtree(u), c) for u in tree.parents for c in columns}
    shown = Span([vector for figure, (vector, n) in figures.items() if result.shown(*figure)])  # type: ignore[arg-type]
    for figure, (vector, n) in figures.items():
        visibility = result.visibility(*figure)  # type: ignore[arg-type]
        assert (visibility == Visibility.EMPTY) == (n == 0), figure
        assert (figure in result.too_few) == (0 < n < tree.k), figure
        assert (visibility == Visibility.TOO_FEW) == (figure in result.too_few | result.suppressed), figure
        if visibility == Visibility.TOO_FEW:
            assert vector not in shown, f"{figure} can be derived"
    # a unit's own respondents (all, per group, without a group) are never shown: below k, not derivable
    own_sets = [tree.vector([u], c) for u in tree.parents for c in (*columns, None)]
    for vector, n in own_sets:
        if 0 < n < tree.k:
            assert vector not in shown, "own respondents below k can be derived"
    # pooled hidden parts of a relation with a shown whole: derivable only from k respondents up
    for u in tree.parents:
        kids = [c for c, p in tree.parents.items() if p == u]
        for column in columns:
            whole = (u, None if column is ... else column)
            if not result.shown(*whole):  # type: ignore[arg-type]
                continue
            hidden_kids = [v for c in kids if not result.shown(c, whole[1]) for v in tree.subtree(c)]
            for pooled in (hidden_kids, [u, *hidden_kids]):  # with and without u's own respondents
                vector, n = tree.vector(pooled, column)
                assert not (0 < n < tree.k) or vector not in shown, f"pooled parts under {whole}"
        if with_groups and result.shown(u):
            # total = x + y + without a group: the hidden groups, with or without the ungrouped
            hidden_groups = [g for g in GROUPS if not result.shown(u, g)]
            for extra in ((), (None,)):
                atoms = tree.atoms()
                vector = [sum(1 for g in (*hidden_groups, *extra) if a == g and v in tree.subtree(u)) for v, a in atoms]
                n = sum(tree.own[v][a] for (v, a), bit in zip(atoms, vector, strict=True) if bit)
                assert not (0 < n < tree.k) or vector not in shown, f"pooled groups of {u}"


class TestProperties:
    @settings(deadline=None, max_examples=300)
    @given(trees(with_groups=False))
    def test_unit_trees(self, tree: Tree) -> None:
        check(tree, with_groups=False)

    @settings(deadline=None, max_examples=300)
    @given(trees(with_groups=True))
    def test_unit_trees_with_perspectives(self, tree: Tree) -> None:
        check(tree, with_groups=True)


def check_cells(tree: Tree) -> None:
    """``disclose_cells``: what pages show (subtree figures) and what the export releases (own cells)
    together never give away a hidden figure or cell, and no released cell is below k."""
    cells = {(u, "-" if g is None else g): n for u, counts in tree.own.items() for g, n in counts.items() if n > 0}
    result = disclose_cells(tree.parents, cells, tree.k)
    columns: tuple[object, ...] = (..., *GROUPS, None)
    known: list[list[int]] = []
    hidden: list[tuple[object, list[int]]] = []
    for u in tree.parents:
        for c in columns:
            key = None if c is ... else ("-" if c is None else c)
            for name, units, visibility in (
                ("subtree", tree.subtree(u), result.subtree(u, key)),  # type: ignore[arg-type]
                ("cell", [u], result.cell(u, key)),  # type: ignore[arg-type]
            ):
                vector, n = tree.vector(units, c)
                if visibility == Visibility.SHOWN:
                    assert n >= tree.k, (name, u, c)
                    known.append(vector)
                elif visibility != Visibility.EMPTY:
                    hidden.append(((name, u, c), vector))
    shown = Span(known)
    for figure, vector in hidden:
        assert vector not in shown, f"{figure} can be derived"


class TestCells:
    def test_a_small_own_cell_is_left_out_with_what_would_give_it_away(self) -> None:
        # U's own 2 are below k; U (12) less A (10) would give them away, so A goes too.
        result = disclose_cells({"U": None, "A": "U"}, {("U", "-"): 2, ("A", "-"): 10}, K)
        assert result.cell("U", "-") == Visibility.TOO_FEW
        assert result.subtree("A") == Visibility.TOO_FEW
        assert result.cell("A", "-") == Visibility.TOO_FEW
        assert result.subtree("U") == Visibility.SHOWN

    @settings(deadline=None, max_examples=200)
    @given(trees(with_groups=True))
    def test_pages_and_export_together_give_nothing_away(self, tree: Tree) -> None:
        check_cells(tree)


# --- One decision over every layer of a round -------------------------------------------------

NAMES = ("x", "y", "-")  # "-": respondents without a group, released as a cell of their own


@dataclass(frozen=True)
class Round:
    """A random round by its respondent classes: each unit's own respondents of a group who
    answered the same set of dimensions (indices into ``range(dimensions)``), with how many."""

    parents: dict[int, int | None]
    classes: dict[tuple[int, str, frozenset[int]], int]
    no_score: dict[tuple[int, str], int]  # submitted with no scored answer
    dimensions: int
    k: int

    def subtree(self, unit: int) -> list[int]:
        return Tree(self.parents, {}, self.k).subtree(unit)

    def variables(self) -> list[tuple[int, str, frozenset[int], int]]:
        """The unknowns: each class's sum of dimension scores, per dimension it answered."""
        return [(u, g, a, d) for (u, g, a), n in self.classes.items() if n for d in sorted(a)]

    def figure(self, units: list[int], group: str | None, layer: int | None) -> tuple[list[Fraction], int]:
        """A sum over these units' own respondents (of one group or all) in a dimension, or overall
        (None: a respondent's overall is the mean of their dimension scores), as a vector over the
        variables, and its n."""
        vector = []
        for u, g, a, d in self.variables():
            inside = u in units and group in (None, g)
            weight = Fraction(1 if d == layer else 0) if layer is not None else Fraction(1, len(a))
            vector.append(weight if inside else Fraction(0))
        n = sum(
            c
            for (u, g, a), c in self.classes.items()
            if u in units and group in (None, g) and (layer is None or layer in a)
        )
        return vector, n

    def partial(
        self, units: list[int], group: str | None, released: set[tuple[int, str]]
    ) -> tuple[list[Fraction], int]:
        """D · overall − Σ dimensions over these units' respondents outside released cells: only those
        who skipped a whole dimension remain in it (each (D − d) times their overall)."""
        size = self.dimensions
        vector = []
        for u, g, a, _ in self.variables():
            inside = u in units and group in (None, g) and (u, g) not in released
            vector.append(Fraction(size, len(a)) - 1 if inside else Fraction(0))
        n = sum(
            c
            for (u, g, a), c in self.classes.items()
            if u in units and group in (None, g) and (u, g) not in released and len(a) < size
        )
        return vector, n


@st.composite
def rounds(draw: st.DrawFn) -> Round:
    size = draw(st.integers(1, 6))
    parents: dict[int, int | None] = {0: None}
    for unit in range(1, size):
        parents[unit] = draw(st.integers(0, unit - 1))
    dimensions = draw(st.integers(2, 3))
    full = frozenset(range(dimensions))
    patterns = [frozenset(s) for s in ({0}, {1}, {0, 1}, {1, 2}, {0, 2}) if max(s) < dimensions]
    names = draw(st.sampled_from([NAMES[2:], NAMES]))
    classes: dict[tuple[int, str, frozenset[int]], int] = {}
    no_score: dict[tuple[int, str], int] = {}
    for u in parents:
        for g in names:
            classes[u, g, full] = draw(st.integers(0, 7) | st.integers(0, 14))
            for pattern in draw(st.lists(st.sampled_from(patterns), max_size=2, unique=True)):
                classes[u, g, pattern] = draw(st.integers(1, 3) | st.integers(1, 7))
            no_score[u, g] = draw(st.sampled_from([0, 0, 0, 1]))
    return Round(parents, classes, no_score, dimensions, draw(st.integers(2, 5)))


def decide_round(r: Round) -> SurveyDisclosure[int]:
    cells: dict[tuple[int, str], CellAnswers] = {}
    for u in r.parents:
        for g in NAMES:
            own = {a: n for (v, h, a), n in r.classes.items() if (v, h) == (u, g) and n}
            answered: dict[tuple[Hashable, int], int] = {}
            for a, n in own.items():
                for d in a:
                    answered[d, len(a)] = answered.get((d, len(a)), 0) + n
            submitted = sum(own.values()) + r.no_score.get((u, g), 0)
            if submitted:
                cells[u, g] = CellAnswers(submitted, answered)
    return disclose_survey(r.parents, cells, list(range(r.dimensions)), r.k)


def check_round(r: Round) -> None:
    """Everything the pages show (every unit subtree and group, every dimension and overall) and
    everything the export releases (whole cells) together determine no hidden figure and no hidden
    sum of fewer than k people (a small cell, a unit's own respondents, those who skipped a
    dimension, the hidden parts under a shown whole) — checked exactly, over the respondent classes.
    A cell the export does not release may have sums of k or more that pages show."""
    result = decide_round(r)
    layers: list[int | None] = [*range(r.dimensions), None]
    groups: list[str | None] = [None, *NAMES]
    known: list[list[Fraction]] = []
    hidden: list[tuple[object, list[Fraction]]] = []
    released = {(u, g) for u in r.parents for g in NAMES if result.cell(u, g) == Visibility.SHOWN}
    for u in r.parents:
        for g in groups:
            for layer in layers:
                vector, n = r.figure(r.subtree(u), g, layer)
                visibility = result.subtree(u, g, layer)
                assert (visibility == Visibility.EMPTY) == (n == 0), (u, g, layer)
                if visibility == Visibility.SHOWN:
                    assert n >= r.k, (u, g, layer)
                    known.append(vector)
                elif visibility == Visibility.TOO_FEW:
                    hidden.append((("figure", u, g, layer), vector))
        for g in NAMES:
            submitted = sum(n for (v, h, _), n in r.classes.items() if (v, h) == (u, g)) + r.no_score.get((u, g), 0)
            assert result.cell(u, g) != Visibility.SHOWN or submitted >= r.k
            for layer in layers:
                vector, n = r.figure([u], g, layer)
                if (u, g) in released:
                    assert n == 0 or n >= r.k, "a released cell has a layer below k"
                    known.append(vector)
                elif 0 < n < r.k:
                    hidden.append((("cell", u, g, layer), vector))
    # what released cells give away besides their layers: who skipped what, inside them
    known += [r.partial([u], g, set())[0] for u, g in released]
    shown = Span([[*map(Fraction, v)] for v in known])
    for what, vector in hidden:
        assert vector not in shown, f"{what} can be worked out"
    # sums of fewer than k people: a unit's own respondents (all groups), per layer; those who
    # skipped a dimension, in any cell, unit or subtree, outside the released cells
    for u in r.parents:
        for layer in layers:
            vector, n = r.figure([u], None, layer)
            if 0 < n < r.k and not all((u, g) in released for g in NAMES):
                assert vector not in shown, f"{u}'s own {n} in layer {layer}"
        for units in ([u], r.subtree(u)):
            for g in groups:
                vector, n = r.partial(units, g, released)
                if 0 < n < r.k:
                    assert vector not in shown, f"the {n} of {units}/{g} who skipped a dimension"
    # pooled: the hidden parts of a relation with a shown whole, per layer
    for u in r.parents:
        kids = [c for c, p in r.parents.items() if p == u]
        for g in groups:
            for layer in layers:
                if result.subtree(u, g, layer) != Visibility.SHOWN:
                    continue
                hidden_kids = [v for c in kids if result.subtree(c, g, layer) != Visibility.SHOWN for v in r.subtree(c)]
                for pooled in (hidden_kids, [u, *hidden_kids]):
                    vector, n = r.figure(pooled, g, layer)
                    if 0 < n < r.k:
                        assert vector not in shown, f"pooled parts under {(u, g, layer)}"


class TestRound:
    def test_someone_who_skipped_a_dimension_is_not_given_away_by_the_overall(self) -> None:
        # One unit of 10: nine answered A, B and C, one only A and C. Showing the overall and all three
        # dimensions gives 3 · overall − (A + B + C) = that one person's overall: B (the smallest) goes.
        full, skipped = frozenset({0, 1, 2}), frozenset({0, 2})
        r = Round({0: None}, {(0, "-", full): 9, (0, "-", skipped): 1}, {(0, "-"): 0}, 3, 5)
        result = decide_round(r)
        assert [result.subtree(0, None, layer) for layer in (0, 1, 2, None)] == [
            Visibility.SHOWN,
            Visibility.TOO_FEW,
            Visibility.SHOWN,
            Visibility.SHOWN,
        ]
        assert result.cell(0, "-") == Visibility.TOO_FEW  # the export would give the person away
        check_round(r)

    def test_everyone_answering_everything_is_decided_once_for_all_layers(self) -> None:
        full = frozenset({0, 1, 2})
        r = Round({0: None, 1: 0, 2: 0}, {(1, "-", full): 3, (2, "-", full): 9}, {}, 3, 5)
        r.no_score.update({(u, "-"): 0 for u in r.parents})
        result = decide_round(r)
        for layer in (0, 1, 2, None):
            assert result.subtree(1, None, layer) == Visibility.TOO_FEW
            assert result.subtree(2, None, layer) == Visibility.TOO_FEW  # it would give 1 away
            assert result.subtree(0, None, layer) == Visibility.SHOWN
        check_round(r)

    def test_those_who_skipped_are_not_given_away_through_a_hidden_subtree(self) -> None:
        # A chain 0 → 1 → 2 (found by the property below). The root's overall and dimensions give
        # its partial part (everyone who skipped a dimension); unit 2's released cell gives its own.
        # Unit 1's subtree hides a dimension, so its partial part is unknown, but the root's less
        # unit 2's is the 2 of unit 0 and the 1 of unit 1 who skipped: fewer than k, over two
        # relations of the tree at once.
        full = frozenset({0, 1, 2})
        r = Round(
            {0: None, 1: 0, 2: 1},
            {
                (0, "-", full): 12,
                (0, "-", frozenset({0, 1})): 2,
                (1, "-", full): 7,
                (1, "-", frozenset({1, 2})): 1,
                (2, "-", full): 5,
                (2, "-", frozenset({1})): 6,
                (2, "-", frozenset({0, 2})): 6,
            },
            {(0, "-"): 0, (1, "-"): 0, (2, "-"): 0},
            3,
            5,
        )
        result = decide_round(r)
        assert [result.subtree(0, None, layer) for layer in (0, 1, 2, None)] == [Visibility.SHOWN] * 4
        assert result.cell(2, "-") == Visibility.TOO_FEW
        check_round(r)

    @settings(deadline=None, max_examples=300)
    @given(rounds())
    def test_pages_and_export_together_give_nothing_away_across_layers(self, r: Round) -> None:
        check_round(r)


class TestParticipation:
    @pytest.mark.parametrize(
        ("count", "exact", "shown", "rate"),
        [
            pytest.param(0, False, 0, 0.0, id="nobody: nothing to protect"),
            pytest.param(1, False, None, None, id="one"),
            pytest.param(4, False, None, None, id="k - 1"),
            pytest.param(5, False, 5, 0.25, id="k"),
            pytest.param(4, True, 4, 0.2, id="the office, when the round lets it"),
        ],
    )
    def test_a_count_below_k_reads_fewer_than_k_and_draws_no_bar(
        self, count: int, exact: bool, shown: int | None, rate: float | None
    ) -> None:
        p = participation(count, 5, headcount=20, exact=exact)
        assert (p.count, p.rate, p.below_k) == (shown, rate, shown is None)
        assert p.label("en") == ("fewer than 5" if shown is None else str(shown))
        assert p.label("nb") == ("færre enn 5" if shown is None else str(shown))

    def test_without_a_headcount_there_is_no_rate(self) -> None:
        assert participation(12, 5).rate is None
