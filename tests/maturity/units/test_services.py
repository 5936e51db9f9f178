"""The unit tree, who sees which part of it, and the unit CSV import with the files people really have."""

import random
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.csvio import read_csv
from maturity.errors import InvalidInput, NotFound, Problem
from maturity.numbers import parse_number
from maturity.units.models import OrgUnit, UnitHeadcount
from maturity.units.services import (
    UNIT_COLUMNS,
    UnitScope,
    ancestors,
    as_tree,
    get_unit,
    import_units_csv,
    subtree_ids,
    visible_units,
)
from tests.factories import ORG_CSV, Org

HEADER = "code;parent_code;kind;name_nb;name_en"
EVERYTHING = UnitScope(everything=True, roots=frozenset())


def scope_of(*units: OrgUnit) -> UnitScope:
    return UnitScope(everything=False, roots=frozenset(u.id for u in units if u.id is not None))


def visible_codes(session: Session, scope: UnitScope) -> set[str]:
    return {u.code for u in visible_units(session, scope)}


def counts(session: Session) -> tuple[int, int]:
    units = session.execute(select(func.count()).select_from(OrgUnit)).scalar_one()
    heads = session.execute(select(func.count()).select_from(UnitHeadcount)).scalar_one()
    return units, heads


def unit(session: Session, code: str) -> OrgUnit:
    return session.execute(select(OrgUnit).where(col(OrgUnit.code) == code)).scalars().one()


def headcount_of(session: Session, code: str) -> dict[str, int]:
    statement = select(UnitHeadcount).where(col(UnitHeadcount.unit_id) == unit(session, code).id)
    return {h.period: h.headcount for h in session.execute(statement).scalars()}


def parent_code(session: Session, code: str) -> str | None:
    parent_id = unit(session, code).parent_id
    return None if parent_id is None else session.get_one(OrgUnit, parent_id).code


def rejected(session: Session, data: bytes) -> list[Problem]:
    """The problems with a file, after checking that the import wrote nothing at all."""
    before = counts(session)
    with pytest.raises(InvalidInput) as caught:
        import_units_csv(session, data)
    assert counts(session) == before, "a rejected import must change nothing"
    assert caught.value.problems, "InvalidInput without problems tells the user nothing"
    return caught.value.problems


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


# --- the tree and its scope ----------------------------------------------------------------


class TestUnitScope:
    def test_the_strategy_office_sees_every_unit(self, session: Session, org: Org) -> None:
        assert visible_codes(session, EVERYTHING) == set(org.units)

    def test_a_leader_of_one_unit_sees_its_whole_subtree(self, session: Session, org: Org) -> None:
        assert visible_codes(session, scope_of(org["FAC-A"])) == {"FAC-A", "DEP-A1", "DEP-A2", "SEC-A2X"}

    def test_a_leader_of_several_units_sees_the_union_of_their_subtrees(self, session: Session, org: Org) -> None:
        scope = scope_of(org["DEP-A2"], org["FAC-B"])
        assert visible_codes(session, scope) == {"DEP-A2", "SEC-A2X", "FAC-B", "DEP-B1"}

    def test_overlapping_subtrees_are_not_counted_twice(self, session: Session, org: Org) -> None:
        units = visible_units(session, scope_of(org["FAC-A"], org["DEP-A2"]))
        assert sorted(u.code for u in units) == ["DEP-A1", "DEP-A2", "FAC-A", "SEC-A2X"]

    def test_a_scope_without_subtrees_sees_only_its_units(self, session: Session, org: Org) -> None:
        home = UnitScope(everything=False, roots=frozenset({org["FAC-A"].id or 0}), subtrees=False)
        assert visible_codes(session, home) == {"FAC-A"}  # staff see their home unit, not the units below
        assert get_unit(session, home, "FAC-A").code == "FAC-A"
        with pytest.raises(NotFound):
            get_unit(session, home, "DEP-A1")

    def test_a_scope_without_roots_sees_nothing(self, session: Session, org: Org) -> None:
        assert visible_codes(session, scope_of()) == set()

    def test_filter_limits_any_statement_by_its_unit_column(self, session: Session, org: Org) -> None:
        statement = scope_of(org["FAC-B"]).filter(select(UnitHeadcount), UnitHeadcount.unit_id)
        rows = session.execute(statement).scalars().all()
        assert {r.unit_id for r in rows} == {org["FAC-B"].id, org["DEP-B1"].id}
        assert len(session.execute(EVERYTHING.filter(select(UnitHeadcount), UnitHeadcount.unit_id)).all()) == 7


class TestSubtreeIds:
    DEPTH = 8  # deeper than any real organisation, to show the recursion has no fixed depth

    def deep_tree(self, session: Session) -> list[OrgUnit]:
        rows = ["L0;;institution;Nivå 0;Level 0"]
        rows += [f"L{i};L{i - 1};other;Nivå {i};Level {i}" for i in range(1, self.DEPTH)]
        rows += ["SIDE;L2;other;Sidegren;Side branch"]
        import_units_csv(session, csv(*rows))
        return [unit(session, f"L{i}") for i in range(self.DEPTH)]

    def test_it_follows_a_chain_of_any_depth(self, session: Session) -> None:
        chain = self.deep_tree(session)
        ids = set(session.execute(subtree_ids([chain[0].id or 0])).scalars())
        assert ids == {u.id for u in chain} | {unit(session, "SIDE").id}

    def test_it_starts_below_the_top_too(self, session: Session) -> None:
        chain = self.deep_tree(session)
        ids = set(session.execute(subtree_ids([chain[5].id or 0])).scalars())
        assert ids == {u.id for u in chain[5:]}

    def test_a_leaf_is_its_own_subtree(self, session: Session) -> None:
        leaf = self.deep_tree(session)[-1]
        assert list(session.execute(subtree_ids([leaf.id or 0])).scalars()) == [leaf.id]


class TestGetUnit:
    def test_it_returns_a_unit_inside_the_scope(self, session: Session, org: Org) -> None:
        assert get_unit(session, scope_of(org["FAC-A"]), "SEC-A2X").id == org["SEC-A2X"].id

    def test_a_unit_outside_the_scope_is_not_found_like_a_missing_one(self, session: Session, org: Org) -> None:
        scope = scope_of(org["FAC-A"])
        with pytest.raises(NotFound):
            get_unit(session, scope, "DEP-B1")
        with pytest.raises(NotFound):
            get_unit(session, scope, "UNI")  # above the scope is outside it too
        with pytest.raises(NotFound):
            get_unit(session, EVERYTHING, "NO-SUCH-UNIT")

    def test_the_strategy_office_gets_any_unit(self, session: Session, org: Org) -> None:
        assert get_unit(session, EVERYTHING, "DEP-B1").name_nb == "Institutt B1"


class TestAsTree:
    def test_it_lists_depth_first_by_code_with_depths(self, session: Session, org: Org) -> None:
        nodes = as_tree(visible_units(session, EVERYTHING))
        assert [(n.unit.code, n.depth) for n in nodes] == [
            ("UNI", 0),
            ("FAC-A", 1),
            ("DEP-A1", 2),
            ("DEP-A2", 2),
            ("SEC-A2X", 3),
            ("FAC-B", 1),
            ("DEP-B1", 2),
        ]

    def test_units_whose_parent_is_not_visible_are_roots(self, session: Session, org: Org) -> None:
        nodes = as_tree(visible_units(session, scope_of(org["DEP-A2"], org["FAC-B"])))
        assert [(n.unit.code, n.depth) for n in nodes] == [("DEP-A2", 0), ("SEC-A2X", 1), ("FAC-B", 0), ("DEP-B1", 1)]

    def test_an_empty_list_is_an_empty_tree(self) -> None:
        assert as_tree([]) == []


class TestAncestors:
    def test_they_run_from_the_root_down_to_the_parent(self, session: Session, org: Org) -> None:
        assert [u.code for u in ancestors(session, org["SEC-A2X"])] == ["UNI", "FAC-A", "DEP-A2"]

    def test_the_root_has_none(self, session: Session, org: Org) -> None:
        assert ancestors(session, org["UNI"]) == []


# --- the import: files it accepts -----------------------------------------------------------


class TestImportUnitsCsvReadsRealWorldFiles:
    def test_it_creates_the_units_with_their_parents(self, session: Session) -> None:
        result = import_units_csv(
            session,
            csv("UNI;;institution;Høgskolen;The College", "FAK;UNI;faculty;Fakultet for helse;Faculty of Health"),
        )
        assert (result.created, result.updated, result.headcounts) == (2, 0, 0)
        assert unit(session, "FAK").name_nb == "Fakultet for helse"
        assert unit(session, "FAK").kind == "faculty"
        assert parent_code(session, "FAK") == "UNI"
        assert parent_code(session, "UNI") is None

    def test_it_reads_utf8_with_a_byte_order_mark(self, session: Session) -> None:
        import_units_csv(session, b"\xef\xbb\xbf" + csv("UNI;;institution;Høgskolen i Østfold;Østfold College"))
        assert unit(session, "UNI").name_nb == "Høgskolen i Østfold"  # the BOM did not spoil the first column

    def test_it_reads_windows_1252_from_old_excel(self, session: Session) -> None:
        data = (HEADER + "\r\nUNI;;institution;Høgskole – Ås;College – Ås\r\n").encode("cp1252")
        assert b"H\xf8gskole \x96 \xc5s" in data  # really not UTF-8
        import_units_csv(session, data)
        assert unit(session, "UNI").name_nb == "Høgskole – Ås"
        assert unit(session, "UNI").name_en == "College – Ås"

    @pytest.mark.parametrize("delimiter", [";", ",", "\t"], ids=["semicolon", "comma", "tab"])
    def test_it_finds_the_delimiter(self, session: Session, delimiter: str) -> None:
        header = delimiter.join(UNIT_COLUMNS)
        row = delimiter.join(["UNI", "", "institution", '"Universitetet; i Oslo, Norge"', "University"])
        import_units_csv(session, csv(row, header=header))
        assert unit(session, "UNI").name_nb == "Universitetet; i Oslo, Norge"

    def test_column_names_ignore_case_and_surrounding_spaces(self, session: Session) -> None:
        header = " Code ; PARENT_CODE;Kind ;Name_NB;  name_en  ; Headcount_2025 "
        import_units_csv(session, csv("UNI;;Institution;Universitetet;The University;12", header=header))
        assert unit(session, "UNI").kind == "institution"
        assert headcount_of(session, "UNI") == {"2025": 12}

    def test_blank_lines_and_empty_trailing_rows_are_ignored(self, session: Session) -> None:
        data = (HEADER + "\r\nUNI;;institution;U;U\r\n\r\nFAK;UNI;faculty;F;F\r\n;;;;\r\n\r\n   \r\n").encode()
        result = import_units_csv(session, data)
        assert result.created == 2

    def test_a_parent_may_come_later_in_the_file_than_its_child(self, session: Session) -> None:
        import_units_csv(
            session,
            csv("SEC;DEP;section;S;S", "DEP;FAK;department;D;D", "FAK;UNI;faculty;F;F", "UNI;;institution;U;U"),
        )
        assert [u.code for u in ancestors(session, unit(session, "SEC"))] == ["UNI", "FAK", "DEP"]

    def test_a_parent_may_already_exist(self, session: Session, org: Org) -> None:
        import_units_csv(session, csv("SEC-B1Z;DEP-B1;section;Seksjon;Section"))
        assert parent_code(session, "SEC-B1Z") == "DEP-B1"

    def test_headcount_columns_name_their_period(self, session: Session) -> None:
        header = HEADER + ";headcount_2024;headcount_2025-S1;HEADCOUNT_2025-q3"
        result = import_units_csv(
            session, csv("UNI;;institution;U;U;120;118;", "FAK;UNI;faculty;F;F;;40;41", header=header)
        )
        assert result.headcounts == 4  # empty cells set nothing
        assert headcount_of(session, "UNI") == {"2024": 120, "2025-S1": 118}
        assert headcount_of(session, "FAK") == {"2025-S1": 40, "2025-Q3": 41}

    def test_a_headcount_may_be_grouped_as_excel_writes_it(self, session: Session) -> None:
        header = HEADER + ";headcount_2024;headcount_2025"
        import_units_csv(session, csv("UNI;;institution;U;U;1\u00a0234;2 345", header=header))
        assert headcount_of(session, "UNI") == {"2024": 1234, "2025": 2345}

    def test_a_line_separator_pasted_into_a_name_does_not_split_the_line(self, session: Session) -> None:
        import_units_csv(session, csv("UNI;;institution;Universitetet\u2028i Oslo;University"))
        assert unit(session, "UNI").name_nb == "Universitetet\u2028i Oslo"

    def test_a_quoted_name_may_span_lines(self, session: Session) -> None:
        result = import_units_csv(
            session, csv('UNI;;institution;"Universitetet\ni Oslo";University', "FAK;UNI;faculty;F;F")
        )
        assert result.created == 2
        assert unit(session, "UNI").name_nb == "Universitetet\ni Oslo"


class TestImportUnitsCsvUpdatesOnReimport:
    def test_it_renames_and_moves_units_instead_of_duplicating_them(self, session: Session, org: Org) -> None:
        before = counts(session)
        result = import_units_csv(session, csv("DEP-A2;FAC-B;department;Institutt for data;Department of Data"))
        assert (result.created, result.updated) == (0, 1)
        assert counts(session) == before
        assert unit(session, "DEP-A2").name_nb == "Institutt for data"
        assert parent_code(session, "DEP-A2") == "FAC-B"
        assert parent_code(session, "SEC-A2X") == "DEP-A2"  # the subtree moved along
        assert visible_codes(session, scope_of(org["FAC-B"])) == {"FAC-B", "DEP-B1", "DEP-A2", "SEC-A2X"}

    def test_a_unit_can_become_a_root(self, session: Session, org: Org) -> None:
        import_units_csv(session, csv("FAC-B;;faculty;Fakultet B;Faculty B"))
        assert parent_code(session, "FAC-B") is None

    def test_it_updates_headcounts_of_a_period_and_keeps_other_periods(self, session: Session, org: Org) -> None:
        header = HEADER + ";headcount_2025;headcount_2026"
        result = import_units_csv(
            session, csv("DEP-A1;FAC-A;department;Institutt A1;Department A1;42;44", header=header)
        )
        assert result.headcounts == 2
        assert headcount_of(session, "DEP-A1") == {"2025": 42, "2026": 44}
        assert headcount_of(session, "DEP-B1") == {"2025": 50}

    def test_importing_the_same_file_twice_changes_nothing(self, session: Session, org: Org) -> None:
        before = counts(session)
        result = import_units_csv(session, ORG_CSV.encode())
        assert (result.created, result.updated, result.headcounts) == (0, 7, 7)
        assert counts(session) == before


# --- the import: files it refuses, saying where, changing nothing ----------------------------


class TestImportUnitsCsvRejectsBadFiles:
    def test_a_missing_required_column(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, csv("X;UNI;faculty;X", header="code;parent_code;kind;name_nb"))
        assert problem.message == "Required column %(column)s is missing."
        assert (problem.line, problem.column, problem.params) == (1, "name_en", {"column": "name_en"})

    def test_an_unknown_extra_column(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, csv("X;UNI;faculty;X;X;x", header=HEADER + ";Leader"))
        assert problem.message == "Unknown column %(column)s."
        assert (problem.line, problem.column) == (1, "leader")

    def test_a_duplicate_column(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, csv("X;UNI;faculty;X;X;X", header=HEADER + ";Name_NB"))
        assert problem.message == "Column %(column)s appears twice."
        assert (problem.line, problem.column) == (1, "name_nb")

    def test_a_headcount_column_that_names_no_period(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, csv("X;UNI;faculty;X;X;3", header=HEADER + ";headcount_2025-S3"))
        assert problem.message == "Column %(column)s does not name a period (e.g. headcount_2024)."
        assert (problem.line, problem.column) == (1, "headcount_2025-s3")

    def test_an_unknown_parent(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, csv("X;UNI;faculty;X;X", "Y;NOPE;department;Y;Y"))
        assert problem.message == "Unknown parent unit %(code)s."
        assert (problem.line, problem.column, problem.value) == (3, "parent_code", "NOPE")

    def test_a_unit_code_twice(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, csv("X;UNI;faculty;X;X", "Y;UNI;faculty;Y;Y", "X;UNI;faculty;X2;X2"))
        assert problem.message == "Unit %(code)s appears twice (first on line %(first)s)."
        assert (problem.line, problem.column, problem.value) == (4, "code", "X")
        assert problem.params == {"code": "X", "first": 2}

    def test_an_unknown_kind(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, csv("X;UNI;fakultet;X;X"))
        assert (problem.line, problem.column, problem.value) == (2, "kind", "fakultet")
        assert "faculty" in str(problem.params["kinds"])

    @pytest.mark.parametrize("column", ["name_nb", "name_en"])
    def test_an_empty_name(self, session: Session, org: Org, column: str) -> None:
        names = {"name_nb": "Navn", "name_en": "Name", column: "   "}
        [problem] = rejected(session, csv(f"X;UNI;faculty;{names['name_nb']};{names['name_en']}"))
        assert problem.message == "The name is empty."
        assert (problem.line, problem.column, problem.value) == (2, column, "")

    @pytest.mark.parametrize("value", ["12,5", "-3", "abc", "1e3", "²", "12 pers"])
    def test_a_headcount_that_is_not_a_whole_number_of_people(self, session: Session, org: Org, value: str) -> None:
        [problem] = rejected(session, csv(f'X;UNI;faculty;X;X;"{value}"', header=HEADER + ";headcount_2025"))
        assert problem.message == "A headcount is a whole number of people, 0 or more."
        assert (problem.line, problem.column, problem.value) == (2, "headcount_2025", value)

    def test_a_cycle_within_the_file(self, session: Session, org: Org) -> None:
        problems = rejected(session, csv("A;B;other;A;A", "B;A;other;B;B"))
        assert {p.message for p in problems} == {"This parent would make unit %(code)s its own ancestor."}
        assert [(p.line, p.column, p.value) for p in problems] == [(2, "parent_code", "B"), (3, "parent_code", "A")]

    def test_a_unit_as_its_own_parent(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, csv("A;A;other;A;A"))
        assert (problem.line, problem.column, problem.value) == (2, "parent_code", "A")

    def test_a_move_that_makes_a_cycle_with_existing_units(self, session: Session, org: Org) -> None:
        # FAC-A is above DEP-A2 in the database; putting FAC-A under SEC-A2X closes a loop.
        [problem] = rejected(session, csv("FAC-A;SEC-A2X;faculty;Fakultet A;Faculty A"))
        assert problem.message == "This parent would make unit %(code)s its own ancestor."
        assert (problem.line, problem.column, problem.value) == (2, "parent_code", "SEC-A2X")
        assert parent_code(session, "FAC-A") == "UNI"

    @pytest.mark.parametrize("code", ["FAC A", "ÅS", "-X", "a/b", "", "X" * 41])
    def test_a_code_with_characters_a_code_cannot_have(self, session: Session, org: Org, code: str) -> None:
        [problem] = rejected(session, csv(f"{code};UNI;faculty;X;X"))
        assert problem.message == "A unit code is 1–40 letters, digits, '.', '_' or '-'."
        assert (problem.line, problem.column, problem.value) == (2, "code", code)

    @pytest.mark.parametrize("data", [b"", b"\n\n", b"  \r\n;;;;\r\n"], ids=["nothing", "newlines", "blank-rows"])
    def test_an_empty_file(self, session: Session, org: Org, data: bytes) -> None:
        [problem] = rejected(session, data)
        assert problem.message == "The file is empty."

    def test_a_header_without_rows(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, (HEADER + "\n\n").encode())
        assert problem.message == "The file has a header but no rows."

    def test_lines_with_the_wrong_number_of_fields(self, session: Session, org: Org) -> None:
        problems = rejected(session, csv("X;UNI;faculty;X", "Y;UNI;faculty;Y;Y", "Z;UNI;faculty;Z;Z;extra"))
        assert [(p.line, p.params) for p in problems] == [
            (2, {"line": 2, "found": 4, "expected": 5}),
            (4, {"line": 4, "found": 6, "expected": 5}),
        ]

    def test_an_unclosed_quote(self, session: Session, org: Org) -> None:
        [problem] = rejected(session, csv('X;UNI;faculty;"X;X'))
        assert problem.message == "Line %(line)s cannot be read: %(error)s"
        assert problem.line == 2

    def test_a_png_is_not_a_csv_file(self, session: Session, org: Org) -> None:
        png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
        [problem] = rejected(session, png)
        assert problem.message == "The file is not a text (CSV) file."

    def test_random_bytes_are_not_a_csv_file(self, session: Session, org: Org) -> None:
        noise = random.Random(20261122).randbytes(4096)
        assert b"\x00" in noise
        [problem] = rejected(session, noise)
        assert problem.message == "The file is not a text (CSV) file."

    def test_bytes_that_are_neither_utf8_nor_windows_1252(self, session: Session, org: Org) -> None:
        data = (HEADER + "\nX;UNI;faculty;").encode() + b"X\x81Y;X\n"  # 0x81: no character in either
        [problem] = rejected(session, data)
        assert problem.message == "The file is neither UTF-8 nor Windows-1252 text (byte %(byte)s)."
        assert (problem.line, problem.params) == (2, {"byte": "0x81"})

    def test_every_problem_is_reported_at_once(self, session: Session, org: Org) -> None:
        problems = rejected(
            session,
            csv(
                "OK;UNI;faculty;Greit;Fine;10",
                "K1;UNI;fakultet;Feil art;Bad kind;10",
                "K2;UNI;faculty;;No Norwegian name;10",
                "K3;NOPE;faculty;Ukjent forelder;Unknown parent;10",
                "K4;UNI;faculty;Feil antall;Bad headcount;12,5",
                header=HEADER + ";headcount_2025",
            ),
        )
        assert [(p.line, p.column) for p in problems] == [
            (3, "kind"),
            (4, "name_nb"),
            (5, "parent_code"),
            (6, "headcount_2025"),
        ]
        assert unit_count_for(session, "OK") == 0  # the good row was not kept either

    def test_all_or_nothing_includes_the_good_rows(self, session: Session, org: Org) -> None:
        rejected(session, csv("FAC-A;UNI;faculty;Nytt navn;New name", "X;NOPE;faculty;X;X"))
        assert unit(session, "FAC-A").name_nb == "Fakultet A"


def unit_count_for(session: Session, code: str) -> int:
    return session.execute(select(func.count()).select_from(OrgUnit).where(col(OrgUnit.code) == code)).scalar_one()


# --- csvio ----------------------------------------------------------------------------------


class TestReadCsv:
    def test_it_reports_the_encoding_and_delimiter_it_used(self) -> None:
        bom = read_csv(b"\xef\xbb\xbfa,b\n1,2\n", required=["a", "b"])
        old_excel = read_csv("a\tb\nø\tå\n".encode("cp1252"), required=["a", "b"])
        assert (bom.encoding, bom.delimiter, bom.columns) == ("utf-8-sig", ",", ["a", "b"])
        assert (old_excel.encoding, old_excel.delimiter) == ("cp1252", "\t")
        assert old_excel.rows[0].values == {"a": "ø", "b": "å"}

    def test_rows_know_their_line_numbers(self) -> None:
        table = read_csv(b"a;b\n1;2\n\n3;4\n", required=["a", "b"])
        assert [(r.line, r.get("a")) for r in table.rows] == [(2, "1"), (4, "3")]

    def test_optional_columns_are_admitted(self) -> None:
        table = read_csv(b"a;note\n1;x\n", required=["a"], optional=["note"])
        assert table.rows[0].get("note") == "x"

    def test_a_file_over_the_size_cap_is_refused_before_it_is_read(self) -> None:
        data = b"a;b\n" + b"1;2\n" * 1000
        assert read_csv(data, required=["a", "b"], max_bytes=len(data)).rows
        with pytest.raises(InvalidInput) as caught:
            read_csv(data + b"x", required=["a", "b"], max_bytes=len(data))
        [problem] = caught.value.problems
        assert problem.message == "The file is larger than the limit of %(limit)s MB."

    def test_the_size_cap_is_checked_before_the_bytes_are_looked_at(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            read_csv(b"\x00" * (6 * 1024 * 1024), required=["a"])
        assert caught.value.problems[0].params == {"limit": 5}


class TestParseNumber:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1 234,5", "1234.5"),  # the Norwegian way: space grouping, decimal comma
            ("1\u00a0234,5", "1234.5"),  # Excel in Norwegian groups with a no-break space
            ("1\u202f234,5", "1234.5"),  # and Babel/CLDR with a narrow one
            ("1 234 567,89", "1234567.89"),
            ("1234,5", "1234.5"),
            ("0,5", "0.5"),
            (",5", "0.5"),
            ("1,5", "1.5"),
            ("1,2345", "1.2345"),  # one separator not followed by three digits is a decimal mark
            ("0,500", "0.500"),  # nor is one after a lone zero
            ("1234.5", "1234.5"),  # what systems export
            ("1.234,5", "1234.5"),  # dot grouping from older Norwegian and German settings
            ("1.234.567", "1234567"),  # a repeated separator can only be grouping
            ("1,234.5", "1234.5"),  # English grouping
            ("1,234,567", "1234567"),
            ("-3", "-3"),
            ("−3", "-3"),  # U+2212 MINUS SIGN, as typeset text and Word write it
            ("−1 234,5", "-1234.5"),
            ("+7", "7"),
            ("  42 ", "42"),
            ("0", "0"),
        ],
    )
    def test_it_reads_numbers_as_people_write_them(self, text: str, expected: str) -> None:
        assert parse_number(text) == Decimal(expected)

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "12,",  # a decimal separator without decimals
            "12.",
            "abc",
            "a3",
            "3a",
            "1e3",
            "NaN",
            "Infinity",
            "-",
            "+",
            ",",
            "--3",
            "- 3",
            "3-",
            "1,234,5",  # grouping and decimal with the same separator
            "1.234.5",
            "1 23",  # groups are three digits
            "12 34,5",
            "1 234.567,8",  # one grouping separator throughout
            "1,5,6",
            "12,5 %",
            "١٢",  # Arabic-Indic digits
            "1,234",  # 1 234 or 1,234: refused, naming both (tests/indicators/test_numbers.py)
            "1.500",
        ],
    )
    def test_it_rejects_what_is_not_a_number(self, text: str) -> None:
        with pytest.raises(ValueError, match=f"^{re.escape(text)}$"):
            parse_number(text)

    def test_it_keeps_the_digits_that_were_written(self) -> None:
        assert str(parse_number("1 234,50")) == "1234.50"


class TestImportUnitsCsvExternalIds:
    """The optional external_id column: each unit's group id at the identity provider."""

    HEADER = b"code;parent_code;kind;name_nb;name_en;external_id\n"

    def test_it_sets_and_clears_them(self, session: Session) -> None:
        import_units_csv(session, self.HEADER + b"UNI;;institution;Uni;Uni;fc:org:uni.no\n")
        assert unit(session, "UNI").external_id == "fc:org:uni.no"
        import_units_csv(session, self.HEADER + b"UNI;;institution;Uni;Uni;\n")
        assert unit(session, "UNI").external_id is None

    def test_a_file_without_the_column_keeps_them(self, session: Session) -> None:
        import_units_csv(session, self.HEADER + b"UNI;;institution;Uni;Uni;fc:org:uni.no\n")
        import_units_csv(session, csv("UNI;;institution;Uni;Universitetet"))
        assert unit(session, "UNI").external_id == "fc:org:uni.no"

    def test_one_id_is_one_units(self, session: Session) -> None:
        import_units_csv(session, self.HEADER + b"UNI;;institution;Uni;Uni;fc:org:uni.no:unit:1\n")
        for text in (
            b"A;;institution;A;A;fc:org:uni.no:unit:2\nB;;institution;B;B;fc:org:uni.no:unit:2\n",
            b"A;;institution;A;A;fc:org:uni.no:unit:1\n",
        ):
            with pytest.raises(InvalidInput) as caught:
                import_units_csv(session, self.HEADER + text)
            [problem] = caught.value.problems
            assert problem.column == "external_id"
            assert problem.message == "Another unit already has %(value)s."


def test_the_unit_import_takes_norwegian_headers_and_excel_unicode_text(session: Session) -> None:
    text = "kode\toverordnet\ttype\tnavn_nb\tnavn_en\tansatte_2025\r\nUNI\t\tinstitution\tUniversitetet\tThe University\t1.500\r\n"
    result = import_units_csv(session, text.encode("utf-16"))
    assert (result.created, result.headcounts) == (1, 1)
