"""The method appendix of the report object: the formulas in the report's language, k, which
survey figures disclosure control hides (never their values), and the definitions changed during
the period (from the audit log)."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.score_labels import FORMULA, expected_rule, target_rules
from indicators.scorecard import HiddenFigure as HiddenInCard
from indicators.scorecard import Scorecard
from indicators.scores import FORMULA_PACE, FORMULAS
from maturity import i18n
from maturity.audit.models import AuditEvent
from maturity.audit.services import ACTION_LABELS, OBJECT_LABELS
from maturity.periods import Period
from maturity.units.models import OrgUnit
from reports.content import DefinitionChange, HiddenFigure, Method
from reports.survey_content import dimension_name

# What the strategy office defines: the objects whose changes the appendix lists.
DEFINITIONS = (
    "strategy",
    "strategy_milestone",
    "goal",
    "action",
    "success_indicator",
    "kpi",
    "kpi_target",
    "survey_measure",
    "maturity_model",
    "dimension",
    "level_descriptor",
)
DEFINITION_ACTIONS = ("create", "update", "delete")


def method(session: Session, card: Scorecard, when: Period, locale: str) -> Method:
    scores = card.scores
    survey_round, previous_round = scores.survey_round, scores.previous_round
    return Method(
        k=survey_round.min_group_size if survey_round is not None else None,
        survey_round=survey_round.tr("name", locale) if survey_round is not None else "",
        previous_round=previous_round.tr("name", locale) if previous_round is not None else "",
        pace_on=scores.on,
        expected=scores.expected,
        expected_rule=expected_rule(scores, locale),
        formulas=formulas(card, locale),
        suppressed=hidden_figures(session, card.hidden, locale),
        definitions_changed=definition_changes(session, when, locale),
    )


def formulas(card: Scorecard, locale: str) -> tuple[str, ...]:
    strategy = card.scores.strategy
    thresholds = {
        "on_track": i18n.number(strategy.on_track_threshold, locale, 2),
        "behind": i18n.number(strategy.behind_threshold, locale, 2),
    }
    kpis = [k for indicator in card.unit_scores.indicators() for k in indicator.kpis]
    return tuple(
        i18n.translate(locale, FORMULA[key], **(thresholds if key == FORMULA_PACE else {})) for key in FORMULAS
    ) + tuple(target_rules(kpis, locale))


def hidden_figures(session: Session, hidden: list[HiddenInCard], locale: str) -> tuple[HiddenFigure, ...]:
    """Which figures are hidden in the unit's subtree: unit, dimension and group (never why: that would
    tell which hidden figure protects which)."""
    if not hidden:
        return ()
    codes = {h.unit_code for h in hidden}
    names = {
        u.code: u.name(locale) for u in session.execute(select(OrgUnit).where(col(OrgUnit.code).in_(codes))).scalars()
    }
    everyone = i18n.translate(locale, "All respondents")
    return tuple(
        HiddenFigure(
            unit_code=h.unit_code,
            unit_name=names.get(h.unit_code, h.unit_code),
            dimension=dimension_name(h.dimension, locale),
            group=h.group.tr("name", locale) if h.group is not None else everyone,
        )
        for h in hidden
    )


def definition_changes(session: Session, when: Period, locale: str) -> tuple[DefinitionChange, ...]:
    """Definitions created, changed or deleted between the period's first and last day (UTC),
    oldest first; several changes to one object in one way are listed once, at the latest."""
    start = datetime.combine(when.start, time.min, tzinfo=UTC)
    end = datetime.combine(when.end + timedelta(days=1), time.min, tzinfo=UTC)
    events = session.execute(
        select(AuditEvent)
        .where(
            col(AuditEvent.object_type).in_(DEFINITIONS),
            col(AuditEvent.action).in_(DEFINITION_ACTIONS),
            col(AuditEvent.at) >= start,
            col(AuditEvent.at) < end,
        )
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).scalars()
    latest: dict[tuple[str, str, str], DefinitionChange] = {}
    for event in events:
        code = _code(event)
        key = (event.object_type, event.action, code)
        latest.pop(key, None)  # re-inserted: the order follows the latest change
        latest[key] = DefinitionChange(
            kind=i18n.translate(locale, OBJECT_LABELS.get(event.object_type, event.object_type)),
            action=i18n.translate(locale, ACTION_LABELS.get(event.action, event.action)),
            code=code,
            at=event.at,
        )
    return tuple(latest.values())


def _code(event: AuditEvent) -> str:
    for values in (event.after, event.before):
        if values and values.get("code"):
            return str(values["code"])
    return event.object_label or str(event.object_id or "")
