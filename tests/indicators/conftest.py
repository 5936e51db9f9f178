import pytest
from sqlmodel import Session

from indicators.models import Strategy
from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor
from tests.factories import Org

# A small strategy: one goal with two indicators and four KPIs (a yearly count, a share per
# semester, an institution-only yes/no, a lower-is-better mean), a survey measure, and a
# maturity model of two dimensions.
STRATEGY_YAML = """\
format: maturity-strategy/1
strategy:
  code: test-strategy
  title: {nb: Teststrategi, en: Test strategy}
  period: {start: 2020-01-01, end: 2025-12-31}
  goals:
    - code: G1
      title: {nb: Mål en, en: Goal one}
      weight: 2
      actions:
        - {code: G1.A1, title: {nb: Tiltak, en: Action}}
      indicators:
        - code: G1.I1
          title: {nb: Indikator en, en: Indicator one}
          kpis:
            - code: KSUM
              name: {nb: Antall prosjekter, en: Projects}
              unit_of_measure: {nb: antall, en: count}
              direction: higher
              scoring: progress
              frequency: year
              aggregation: sum
              baselines: [{valid_from: 2020-01-01, value: 10}]
              targets: [{valid_from: 2020-01-01, value: 30}]
            - code: KRATIO
              name: {nb: Andel emner, en: Share of courses}
              unit_of_measure: "%"
              direction: higher
              scoring: progress
              frequency: semester
              aggregation: ratio
              baselines: [{valid_from: 2020-01-01, value: 20}]
              targets: [{valid_from: 2020-01-01, value: 80}, {valid_from: 2023-01-01, value: 90}]
          survey_measures:
            - {dimension: D1, weight: 1, baseline: 40, target: 70}
        - code: G1.I2
          title: {nb: Indikator to, en: Indicator two}
          kpis:
            - code: KINST
              name: {nb: Etablert, en: Established}
              direction: higher
              scoring: binary
              frequency: year
              aggregation: institution_only
              targets: [{valid_from: 2020-01-01, value: 1}]
            - code: KLOW
              name: {nb: Ventetid, en: Waiting time}
              unit_of_measure: {nb: timer, en: hours}
              direction: lower
              scoring: progress
              frequency: year
              aggregation: mean
              baselines: [{valid_from: 2020-01-01, value: 20}]
              targets: [{valid_from: 2020-01-01, value: 4}]
maturity_model:
  code: test-model
  name: {nb: Modell, en: Model}
  dimensions:
"""
for _code, _nb, _en in (("D1", "Dimensjon en", "Dimension one"), ("D2", "Dimensjon to", "Dimension two")):
    STRATEGY_YAML += f"    - code: {_code}\n      name: {{nb: {_nb}, en: {_en}}}\n      levels:\n"
    STRATEGY_YAML += "".join(
        f"        - {{level: {n}, name: {{nb: Nivå {n}, en: Level {n}}},"
        f" description: {{nb: Enheten gjør {n}., en: The unit does {n}.}}}}\n"
        for n in range(1, 6)
    )


@pytest.fixture
def strategy(session: Session, org: Org) -> Strategy:
    summary = import_strategy(session, STRATEGY_YAML.encode(), Actor.system("test"))
    session.commit()
    return session.get_one(Strategy, summary.strategy_id)
