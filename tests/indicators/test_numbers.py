"""Numbers as a Norwegian reader means them, the same in the CSV import, the entry grid and the API:
the file (or the grid's form) decides its decimal mark; what stays ambiguous is refused with both
readings; counts are whole; a share may carry a % sign; a value below zero only for a KPI that may
be negative (a result in money), refused for any other with words that fit it."""

from decimal import Decimal

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, col, select

from indicators.models import Kpi, KpiRecord, Strategy
from indicators.record_files import import_kpi_csv
from indicators.records import NOT_NEGATIVE
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.auth.tokens import issue_token
from maturity.errors import InvalidInput, Problem
from maturity.numbers import NumberProblem, decimal_mark, read_number
from maturity.units.services import UnitScope
from tests.factories import csrf_token, login

EVERYTHING = UnitScope(everything=True, roots=frozenset())
ACTOR = Actor.system("test")


@pytest.fixture
def kpis(session: Session, strategy: Strategy) -> Strategy:
    """The test strategy with a count (a sum without decimals), a money KPI that may be negative (a
    result: a sum with decimals) and one that may not (a sum with decimals: a budget)."""
    ksum = session.execute(select(Kpi).where(col(Kpi.code) == "KSUM")).scalar_one()
    added = (("KCOUNT", 0, "antall", False), ("KMONEY", 1, "mill. kr", True), ("KBUDGET", 1, "mill. kr", False))
    for position, (code, decimals, unit, negative) in enumerate(added, 9):
        fields = ksum.model_dump(
            exclude={"id", "code", "position", "decimals", "unit_nb", "unit_en", "may_be_negative"}
        )
        session.add(
            Kpi(
                **fields,
                code=code,
                decimals=decimals,
                unit_nb=unit,
                unit_en=unit,
                position=position,
                may_be_negative=negative,
            )
        )
    session.commit()
    return strategy


# --- the rule itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "mark"),
    [
        (["2,5", "1.500"], ","),
        (["1 500,0"], ","),
        (["1.5", "12"], "."),
        (["1,500.25"], "."),
        (["1.500", "7.000", "1 500"], None),  # nothing shows the mark
        (["2,5", "1.5"], ","),  # the first decides; 1.5 is then refused as not fitting the file
    ],
)
def test_a_file_decides_its_decimal_mark_from_the_numbers_that_show_it(texts: list[str], mark: str | None) -> None:
    assert decimal_mark(texts) == mark


@pytest.mark.parametrize(
    ("text", "mark", "whole", "expected"),
    [
        ("1.500", None, True, "1500"),  # a count: one thousand five hundred, as a Norwegian reader means
        ("7.000", None, True, "7000"),
        ("1.500,0", None, False, "1500"),
        ("1 500", None, False, "1500"),
        ("1\u00a0500", None, False, "1500"),  # Excel's no-break space
        ("-1,5", None, False, "-1.5"),
        ("−5,5", None, False, "-5.5"),
        ("1.500", ",", False, "1500"),  # a decimal-comma file groups with "."
        ("1.500", ".", False, "1.5"),  # a decimal-point file
        ("1,500.25", None, False, "1500.25"),
        ("-0", None, False, "0"),
    ],
)
def test_a_number_means_what_a_norwegian_reader_means(text: str, mark: str | None, whole: bool, expected: str) -> None:
    assert read_number(text, mark=mark, whole=whole) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "mark", "says"),
    [
        ("1.500", None, "1.500 can be read as 1500 or as 1,5"),
        ("1,500", None, "1,500 can be read as 1500 or as 1,5"),
        ("1,500.25", ",", "1,500.25 does not fit this file's decimal comma; read otherwise it would be 1500,25"),
        ("1,500", ".", "1,500 does not fit this file's decimal point"),  # a comma groups nothing there
        ("45,2 %", None, "A % sign belongs only to a share."),
        ("1e309", None, "Not a number."),
        ("NaN", None, "Not a number."),
    ],
)
def test_what_stays_doubtful_is_refused_with_both_readings(text: str, mark: str | None, says: str) -> None:
    with pytest.raises(NumberProblem) as refused:
        read_number(text, mark=mark)
    assert Problem(refused.value.message, refused.value.params).render(lambda m: m).startswith(says)


# --- the CSV import -------------------------------------------------------------------------


def _import(session: Session, rows: list[str], header: str = "kpi;enhet;periode;verdi") -> list[KpiRecord]:
    import_kpi_csv(session, "\n".join([header, *rows]).encode(), EVERYTHING, ACTOR, dry_run=False)
    session.commit()
    return list(session.execute(select(KpiRecord).order_by(col(KpiRecord.id))).scalars())


def _refused(session: Session, rows: list[str], header: str = "kpi;enhet;periode;verdi") -> list[Problem]:
    with pytest.raises(InvalidInput) as refused:
        import_kpi_csv(session, "\n".join([header, *rows]).encode(), EVERYTHING, ACTOR, dry_run=True)
    return refused.value.problems


class TestImport:
    def test_counts_read_with_dot_grouping(self, session: Session, kpis: Strategy) -> None:
        records = _import(
            session, ["KCOUNT;DEP-A1;2024;1.500", "KCOUNT;DEP-A2;2024;7.000", "KCOUNT;FAC-B;2024;1\u00a0500"]
        )
        assert [r.value for r in records] == [1500, 7000, 1500]

    def test_a_decimal_comma_file_groups_with_dots_and_spaces(self, session: Session, kpis: Strategy) -> None:
        records = _import(session, ["KMONEY;DEP-A1;2024;1.500,0", "KMONEY;DEP-A2;2024;2 500", "KMONEY;FAC-B;2024;-1,5"])
        assert [r.value for r in records] == [1500, 2500, -1.5]

    def test_a_money_kpi_may_be_negative(self, session: Session, kpis: Strategy) -> None:
        assert [r.value for r in _import(session, ["KMONEY;DEP-A1;2024;−5,5"])] == [-5.5]

    def test_a_count_refuses_decimals_and_negatives_with_its_own_words(self, session: Session, kpis: Strategy) -> None:
        problems = _refused(session, ["KCOUNT;DEP-A1;2024;2,5", "KCOUNT;DEP-A2;2024;-3"])
        assert [(p.line, p.column, p.value, p.message) for p in problems] == [
            (2, "value", "2.5", "A count is a whole number."),
            (3, "value", "-3", "A count cannot be negative."),
        ]

    def test_a_kpi_that_may_not_be_negative_refuses_it_naming_line_column_and_kpi(
        self, session: Session, kpis: Strategy
    ) -> None:
        problems = _refused(session, ["KBUDGET;DEP-A1;2024;−5,5", "KLOW;DEP-A2;2024;-1", "KMONEY;FAC-B;2024;-1"])
        assert [(p.line, p.column, p.value, p.message, p.params["kpi"]) for p in problems] == [
            (2, "value", "−5,5", NOT_NEGATIVE, "KBUDGET"),
            (3, "value", "-1", NOT_NEGATIVE, "KLOW"),
        ]
        assert session.execute(select(KpiRecord)).first() is None

    def test_an_ambiguous_number_is_refused_with_line_column_value_and_both_readings(
        self, session: Session, kpis: Strategy
    ) -> None:
        (problem,) = _refused(session, ["KMONEY;DEP-A1;2024;1.500"])
        assert (problem.line, problem.column, problem.value) == (2, "value", "1.500")
        assert problem.params == {"value": "1.500", "first": "1500", "second": "1,5"}

    def test_a_decimal_point_in_a_decimal_comma_file_is_refused(self, session: Session, kpis: Strategy) -> None:
        (problem,) = _refused(session, ["KMONEY;DEP-A1;2024;2,5", "KMONEY;DEP-A2;2024;1,500.25"])
        assert (problem.line, problem.value) == (3, "1,500.25")
        assert problem.params["reading"] == "1500,25"

    def test_a_share_may_carry_a_percent_sign(self, session: Session, kpis: Strategy) -> None:
        rows = ["KRATIO;DEP-A1;2024-S1;45,2 %;452;1000"]
        records = _import(session, rows, header="kpi;enhet;periode;verdi;teller;nevner")
        assert [(r.value, r.numerator, r.denominator) for r in records] == [(45.2, 452, 1000)]

    def test_a_percent_sign_elsewhere_is_refused(self, session: Session, kpis: Strategy) -> None:
        (problem,) = _refused(session, ["KMONEY;DEP-A1;2024;45,2 %"])
        assert problem.message == "A %% sign belongs only to a share."

    def test_excel_unicode_text_is_read_like_any_text_file(self, session: Session, kpis: Strategy) -> None:
        data = "kpi\tenhet\tperiode\tverdi\r\nKCOUNT\tDEP-A1\t2024\t1 500\r\n".encode("utf-16")
        import_kpi_csv(session, data, EVERYTHING, ACTOR, dry_run=False)
        session.commit()
        assert [r.value for r in session.execute(select(KpiRecord)).scalars()] == [1500]


# --- the grid -------------------------------------------------------------------------------


class TestGrid:
    @pytest.fixture(autouse=True)
    def leader(self, client: TestClient[Litestar], kpis: Strategy, people: dict[str, User]) -> None:
        login(client, people["leader"].email)

    def save(self, client: TestClient[Litestar], code: str, **cells: str) -> str:
        token = csrf_token(client, f"/kpis/{code}")
        form = {f"value|{unit}|2024": value for unit, value in cells.items()}
        response = client.post(f"/kpis/{code}", data={**form, "_csrf_token": token}, follow_redirects=False)
        return str(response.status_code) + " " + response.text

    def values(self, session: Session) -> list[float]:
        session.expire_all()
        return [r.value for r in session.execute(select(KpiRecord).order_by(col(KpiRecord.id))).scalars()]

    def test_a_count_reads_dot_grouping(self, client: TestClient[Litestar], session: Session) -> None:
        assert self.save(client, "KCOUNT", **{"DEP-A1": "1.500", "DEP-A2": "7.000"}).startswith("303")
        assert self.values(session) == [1500, 7000]

    def test_a_count_refuses_decimals(self, client: TestClient[Litestar], session: Session) -> None:
        answer = self.save(client, "KCOUNT", **{"DEP-A1": "2,5"})
        assert answer.startswith("422")
        assert "Et antall er et helt tall." in answer
        assert answer.count('id="kpi-grid"') <= 1
        assert self.values(session) == []

    def test_the_forms_values_decide_the_mark_together(self, client: TestClient[Litestar], session: Session) -> None:
        assert self.save(client, "KMONEY", **{"DEP-A1": "1.500", "DEP-A2": "2,5"}).startswith("303")
        assert self.values(session) == [1500, 2.5]

    def test_an_ambiguous_value_is_refused_naming_both_readings(
        self, client: TestClient[Litestar], session: Session
    ) -> None:
        answer = self.save(client, "KMONEY", **{"DEP-A1": "1.500"})
        assert answer.startswith("422")
        assert "1.500 kan leses som 1500 eller som 1,5" in answer
        assert self.values(session) == []

    def test_a_money_kpi_may_be_negative(self, client: TestClient[Litestar], session: Session) -> None:
        assert self.save(client, "KMONEY", **{"DEP-A1": "−5,5"}).startswith("303")
        assert self.values(session) == [-5.5]

    def test_a_kpi_that_may_not_be_negative_says_so(self, client: TestClient[Litestar], session: Session) -> None:
        answer = self.save(client, "KBUDGET", **{"DEP-A1": "−5,5", "DEP-A2": "3"})
        assert answer.startswith("422")
        assert "Nøkkeltallet KBUDGET kan ikke være negativt" in answer
        assert self.values(session) == []


@pytest.fixture
def api_tokens(session: Session, kpis: Strategy) -> dict[str, str]:
    _, plain = issue_token(session, name="System", unit_codes=["FAC-A"], expires_at=None, actor=ACTOR)
    session.commit()
    return {"FAC-A": plain}


# --- the API --------------------------------------------------------------------------------


class TestApi:
    def post(self, client: TestClient[Litestar], token: str, kpi: str, value: float) -> tuple[int, object]:
        record = {"kpi": kpi, "unit": "DEP-A1", "period": "2024", "value": value}
        response = client.post(
            "/api/kpi-records", json={"records": [record]}, headers={"Authorization": f"Bearer {token}"}
        )
        return response.status_code, response.json().get("problems")

    def test_a_count_refuses_decimals_and_negatives(
        self, client: TestClient[Litestar], kpis: Strategy, api_tokens: dict[str, str]
    ) -> None:
        assert self.post(client, api_tokens["FAC-A"], "KCOUNT", 2.5) == (
            422,
            [{"path": "records[0].value", "value": "2.5", "message": "A count is a whole number."}],
        )
        assert self.post(client, api_tokens["FAC-A"], "KCOUNT", -3)[0] == 422
        assert self.post(client, api_tokens["FAC-A"], "KCOUNT", 1500)[0] == 200

    def test_a_money_kpi_may_be_negative(
        self, client: TestClient[Litestar], session: Session, kpis: Strategy, api_tokens: dict[str, str]
    ) -> None:
        assert self.post(client, api_tokens["FAC-A"], "KMONEY", -5.5)[0] == 200
        assert [r.value for r in session.execute(select(KpiRecord)).scalars()] == [-5.5]

    def test_a_kpi_that_may_not_be_negative_says_so(
        self, client: TestClient[Litestar], session: Session, kpis: Strategy, api_tokens: dict[str, str]
    ) -> None:
        assert self.post(client, api_tokens["FAC-A"], "KBUDGET", -5.5) == (
            422,
            [
                {
                    "path": "records[0].value",
                    "value": "-5.5",
                    "message": "KPI KBUDGET cannot be negative: its definition does not allow values below zero.",
                }
            ],
        )
        assert session.execute(select(KpiRecord)).first() is None
