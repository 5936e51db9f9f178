"""Targets per unit (DESIGN.md §Domain, KPI; ``maturity.scoring.unit_targets``): golden cases
with the arithmetic written out, and the property that cascaded targets add up to the parent's.

The organisation of tests/factories.py, headcounts of 2025 (each unit's own):
UNI 10 · FAC-A 5 (DEP-A1 40, DEP-A2 30 with SEC-A2X 4) · FAC-B 6 (DEP-B1 50). Subtrees:
FAC-A 5 + 40 + 30 + 4 = 79, FAC-B 6 + 50 = 56, DEP-A2 34.
"""

import re
from datetime import date

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from indicators.models import KpiTarget
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.scores import PeriodScores, score_period
from indicators.strategy_export import export_strategy
from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.errors import InvalidInput
from maturity.scoring import PaceStatus
from maturity.scoring.unit_targets import Cascade, TargetSource, adds_up, apportion
from maturity.units.services import UnitScope
from tests.factories import Org, login

TODAY = date(2026, 11, 22)


def kpi(code: str, aggregation: str, rows: str, *, cascade: str = "none", scoring: str = "progress") -> str:
    lines = [
        f"            - code: {code}",
        f"              name: {{nb: {code}, en: {code}}}",
        "              direction: higher",
        f"              scoring: {scoring}",
        "              frequency: year",
        f"              aggregation: {aggregation}",
    ]
    if cascade != "none":
        lines.append(f"              cascade: {cascade}")
    return "\n".join(lines) + "\n" + rows


STRATEGY = (
    """\
format: maturity-strategy/1
strategy:
  code: unit-targets
  title: {nb: Enhetsmål, en: Unit targets}
  period: {start: 2020-01-01, end: 2025-12-31}
  goals:
    - code: G
      title: {nb: Mål, en: Goal}
      indicators:
        - code: G.I
          title: {nb: Indikator, en: Indicator}
          kpis:
"""
    + kpi(
        "KBASE",
        "sum",
        "              baselines: [{valid_from: 2020-01-01, value: 100}]\n"
        "              targets: [{valid_from: 2020-01-01, value: 200}, {valid_from: 2025-01-01, value: 300}]\n",
        cascade="baseline",
    )
    + kpi(
        "KHEAD",
        "sum",
        "              baselines: [{valid_from: 2020-01-01, value: 135}]\n"
        "              targets: [{valid_from: 2020-01-01, value: 270}]\n",
        cascade="headcount",
    )
    + kpi(
        "KNONE",
        "sum",
        "              baselines: [{valid_from: 2020-01-01, value: 12}]\n"
        "              targets: [{valid_from: 2020-01-01, value: 40}]\n",
    )
    + kpi(
        "KRATE",
        "ratio",
        "              baselines: [{valid_from: 2020-01-01, value: 20}]\n"
        "              targets: [{valid_from: 2020-01-01, value: 80}, {valid_from: 2020-01-01, unit: FAC-A, value: 60}]\n",
    )
    + kpi(
        "KINST",
        "institution_only",
        "              targets: [{valid_from: 2020-01-01, value: 1}]\n",
        scoring="binary",
    )
    + kpi(
        "KMIX",
        "sum",
        "              baselines: [{valid_from: 2020-01-01, value: 100}, {valid_from: 2020-01-01, unit: FAC-A, value: 30}]\n"
        "              targets: [{valid_from: 2020-01-01, value: 200}, {valid_from: 2020-01-01, unit: FAC-A, value: 50}]\n",
        cascade="headcount",
    )
    + kpi(
        "KWARN",
        "sum",
        "              baselines: [{valid_from: 2020-01-01, value: 10}]\n"
        "              targets: [{valid_from: 2020-01-01, value: 100}, {valid_from: 2020-01-01, unit: FAC-A, value: 50},"
        " {valid_from: 2020-01-01, unit: FAC-B, value: 30}]\n",
    )
)

VALUES = [
    ("KBASE", "FAC-A", "2019", 60),  # the period before the baseline (2020-01-01): FAC-A 60 of 60 + 40
    ("KBASE", "FAC-B", "2019", 40),
    ("KBASE", "FAC-A", "2024", 90),
    ("KBASE", "FAC-A", "2025", 150),
    ("KHEAD", "FAC-A", "2024", 100),
    ("KNONE", "FAC-A", "2024", 7),
    ("KNONE", "FAC-B", "2024", 6),
    ("KRATE", "FAC-A", "2024", None),  # 30 of 60 = 50 %
    ("KRATE", "FAC-B", "2024", None),  # 14 of 20 = 70 %
    ("KINST", "UNI", "2024", 1),
    ("KMIX", "FAC-B", "2024", 120),
]
SHARES = {("KRATE", "FAC-A"): (30, 60), ("KRATE", "FAC-B"): (14, 20)}


@pytest.fixture
def scores(session: Session, org: Org) -> PeriodScores:
    summary = import_strategy(session, STRATEGY.encode(), Actor.system("test"))
    items = []
    for code, unit, period, value in VALUES:
        if value is None:
            numerator, denominator = SHARES[(code, unit)]
            items.append(RecordInput(code, unit, period, numerator=numerator, denominator=denominator))
        else:
            items.append(RecordInput(code, unit, period, value=value))
    record_values(
        session,
        check_records(session, items, UnitScope(everything=True, roots=frozenset())),
        Actor.system("test"),
        via="cli",
        require_comments=False,  # values at every pace (tests/indicators/test_risk_comments.py asks for comments)
    )
    session.commit()
    return score_period(session, summary.strategy_id, "2024", today=TODAY)


def kpi_score(scores: PeriodScores, org: Org, unit: str, code: str):  # type: ignore[no-untyped-def]
    for indicator in scores.unit(org[unit].id or 0).indicators():
        for k in indicator.kpis:
            if k.kpi.code == code:
                return k
    raise AssertionError(code)


class TestSumCascadedByBaselineShare:
    def test_a_faculty_gets_its_share_of_the_baseline_period(self, scores: PeriodScores, org: Org) -> None:
        k = kpi_score(scores, org, "FAC-A", "KBASE")
        share = 60 / (60 + 40)  # FAC-A's part in 2019, the KPI period before the baseline's date
        baseline, target = 100 * share, 200 * share  # 60 → 120
        assert k.target_source == TargetSource.CASCADED
        assert k.cascade == Cascade.BASELINE
        assert (k.baseline.value, k.target.value) == (pytest.approx(baseline), pytest.approx(target))
        assert k.score == pytest.approx(100 * (90 - baseline) / (target - baseline))  # 50

    def test_the_institution_keeps_its_own(self, scores: PeriodScores, org: Org) -> None:
        k = kpi_score(scores, org, "UNI", "KBASE")
        assert k.target_source == TargetSource.INSTITUTION
        assert k.actual == 90  # FAC-A's; FAC-B reported nothing for 2024
        assert k.progress.raw == pytest.approx(100 * (90 - 100) / (200 - 100))  # −10, below the baseline
        assert k.score == 0

    def test_a_changed_target_never_rewrites_a_past_period(
        self, session: Session, scores: PeriodScores, org: Org
    ) -> None:
        later = score_period(session, scores.strategy.id or 0, "2025", today=TODAY)
        k = kpi_score(later, org, "FAC-A", "KBASE")
        assert k.target.value == pytest.approx(300 * 0.6)  # the target of 2025-01-01, cascaded: 180
        assert kpi_score(scores, org, "FAC-A", "KBASE").target.value == pytest.approx(200 * 0.6)  # 2024 keeps 120


class TestSumCascadedByHeadcount:
    def test_a_faculty_gets_its_share_of_headcount(self, scores: PeriodScores, org: Org) -> None:
        k = kpi_score(scores, org, "FAC-A", "KHEAD")
        share = (5 + 40 + 30 + 4) / ((5 + 40 + 30 + 4) + (6 + 50))  # 79 / 135, the subtrees of 2025
        baseline, target = 135 * share, 270 * share  # 79 → 158
        assert k.cascade == Cascade.HEADCOUNT
        assert (k.baseline.value, k.target.value) == (pytest.approx(baseline), pytest.approx(target))
        assert k.score == pytest.approx(100 * (100 - baseline) / (target - baseline))  # 21 / 79 → 26.58…

    def test_a_department_gets_its_share_of_the_faculty(self, scores: PeriodScores, org: Org) -> None:
        k = kpi_score(scores, org, "DEP-A2", "KHEAD")
        faculty = 270 * 79 / 135  # FAC-A's cascaded target, 158
        assert k.target.value == pytest.approx(faculty * (30 + 4) / (40 + (30 + 4)))  # DEP-A2 34 of 74
        assert k.score is None  # no value of its own: nothing to score


class TestNoTarget:
    def test_a_sum_kpi_without_a_cascade_has_no_target_below_the_institution(
        self, scores: PeriodScores, org: Org
    ) -> None:
        k = kpi_score(scores, org, "FAC-A", "KNONE")
        assert k.target_source == TargetSource.NONE
        assert k.actual == 7
        assert k.target is None
        assert k.progress is None
        indicator = scores.unit(org["FAC-A"].id or 0).indicators()[0]
        with_data = [m for m in indicator.kpis if m.score is not None]
        total = sum(m.weight for m in indicator.kpis)
        # left out of coverage: KBASE, KHEAD and KRATE score; KNONE (no target), KINST (institution
        # only), KMIX and KWARN (no value of FAC-A) do not
        assert indicator.combined.coverage == pytest.approx(sum(m.weight for m in with_data) / total)
        assert {m.kpi.code for m in with_data} == {"KBASE", "KHEAD", "KRATE"}


class TestRatioOverride:
    def test_a_unit_target_overrides_the_institutions(self, scores: PeriodScores, org: Org) -> None:
        a = kpi_score(scores, org, "FAC-A", "KRATE")
        assert a.target_source == TargetSource.OWN
        assert a.target.value == 60
        assert a.score == pytest.approx(100 * (100 * 30 / 60 - 20) / (60 - 20))  # 50 % of 20 → 60: 75

    def test_without_one_the_institutions_applies(self, scores: PeriodScores, org: Org) -> None:
        b = kpi_score(scores, org, "FAC-B", "KRATE")
        assert b.target_source == TargetSource.INHERITED
        assert b.target.value == 80
        assert b.score == pytest.approx(100 * (100 * 14 / 20 - 20) / (80 - 20))  # 70 % of 20 → 80: 83.3


class TestInstitutionOnly:
    def test_not_scored_below_the_institution(self, scores: PeriodScores, org: Org) -> None:
        assert kpi_score(scores, org, "UNI", "KINST").score == 100
        below = kpi_score(scores, org, "FAC-A", "KINST")
        assert below.target_source == TargetSource.NOT_BELOW_INSTITUTION
        assert below.score is None
        assert below.target is None


class TestExplicitAndCascadedSiblings:
    def test_the_rest_of_the_parent_goes_to_the_others(self, scores: PeriodScores, org: Org) -> None:
        a = kpi_score(scores, org, "FAC-A", "KMIX")
        b = kpi_score(scores, org, "FAC-B", "KMIX")
        assert a.target_source == TargetSource.OWN
        assert a.target.value == 50
        assert b.target_source == TargetSource.CASCADED
        # FAC-B is the only other child: it gets all of the rest, 200 − 50 = 150 and 100 − 30 = 70
        assert (b.baseline.value, b.target.value) == (pytest.approx(70), pytest.approx(150))
        assert b.score == pytest.approx(100 * (120 - 70) / (150 - 70))  # 62.5
        assert a.target.value + b.target.value == 200


class TestApportion:
    def test_golden(self) -> None:
        assert apportion(200.0, {"a": 50.0}, {"a": 5.0, "b": 30.0, "c": 10.0}) == {
            "b": pytest.approx(150 * 30 / 40),
            "c": pytest.approx(150 * 10 / 40),
        }

    def test_children_without_a_key_get_none(self) -> None:
        assert apportion(100.0, {}, {"a": 0.0, "b": None}) == {}

    @given(
        st.floats(-1e9, 1e9, allow_nan=False),
        st.dictionaries(st.text(min_size=1, max_size=3), st.floats(0.001, 1e6), min_size=1, max_size=12),
    )
    def test_cascaded_targets_of_all_children_add_up_to_the_parents(
        self, parent: float, keys: dict[str, float]
    ) -> None:
        shares = apportion(parent, {}, keys)
        assert set(shares) == set(keys)
        assert adds_up(parent, list(shares.values()), tolerance=1e-9)

    @given(
        st.floats(-1e6, 1e6, allow_nan=False),
        st.dictionaries(st.integers(0, 20), st.floats(-1e5, 1e5, allow_nan=False), max_size=5),
        st.dictionaries(st.integers(21, 40), st.floats(0.001, 1e4), min_size=1, max_size=8),
    )
    def test_with_explicit_siblings_everything_still_adds_up(
        self, parent: float, explicit: dict[int, float], keys: dict[int, float]
    ) -> None:
        shares = apportion(parent, explicit, {**keys, **dict.fromkeys(explicit, 1.0)})
        assert set(shares) == set(keys)
        assert abs(sum(shares.values()) + sum(explicit.values()) - parent) <= 1e-6 * max(
            1.0, abs(parent), *(abs(v) for v in explicit.values())
        )


def test_a_cascaded_row_is_never_stored(session: Session, scores: PeriodScores, org: Org) -> None:
    from sqlalchemy import func, select

    stored = session.execute(select(func.count()).select_from(KpiTarget)).scalar_one()
    assert stored == 3 + 2 + 2 + 3 + 1 + 4 + 4  # the file's rows only (KBASE … KWARN)


class TestStrategyPage:
    def test_each_kpi_has_its_table_of_units_and_the_warnings(
        self, client: TestClient[Litestar], people: dict[str, User], scores: PeriodScores
    ) -> None:
        login(client, "office@example.org")
        page = client.get("/strategy/unit-targets", headers={"accept-language": "en"})
        assert page.status_code == 200
        text = re.sub(r"\s+", " ", page.text)
        assert "KHEAD: the baseline and target each unit is scored against" in text
        # FAC-A's cascaded KHEAD target on today's date (clamped to the strategy's end): 270 · 79 / 135 = 158
        assert re.search(
            r"FAC-A <span class=\"muted\">Faculty A</span></th> <td class=\"num\">79[.,]0</td> "
            r"<td class=\"num\">158[.,]0</td> <td>cascaded \(by headcount\)</td>",
            text,
        )
        assert "<td>none</td>" in text  # KNONE below the institution
        assert "<td>inherited</td>" in text  # KRATE at FAC-B
        # KWARN: FAC-A 50 + FAC-B 30 = 80, not UNI's 100
        assert "The target values of the units under UNI add up to 80.0, not to its 100.0." in text
        assert "KMIX" in text
        assert "units under UNI have target values of their own" not in text


class TestStrategyFile:
    SUCCESSOR = """\
format: maturity-strategy/1
strategy:
  code: next
  title: {nb: Neste, en: Next}
  period: {start: 2026-01-01, end: 2030-12-31}
"""

    def test_cascade_final_thresholds_and_successor_round_trip_exactly(self, session: Session, org: Org) -> None:
        import_strategy(session, self.SUCCESSOR.encode(), Actor.system("test"))
        text = STRATEGY.replace(
            "  period: {start: 2020-01-01, end: 2025-12-31}\n",
            "  period: {start: 2020-01-01, end: 2025-12-31}\n  final: {achieved: 90, partly: 60}\n  successor: next\n",
        )
        summary = import_strategy(session, text.encode(), Actor.system("test"))
        first = export_strategy(session, summary.strategy_id)
        data = yaml.safe_load(first)
        assert data["strategy"]["final"] == {"achieved": 90, "partly": 60}
        assert data["strategy"]["successor"] == "next"
        kpis = {k["code"]: k for g in data["strategy"]["goals"] for i in g["indicators"] for k in i["kpis"]}
        assert (kpis["KBASE"]["cascade"], kpis["KHEAD"]["cascade"]) == ("baseline", "headcount")
        assert "cascade" not in kpis["KNONE"]
        again = import_strategy(session, first.encode(), Actor.system("test"))
        assert export_strategy(session, again.strategy_id) == first

    @pytest.mark.parametrize(
        ("change", "path", "words"),
        [
            (
                ("aggregation: ratio", "aggregation: ratio\n              cascade: headcount"),
                ".cascade",
                "Only a KPI that adds up",
            ),
            (
                (
                    "  period: {start: 2020-01-01, end: 2025-12-31}\n",
                    "  period: {start: 2020-01-01, end: 2025-12-31}\n  final: {achieved: 50, partly: 60}\n",
                ),
                "final.partly",
                "must be below",
            ),
            (
                (
                    "  period: {start: 2020-01-01, end: 2025-12-31}\n",
                    "  period: {start: 2020-01-01, end: 2025-12-31}\n  successor: unit-targets\n",
                ),
                "successor",
                "cannot succeed itself",
            ),
        ],
    )
    def test_bad_values_are_refused_with_their_place(
        self, session: Session, org: Org, change: tuple[str, str], path: str, words: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            import_strategy(session, STRATEGY.replace(*change, 1).encode(), Actor.system("test"))
        problems = caught.value.problems
        assert any(p.path.endswith(path) and words in (p.message % p.params) for p in problems), problems


class TestConcludedStrategy:
    """The strategy runs 2020–2025; on 2026-11-22 it has concluded."""

    def test_its_last_period_is_the_final_evaluation(self, session: Session, scores: PeriodScores, org: Org) -> None:
        assert scores.final is False  # 2024 keeps its pace
        final = score_period(session, scores.strategy.id or 0, "2025", today=TODAY)
        assert final.final is True
        k = kpi_score(final, org, "FAC-A", "KBASE")
        assert k.score == pytest.approx(100 * (150 - 60) / (300 * 0.6 - 60))  # 75
        uni = final.unit(org["UNI"].id or 0).goals[0]
        # UNI's indicator: KBASE (150 of 100 → 300: 25), KRATE none in 2025, KINST none in 2025 …
        # too little data in 2025: insufficient, not a status of pace
        assert uni.pace.status in {PaceStatus.INSUFFICIENT_DATA, PaceStatus.NOT_ACHIEVED}
        running = score_period(session, scores.strategy.id or 0, "2025", today=date(2025, 6, 1))
        assert running.final is False  # before its end the same period is judged by pace

    def test_the_report_is_titled_final_report(self, session: Session, scores: PeriodScores, org: Org) -> None:
        from reports.assembly import build_content

        content = build_content(session, org["FAC-A"], "2025", "en")
        assert content.title == "Final report 2025: Faculty A"
        progress = build_content(session, org["FAC-A"], "2024", "en")
        assert progress.title == "Progress report 2024: Faculty A"
        # the method appendix names the rule each target came from
        rules = [f for f in progress.method.formulas if f.startswith("Targets of")]
        assert [r.split(":")[0] for r in rules] == [
            "Targets of KRATE, KMIX, KWARN",  # own
            "Targets of KBASE",  # cascaded by baseline share
            "Targets of KHEAD",  # cascaded by headcount
            "Targets of KNONE",  # none
            "Targets of KINST",  # institution only
        ]
        assert "by each unit's part of the values before the baseline" in rules[1]
        assert "headcount" in rules[2]
