"""KPI values up the unit tree, by hand (the suite runs on both backends).

    UNI (10)              headcounts 2025 (own staff; a subtree's is the sum below it)
    ├── FAC-A (5)         FAC-A subtree 5 + 40 + 30 + 4 = 79
    │   ├── DEP-A1 (40)
    │   └── DEP-A2 (30)   DEP-A2 subtree 30 + 4 = 34
    │       └── SEC-A2X (4)
    └── FAC-B (6)
        └── DEP-B1 (50)

KPIs of tests/factories.py: KSUM (sum), KRATIO (ratio), KLOW (mean), KINST (institution only).
"""

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import Session

from indicators.models import Kpi, KpiRecord, Strategy
from indicators.rollup import KpiRollup, RollupKey, kpi_rollups
from tests.factories import Org

RECORDS = [
    # kpi, unit, period, value, numerator, denominator, recorded_at day in 2026 (month, day)
    ("KSUM", "DEP-A1", "2025", 10, None, None, (1, 10)),
    ("KSUM", "DEP-A2", "2025", 20, None, None, (2, 1)),
    ("KSUM", "SEC-A2X", "2025", 5, None, None, (3, 1)),  # under DEP-A2's own record
    ("KSUM", "FAC-B", "2025", 100, None, None, (1, 5)),
    ("KSUM", "DEP-B1", "2025", 7, None, None, (1, 6)),  # under FAC-B's own record
    ("KSUM", "DEP-A1", "2024", 1, None, None, (1, 1)),
    ("KSUM", "SEC-A2X", "2024", 2, None, None, (1, 1)),
    ("KSUM", "UNI", "2023", 500, None, None, (1, 1)),
    ("KSUM", "DEP-A1", "2023", 4, None, None, (1, 1)),
    ("KRATIO", "DEP-A1", "2025-S1", 50, 10, 20, (1, 1)),
    ("KRATIO", "DEP-A2", "2025-S1", 10, 1, 10, (1, 1)),
    ("KRATIO", "SEC-A2X", "2025-S1", 75, 3, 4, (1, 1)),  # under DEP-A2's own record
    ("KRATIO", "DEP-B1", "2025-S1", 90, 45, 50, (1, 1)),
    ("KLOW", "DEP-A1", "2025", 2, None, None, (1, 1)),
    ("KLOW", "SEC-A2X", "2025", 10, None, None, (1, 1)),
    ("KLOW", "DEP-B1", "2025", 4, None, None, (1, 1)),
    ("KLOW", "DEP-A1", "2024", 3, None, None, (1, 1)),  # no headcounts for 2024
    ("KINST", "UNI", "2025", 77, None, None, (1, 1)),
    ("KINST", "FAC-A", "2025", 5, None, None, (1, 1)),  # institution only: ignored
]


@pytest.fixture
def rollups(session: Session, org: Org, strategy: Strategy) -> dict[str, dict[tuple[str, str], KpiRollup]]:
    """{kpi code: {(unit code, period): roll-up}}."""
    kpis = {k.code: k for k in session.execute(select(Kpi)).scalars()}
    for kpi, unit, period, value, numerator, denominator, (month, day) in RECORDS:
        session.add(
            KpiRecord(
                kpi_id=kpis[kpi].id,
                unit_id=org[unit].id,
                period=period,
                value=value,
                numerator=numerator,
                denominator=denominator,
                recorded_at=datetime(2026, month, day, 12, tzinfo=UTC),
            )
        )
    session.commit()
    return by_code(kpi_rollups(session), kpis, org)


def by_code(
    result: Mapping[RollupKey, KpiRollup], kpis: dict[str, Kpi], org: Org
) -> dict[str, dict[tuple[str, str], KpiRollup]]:
    kpi_codes = {k.id: code for code, k in kpis.items()}
    unit_codes = {u.id: code for code, u in org.units.items()}
    out: dict[str, dict[tuple[str, str], KpiRollup]] = {code: {} for code in kpis}
    for (kpi_id, unit_id, period), rollup in result.items():
        out[kpi_codes[kpi_id]][(unit_codes[unit_id], period)] = rollup
    return out


Rollups = dict[str, dict[tuple[str, str], KpiRollup]]


class TestSum:
    def test_a_units_own_record_is_its_value(self, rollups: Rollups) -> None:
        ksum = rollups["KSUM"]
        assert ksum[("DEP-A1", "2025")].value == 10
        assert ksum[("DEP-A1", "2025")].own
        assert ksum[("SEC-A2X", "2025")].value == 5
        assert ksum[("DEP-A2", "2025")].value == 20  # own record; SEC-A2X's 5 is not added
        assert ksum[("DEP-A2", "2025")].units == 1
        assert ksum[("FAC-B", "2025")].value == 100  # own record; DEP-B1's 7 is not added

    def test_a_unit_without_a_record_adds_its_childrens_values(self, rollups: Rollups) -> None:
        ksum = rollups["KSUM"]
        assert ksum[("FAC-A", "2025")].value == 10 + 20  # DEP-A1 + DEP-A2 (its own record)
        assert ksum[("FAC-A", "2025")].units == 2
        assert not ksum[("FAC-A", "2025")].own
        assert ksum[("UNI", "2025")].value == 10 + 20 + 100  # FAC-A's two + FAC-B's own
        assert ksum[("UNI", "2025")].units == 3

    def test_down_through_units_without_records(self, rollups: Rollups) -> None:
        # 2024: DEP-A1 1 and SEC-A2X 2; DEP-A2 has none, so it takes SEC-A2X's.
        ksum = rollups["KSUM"]
        assert ksum[("DEP-A2", "2024")].value == 2
        assert ksum[("FAC-A", "2024")].value == 1 + 2
        assert ksum[("UNI", "2024")].value == 3
        assert ("FAC-B", "2024") not in ksum  # no data, no value (not zero)

    def test_a_record_at_the_top_does_not_hide_the_ones_below_from_their_units(self, rollups: Rollups) -> None:
        # 2023: UNI 500 itself, DEP-A1 4 below: UNI is 500, FAC-A (no record) takes DEP-A1's 4.
        ksum = rollups["KSUM"]
        assert ksum[("UNI", "2023")].value == 500
        assert ksum[("UNI", "2023")].units == 1
        assert ksum[("FAC-A", "2023")].value == 4

    def test_the_newest_record_that_counts(self, rollups: Rollups) -> None:
        ksum = rollups["KSUM"]
        # FAC-A counts DEP-A1 (10 Jan) and DEP-A2 (1 Feb), not SEC-A2X (1 Mar, under DEP-A2's own).
        assert ksum[("FAC-A", "2025")].newest == datetime(2026, 2, 1, 12, tzinfo=UTC)
        assert ksum[("SEC-A2X", "2025")].newest == datetime(2026, 3, 1, 12, tzinfo=UTC)
        assert ksum[("UNI", "2025")].newest == datetime(2026, 2, 1, 12, tzinfo=UTC)


class TestRatio:
    def test_ratio_of_sums_not_mean_of_ratios(self, rollups: Rollups) -> None:
        kratio = rollups["KRATIO"]
        assert kratio[("DEP-A2", "2025-S1")].value == 10  # own record 1/10; SEC-A2X not added
        # FAC-A: 100 · (10 + 1) / (20 + 10) = 36.67; the mean of the rates would be (50 + 10) / 2 = 30.
        assert kratio[("FAC-A", "2025-S1")].value == pytest.approx(100 * 11 / 30)
        # UNI: 100 · (10 + 1 + 45) / (20 + 10 + 50) = 70; the mean of the rates would be 50.
        assert kratio[("UNI", "2025-S1")].value == pytest.approx(70)
        assert kratio[("UNI", "2025-S1")].numerator_sum == 56
        assert kratio[("UNI", "2025-S1")].denominator_sum == 80
        assert kratio[("FAC-B", "2025-S1")].value == pytest.approx(90)


class TestMean:
    def test_weighted_by_the_headcount_each_record_stands_for(self, rollups: Rollups) -> None:
        klow = rollups["KLOW"]
        # DEP-A2 (no record): SEC-A2X alone → 10.
        assert klow[("DEP-A2", "2025")].value == pytest.approx(10)
        # FAC-A: DEP-A1 2 × 40 and SEC-A2X 10 × 4 (SEC-A2X's subtree, not DEP-A2's 34): 120 / 44.
        assert klow[("FAC-A", "2025")].value == pytest.approx(120 / 44)
        assert klow[("FAC-A", "2025")].weight_sum == 44
        # UNI: + DEP-B1 4 × 50: (80 + 40 + 200) / 94; the unweighted mean would be 16/3.
        assert klow[("UNI", "2025")].value == pytest.approx(320 / 94)

    def test_without_headcounts(self, rollups: Rollups) -> None:
        klow = rollups["KLOW"]
        assert klow[("DEP-A1", "2024")].value == 3  # its own record, weights or not
        assert klow[("FAC-A", "2024")].value is None  # cannot weight: no value rather than a guess
        assert klow[("FAC-A", "2024")].unweighted == 1


class TestInstitutionOnly:
    def test_only_the_roots_own_record(self, rollups: Rollups) -> None:
        kinst = rollups["KINST"]
        assert kinst == {("UNI", "2025"): kinst[("UNI", "2025")]}
        assert kinst[("UNI", "2025")].value == 77


def test_periods_and_kpis_can_be_chosen(session: Session, rollups: Rollups, org: Org) -> None:
    kpis = {k.code: k for k in session.execute(select(Kpi)).scalars()}
    chosen = by_code(kpi_rollups(session, periods=["2024"], kpi_ids=[kpis["KSUM"].id]), kpis, org)
    assert set(chosen["KSUM"]) == {
        ("DEP-A1", "2024"),
        ("SEC-A2X", "2024"),
        ("DEP-A2", "2024"),
        ("FAC-A", "2024"),
        ("UNI", "2024"),
    }
    assert chosen["KSUM"][("FAC-A", "2024")] == rollups["KSUM"][("FAC-A", "2024")]
    assert not chosen["KLOW"]


def test_the_roll_ups_of_chosen_units_are_theirs_among_all(session: Session, rollups: Rollups, org: Org) -> None:
    kpis = {k.code: k for k in session.execute(select(Kpi)).scalars()}
    chosen_units = [org["FAC-A"].id, org["DEP-A1"].id]
    chosen = by_code(kpi_rollups(session, unit_ids=[u for u in chosen_units if u is not None]), kpis, org)
    for code, values in rollups.items():
        # The roll-up of a unit reads its whole subtree even when only the unit is asked for.
        expected = {key: rollup for key, rollup in values.items() if key[0] in ("FAC-A", "DEP-A1")}
        assert chosen[code] == expected, code
    assert chosen["KSUM"][("FAC-A", "2024")].units > 1  # made from the records below it
