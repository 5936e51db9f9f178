"""Issue 19's attack, built through the services: an organisation of small departments, a round
with k = 5, three dimensions, respondent groups of one to three people, and some who answered
"not applicable" to a whole dimension. An exact attacker (``tests.maturity.attacker``) solves
everything the API, the dashboard's perspectives and the export show: with one decision over all
layers it recovers nothing; with a decision per dimension (as before) it recovers a hidden figure.

    UNI
    ├── FAC-1: DEP-11 (7), DEP-12 (6), DEP-13 (3)
    └── FAC-2: DEP-21 (5), DEP-22 (4), DEP-23 (2)
"""

import csv
import io
import re
from datetime import date, timedelta
from fractions import Fraction

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session

from indicators.scorecard import unit_scorecard
from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor
from maturity.db import utcnow
from maturity.disclosure import Visibility, disclose_cells
from maturity.units.models import OrgUnit
from maturity.units.services import import_units_csv
from reports.assembly import build_content
from reports.rendering import render_report_pdf
from surveys.answering import NOT_APPLICABLE, open_response, save_answer, submit
from surveys.export import export_round
from surveys.figures import ALL_GROUPS, disclosed_round, unit_parents
from surveys.invitations import Invitee, invite
from surveys.models import Question, RespondentGroup, SurveyRound
from surveys.rounds import create_round
from surveys.scheduling import close_round_now
from surveys.survey_file import import_survey
from tests.factories import STRATEGY_YAML
from tests.indicators.test_api import bearer, make_token
from tests.maturity.attacker import ALL, Attacker, Respondent
from tests.reports.test_content import pdf_text

ACTOR = Actor.system("test")
SECRET = "test-secret-" + "x" * 30
K = 5
PERIOD = "2025"
DIMENSIONS = ("D1", "D2", "D3")

ORG = """code;parent_code;kind;name_nb;name_en;headcount_2025
UNI;;institution;Universitetet;The University;60
FAC-1;UNI;faculty;Fakultet 1;Faculty 1;5
FAC-2;UNI;faculty;Fakultet 2;Faculty 2;5
DEP-11;FAC-1;department;Institutt 11;Department 11;9
DEP-12;FAC-1;department;Institutt 12;Department 12;8
DEP-13;FAC-1;department;Institutt 13;Department 13;4
DEP-21;FAC-2;department;Institutt 21;Department 21;6
DEP-22;FAC-2;department;Institutt 22;Department 22;5
DEP-23;FAC-2;department;Institutt 23;Department 23;3
"""

# (unit, group) → respondents; groups of one to three people
CELLS = {
    ("DEP-11", "academic"): 3,
    ("DEP-11", "admin"): 3,
    ("DEP-11", "leader"): 1,
    ("DEP-12", "academic"): 3,
    ("DEP-12", "admin"): 2,
    ("DEP-12", "leader"): 1,
    ("DEP-13", "academic"): 2,
    ("DEP-13", "admin"): 1,
    ("DEP-21", "academic"): 3,
    ("DEP-21", "admin"): 2,
    ("DEP-22", "academic"): 2,
    ("DEP-22", "admin"): 1,
    ("DEP-22", "leader"): 1,
    ("DEP-23", "academic"): 1,
    ("DEP-23", "admin"): 1,
}
# the respondents (by unit, group and number in the cell) who answered "not applicable" to D2
SKIPPED_D2 = {("DEP-11", "admin", 0), ("DEP-21", "academic", 1), ("DEP-22", "academic", 0)}

SURVEY = """\
format: maturity-survey/1
survey:
  code: attack
  title: {nb: Modenhet, en: Maturity}
  maturity_model: test-model
  likert_labels:
    - {nb: Helt uenig, en: Strongly disagree}
    - {nb: Uenig, en: Disagree}
    - {nb: Nøytral, en: Neutral}
    - {nb: Enig, en: Agree}
    - {nb: Helt enig, en: Strongly agree}
  groups:
    - {code: academic, name: {nb: Vitenskapelige, en: Academic}}
    - {code: admin, name: {nb: Administrative, en: Administrative}}
    - {code: leader, name: {nb: Ledere, en: Leaders}}
  sections:
    - dimension: D1
      questions:
        - {code: D1-L, kind: level, text: {nb: "Nivå?", en: "Level?"}, required: true}
    - dimension: D2
      questions:
        - {code: D2-L, kind: level, text: {nb: "Nivå?", en: "Level?"}}
    - dimension: D3
      questions:
        - {code: D3-L, kind: level, text: {nb: "Nivå?", en: "Level?"}, required: true}
"""
D3_YAML = "    - code: D3\n      name: {nb: Dimensjon tre, en: Dimension three}\n      levels:\n" + "".join(
    f"        - {{level: {n}, name: {{nb: Nivå {n}, en: Level {n}}},"
    f" description: {{nb: Enheten gjør {n}., en: The unit does {n}.}}}}\n"
    for n in range(1, 6)
)


def level(number: int, dimension: int) -> int:
    """Levels that differ between people and dimensions (no two sums alike by accident)."""
    return 1 + (number * 7 + dimension * 3 + number * dimension) % 5


@pytest.fixture
def attacked(session: Session) -> tuple[SurveyRound, list[Respondent], int]:
    import_units_csv(session, ORG.encode())
    # the shared strategy's unit targets name units of the shared tree, not of this organisation
    strategy = "".join(line for line in STRATEGY_YAML.splitlines(True) if " unit: " not in line)
    summary = import_strategy(session, (strategy + D3_YAML).encode(), ACTOR)
    survey = import_survey(session, SURVEY.encode(), ACTOR)
    now = utcnow()
    survey_round = create_round(
        session,
        survey,
        name_nb="Runde",
        name_en="Round",
        period_label=PERIOD,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
        unit_codes=["UNI"],
        min_group_size=K,
        actor=ACTOR,
    )
    people = [(unit, group, i) for (unit, group), n in CELLS.items() for i in range(n)]
    issued = invite(
        session, survey_round, [Invitee(f"{u}-{g}-{i}@example.org".lower(), u, g) for u, g, i in people], actor=ACTOR
    )
    questions = {q.code: q for q in session.execute(select(Question)).scalars()}
    truth = []
    for number, ((unit, group, i), (_, token)) in enumerate(zip(people, issued, strict=True)):
        respondent = open_response(session, token, secret=SECRET, now=utcnow())
        scores: dict[str, Fraction] = {}
        for d, dimension in enumerate(DIMENSIONS):
            question = questions[f"{dimension}-L"]
            if dimension == "D2" and (unit, group, i) in SKIPPED_D2:
                save_answer(session, respondent, question, [NOT_APPLICABLE], now=utcnow())
                continue
            value = level(number, d)
            save_answer(session, respondent, question, [str(value)], now=utcnow())
            scores[dimension] = Fraction((value - 1) * 25)
        submit(session, respondent, now=utcnow())
        truth.append(Respondent(unit, group, scores))
    close_round_now(session, survey_round, ACTOR, utcnow())
    session.commit()
    return survey_round, truth, summary.strategy_id


def units(session: Session) -> dict[str, OrgUnit]:
    return {u.code: u for u in session.execute(select(OrgUnit)).scalars()}


def attacker_for(session: Session, truth: list[Respondent]) -> Attacker:
    by_id = {u.id: u.code for u in units(session).values()}
    parents = {by_id[u]: by_id.get(p) if p is not None else None for u, p in unit_parents(session).items()}
    return Attacker(parents, truth, K)


def dimension_codes(session: Session) -> dict[int | None, str | None]:
    codes: dict[int | None, str | None] = {None: None}
    for q in session.execute(select(Question)).scalars():
        codes[q.dimension_id] = q.code.split("-")[0]
    return codes


class TestAttack:
    def test_a_decision_per_dimension_gives_hidden_figures_away(
        self, session: Session, attacked: tuple[SurveyRound, list[Respondent], int]
    ) -> None:
        """The attacker has teeth: against a decision taken per dimension on each dimension's own
        counts (the way before), the figures it shows give hidden ones away exactly."""
        survey_round, truth, _ = attacked
        decided = disclosed_round(session, survey_round)
        aggregates = decided.aggregates
        parents = unit_parents(session)
        code = {u.id: u.code for u in units(session).values()}
        dims = dimension_codes(session)
        groups = {g.id: g.code for g in session.execute(select(RespondentGroup)).scalars()}
        attacker = attacker_for(session, truth)
        for dimension_id in dims:
            own: dict[tuple[int, str], int] = {}
            for (unit_id, d, group_id), stats in aggregates.dimensions_by_group.items():
                if d == dimension_id:
                    own[unit_id, str(group_id)] = own.get((unit_id, str(group_id)), 0) + stats.n
                    parent = parents[unit_id]
                    if parent is not None:
                        own[parent, str(group_id)] = own.get((parent, str(group_id)), 0) - stats.n
            per_dimension = disclose_cells(parents, {c: n for c, n in own.items() if n}, K)
            for (unit_id, d), stats in aggregates.dimensions.items():
                if d == dimension_id and per_dimension.subtree(unit_id) == Visibility.SHOWN:
                    attacker.observe(code[unit_id], ALL, dims[d], stats.n, stats.total / stats.n)
            for (unit_id, d, group_id), stats in aggregates.dimensions_by_group.items():
                if d == dimension_id and per_dimension.subtree(unit_id, str(group_id)) == Visibility.SHOWN:
                    attacker.observe(code[unit_id], groups[group_id], dims[d], stats.n, stats.total / stats.n)
        recovered = attacker.recovered()
        # the one person of DEP-11's admins who skipped D2: their overall, from FAC-1's (and DEP-11's)
        # 3 · overall − (D1 + D2 + D3)
        assert any(t.what == "skipped" and t.n == 1 for t in recovered), recovered
        assert len(recovered) >= 1

    def test_what_the_api_pages_and_export_show_gives_nothing_away(
        self, client: TestClient[Litestar], session: Session, attacked: tuple[SurveyRound, list[Respondent], int]
    ) -> None:
        survey_round, truth, strategy_id = attacked
        attacker = attacker_for(session, truth)
        token = make_token(session, "UNI")
        seen_visibility: set[str] = set()
        for code, unit in units(session).items():
            answer = client.get("/api/scores", params={"unit": code, "period": PERIOD}, headers=bearer(token))
            assert answer.status_code == 200, answer.text
            for row in answer.json()["profile"]:
                figure = row["unit"]
                seen_visibility.add(figure["visibility"])
                if figure["visibility"] == "shown":
                    attacker.observe(code, ALL, row["dimension"], figure["n"], figure["mean"])
            card = unit_scorecard(session, unit, PERIOD, strategy_id=strategy_id, today=date.today())
            for row in card.perspectives:
                for group, figure in zip(card.groups, row.groups, strict=True):
                    if figure.shown and figure.stats is not None:
                        layer = row.dimension.code if row.dimension is not None else None
                        attacker.observe(code, group.code, layer, figure.stats.n, figure.stats.mean)
        assert seen_visibility <= {"shown", "too_few", "empty"}
        assert "too_few" in seen_visibility
        # the export: every released cell's microdata
        exported = export_round(session, survey_round)
        per_respondent: dict[str, tuple[str, str | None, dict[str, Fraction]]] = {}
        for r in csv.DictReader(io.StringIO(exported.responses_csv), delimiter=";"):
            unit, group = r["unit"], r["group"] or None
            scores = per_respondent.setdefault(r["respondent"], (unit, group, {}))[2]
            if r["score"]:
                scores[r["question"].split("-")[0]] = Fraction(r["score"])
        cells: dict[tuple[str, str | None], dict[tuple[frozenset[str], str], Fraction]] = {}
        for unit, group, scores in per_respondent.values():
            sums = cells.setdefault((unit, group), {})
            for dimension, score in scores.items():
                key = (frozenset(scores), dimension)
                sums[key] = sums.get(key, Fraction(0)) + score
        for (unit, group), sums in cells.items():
            attacker.release(unit, group, sums)
        assert attacker.observed  # the API and pages show figures at all
        assert attacker.recovered() == {}

    def test_pages_api_and_pdf_hide_the_same_figures_without_saying_why(
        self, client: TestClient[Litestar], session: Session, attacked: tuple[SurveyRound, list[Respondent], int]
    ) -> None:
        survey_round, _, _ = attacked
        decided = disclosed_round(session, survey_round)
        dims = dimension_codes(session)
        token = make_token(session, "UNI")
        by_code = units(session)
        hidden: set[tuple[str, str | None]] = set()
        for code, unit in by_code.items():
            answer = client.get("/api/scores", params={"unit": code, "period": PERIOD}, headers=bearer(token))
            for row in answer.json()["profile"]:
                dimension_id = next(d for d, c in dims.items() if c == row["dimension"])
                expected = decided.figure(unit.id or 0, dimension_id, ALL_GROUPS).visibility
                assert row["unit"]["visibility"] == str(expected)
                if expected != Visibility.SHOWN:
                    hidden.add((code, row["dimension"]))
                    assert row["unit"]["mean"] is None
            assert "suppressed" not in answer.text
        assert hidden  # small departments and what would give them away
        # the PDF's method part lists the hidden figures of FAC-2's subtree, all "too few responses"
        content = build_content(session, by_code["FAC-2"], PERIOD, "en")
        listed = {(h.unit_code, h.dimension) for h in content.method.suppressed if h.group == "All respondents"}
        names = {"D1": "Dimension one", "D2": "Dimension two", "D3": "Dimension three", None: "All dimensions"}
        subtree = {"FAC-2", "DEP-21", "DEP-22", "DEP-23"}
        assert listed == {(u, names[d]) for u, d in hidden if u in subtree}
        text = pdf_text(render_report_pdf(content).data)
        assert "Too few responses" in text
        assert not re.search(r"reveal|complementary|primary", text, re.IGNORECASE)
