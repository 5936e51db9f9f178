from datetime import timedelta

import pytest
from sqlmodel import Session

from indicators.models import Strategy
from maturity.audit.services import Actor
from maturity.db import utcnow
from surveys.invitations import Invitee, invite
from surveys.models import Survey, SurveyRound
from surveys.rounds import create_round
from surveys.survey_file import import_survey

ACTOR = Actor.system("test")

SURVEY_YAML = """\
format: maturity-survey/1
survey:
  code: test-survey
  title: {nb: Testundersøkelse, en: Test survey}
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
  sections:
    - dimension: D1
      questions:
        - {code: D1-L, kind: level, text: {nb: "Nivå?", en: "Level?"}, required: true}
        - {code: D1-Q1, kind: likert, text: {nb: "Enig?", en: "Agree?"}, required: true, indicator: G1.I1}
        - {code: D1-Q2, kind: likert, text: {nb: "Vanskelig?", en: "Hard?"}, reverse: true}
    - dimension: D2
      questions:
        - {code: D2-L, kind: level, text: {nb: "Nivå?", en: "Level?"}, required: true}
  background:
    - code: B-ROLE
      kind: single
      text: {nb: "Rolle?", en: "Role?"}
      options:
        - {code: academic, text: {nb: Vitenskapelig, en: Academic}}
        - {code: admin, text: {nb: Administrativ, en: Administrative}}
    - code: B-TOOLS
      kind: multi
      text: {nb: "Verktøy?", en: "Tools?"}
      options:
        - {code: canvas, text: {nb: Canvas, en: Canvas}}
        - {code: teams, text: {nb: Teams, en: Teams}}
    - {code: B-HOURS, kind: number, text: {nb: "Timer?", en: "Hours?"}, min: 0, max: 60}
    - {code: B-TEXT, kind: text, text: {nb: "Endring?", en: "Change?"}}
"""


@pytest.fixture
def survey(session: Session, strategy: Strategy) -> Survey:
    result = import_survey(session, SURVEY_YAML.encode(), ACTOR)
    session.commit()
    return result


@pytest.fixture
def open_round(session: Session, survey: Survey) -> SurveyRound:
    now = utcnow()
    result = create_round(
        session,
        survey,
        name_nb="Runde 1",
        name_en="Round 1",
        period_label="2025",  # the headcounts of tests/factories.py
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=14),
        unit_codes=["FAC-A"],
        actor=ACTOR,
    )
    session.commit()
    return result


@pytest.fixture
def tokens(session: Session, open_round: SurveyRound) -> list[str]:
    """Two invitations in DEP-A1 (academic) and DEP-A2 (admin); their link tokens."""
    issued = invite(
        session,
        open_round,
        [Invitee("a@example.org", "DEP-A1", "academic"), Invitee("b@example.org", "DEP-A2", "admin")],
        actor=ACTOR,
    )
    session.commit()
    return [token for _, token in issued]
