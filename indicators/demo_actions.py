"""The demo's courses of action followed up: owners, statuses, milestones, progress updates and
links for some of the seed strategy's actions, and the action plans of two faculties (TKD and
HV). Some updates are overdue: the latest half-years have none."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.kpi_owners import set_owner
from indicators.models import (
    Action,
    ActionLink,
    ActionMilestone,
    ActionUnit,
    ActionUpdate,
    Goal,
    Kpi,
    SuccessIndicator,
)
from indicators.strategy_tree import find_strategy
from maturity.audit.services import Actor, record_event, snapshot
from maturity.auth.models import User
from maturity.auth.services import find_user_by_email
from maturity.maturity_model.models import Dimension
from maturity.units.models import OrgUnit

STRATEGY = "oslomet-digital-2018"
OFFICE = "strategi@demo.oslomet.no"
LEADER = "leder@demo.oslomet.no"
SUCCESSOR = "oslomet-digital-2025"

# code, goal, plan unit, title nb/en, responsible units, owner, status, start, due,
# milestones (due, nb, en, done), updates (period, status, nb, en, day), links (kind, code, direction)
PLANS: list[dict[str, Any]] = [
    {
        "code": "G1.A1",
        "owner": OFFICE,
        "units": ["FA-FOU"],
        "status": "in_progress",
        "start": date(2019, 1, 1),
        "due": date(2024, 12, 31),
        "milestones": [
            (date(2019, 12, 31), "Kartlegging ferdig", "Survey of the present model done", True),
            (date(2022, 6, 30), "Ny styringsmodell vedtatt", "New management model adopted", True),
            (date(2024, 6, 30), "Evaluering av modellen", "Evaluation of the model", False),
        ],
        "updates": [
            (
                "2022-S2",
                "in_progress",
                "Ny modell innført i alle fakulteter.",
                "New model in place in every faculty.",
                date(2023, 1, 20),
            ),
            (
                "2023-S2",
                "in_progress",
                "Evalueringen er utsatt til 2024.",
                "The evaluation is postponed to 2024.",
                date(2024, 1, 25),
            ),
        ],
        "links": [("indicator", "G1.I1", "increase")],
    },
    {
        "code": "G2.A1",
        "owner": OFFICE,
        "units": ["OSLOMET"],
        "status": "done",
        "start": date(2019, 8, 1),
        "due": date(2023, 12, 31),
        "milestones": [(date(2021, 6, 30), "Miljøet etablert", "The environment established", True)],
        "updates": [
            ("2021-S1", "in_progress", "Seks stillinger er besatt.", "Six positions are filled.", date(2021, 7, 5)),
            (
                "2023-S2",
                "done",
                "Kompetansemiljøet er i drift.",
                "The competence environment is running.",
                date(2024, 1, 10),
            ),
        ],
        "links": [("kpi", "K08", "increase")],
    },
    {
        "code": "G4.A1",
        "owner": LEADER,
        "units": ["TKD"],
        "status": "paused",
        "start": date(2020, 1, 1),
        "due": date(2025, 6, 30),
        "milestones": [],
        "updates": [
            (
                "2023-S1",
                "paused",
                "Satt på pause i påvente av ny læringsplattform.",
                "Paused until the new learning platform.",
                date(2023, 7, 3),
            ),
        ],
        "links": [("kpi", "K24", "increase"), ("dimension", "D4", "increase")],
    },
    {
        "code": "TKD.1",
        "goal": "G3",
        "unit": "TKD",
        "title": ("Digitale emner i alle bachelorprogram", "Digital courses in every bachelor programme"),
        "owner": LEADER,
        "units": ["TKD", "TKD-IT"],
        "status": "in_progress",
        "start": date(2023, 1, 1),
        "due": date(2025, 12, 31),
        "milestones": [
            (date(2023, 12, 31), "Pilot i to program", "Pilot in two programmes", True),
            (date(2024, 12, 31), "Halvparten av programmene", "Half of the programmes", False),
        ],
        "updates": [
            (
                "2023-S1",
                "in_progress",
                "Pilot startet i informatikk.",
                "Pilot started in computer science.",
                date(2023, 7, 1),
            ),
            (
                "2023-S2",
                "in_progress",
                "Piloten er evaluert; god respons.",
                "The pilot is evaluated; well received.",
                date(2024, 1, 15),
            ),
            ("2024-S1", "in_progress", "Fire program i gang.", "Four programmes under way.", date(2024, 7, 1)),
        ],
        "links": [("kpi", "K16", "increase"), ("dimension", "D2", "increase")],
    },
    {
        "code": "TKD.2",
        "goal": "G1",
        "unit": "TKD",
        "title": ("Digital kompetanseplan for alle ansatte", "A digital skills plan for all staff"),
        "owner": LEADER,
        "units": ["TKD"],
        "status": "planned",
        "start": date(2025, 1, 1),
        "due": date(2026, 12, 31),
        "milestones": [],
        "updates": [],
        "links": [("dimension", "D1", "increase")],
    },
    {
        "code": "HV.1",
        "goal": "G4",
        "unit": "HV",
        "title": ("Simulering i all praksisforberedelse", "Simulation in all placement preparation"),
        "owner": None,
        "units": ["HV", "HV-RHT-SIM"],
        "status": "in_progress",
        "start": date(2022, 8, 1),
        "due": date(2025, 6, 30),
        "milestones": [(date(2023, 6, 30), "Simuleringssenteret åpnet", "The simulation centre opened", True)],
        "updates": [
            ("2022-S2", "in_progress", "Utstyr er kjøpt inn.", "Equipment is bought.", date(2023, 1, 12)),
        ],
        "links": [("kpi", "K25", "increase")],
    },
    {
        "code": "HV.2",
        "goal": "G2",
        "unit": "HV",
        "title": ("Felles datasett for helseforskning", "Shared data sets for health research"),
        "owner": None,
        "units": ["HV"],
        "status": "stopped",
        "start": date(2021, 1, 1),
        "due": date(2023, 12, 31),
        "milestones": [],
        "updates": [
            (
                "2022-S1",
                "stopped",
                "Stoppet: personvernvurderingen tillot det ikke.",
                "Stopped: the privacy assessment did not allow it.",
                date(2022, 6, 20),
            ),
        ],
        "links": [("kpi", "K08", "increase")],
    },
]


def load_demo_actions(session: Session, base_url: str) -> list[str]:
    strategy = find_strategy(session, STRATEGY)
    if strategy is None or strategy.id is None:
        return []
    actor = Actor.system("demo")
    goals = {g.code: g for g in session.execute(select(Goal).where(col(Goal.strategy_id) == strategy.id)).scalars()}
    units = dict(session.execute(select(col(OrgUnit.code), col(OrgUnit.id))).tuples().all())
    users = dict(session.execute(select(col(User.email), col(User.id))).tuples().all())
    measures = {
        "indicator": dict(
            session.execute(
                select(col(SuccessIndicator.code), col(SuccessIndicator.id)).where(
                    col(SuccessIndicator.goal_id).in_([g.id for g in goals.values()])
                )
            )
            .tuples()
            .all()
        ),
        "kpi": dict(session.execute(select(col(Kpi.code), col(Kpi.id))).tuples().all()),
        "dimension": dict(
            session.execute(
                select(col(Dimension.code), col(Dimension.id)).where(
                    col(Dimension.model_id) == strategy.maturity_model_id
                )
            )
            .tuples()
            .all()
        ),
    }
    for plan in PLANS:
        if "goal" in plan:
            goal = goals[plan["goal"]]
            action = Action(
                goal_id=goal.id or 0,
                code=plan["code"],
                title_nb=plan["title"][0],
                title_en=plan["title"][1],
                position=100,
                unit_id=units[plan["unit"]],
            )
        else:
            action = session.execute(
                select(Action).where(
                    col(Action.code) == plan["code"], col(Action.goal_id).in_([g.id for g in goals.values()])
                )
            ).scalar_one()
        action.owner_id = users.get(plan["owner"]) if plan["owner"] else None
        action.status, action.start_date, action.due_date = plan["status"], plan["start"], plan["due"]
        session.add(action)
        session.flush()
        assert action.id is not None
        session.add_all(ActionUnit(action_id=action.id, unit_id=units[code]) for code in plan["units"])
        session.add_all(
            ActionMilestone(action_id=action.id, due=due, title_nb=nb, title_en=en, done=done)
            for due, nb, en, done in plan["milestones"]
        )
        author = (
            "Lars Lie <leder@demo.oslomet.no>" if plan["owner"] == LEADER else "Siri Strand <strategi@demo.oslomet.no>"
        )
        session.add_all(
            ActionUpdate(
                action_id=action.id,
                period=period,
                status=status,
                text_nb=nb,
                text_en=en,
                author_label=author,
                author_id=users.get(plan["owner"] or OFFICE),
                created_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            )
            for period, status, nb, en, day in plan["updates"]
        )
        session.add_all(
            ActionLink(action_id=action.id, direction=direction, **{f"{kind}_id": measures[kind][code]})
            for kind, code, direction in plan["links"]
        )
        session.flush()
        record_event(session, actor, "update", action, label=f"{action.code} plan", after=snapshot(action), note="demo")
    return []


# KPI owners of the successor strategy chosen by the office: the institution's data catalogue
# (no leader above it) and one of TKD-IT's values; the rest fall to each unit's leader.
DEMO_OWNERS = (("N53", None, OFFICE), ("N21", "TKD-IT", LEADER))


def load_demo_owners(session: Session, base_url: str) -> list[str]:
    """Owners of some KPIs' values, chosen as the office would (audited)."""
    office = find_user_by_email(session, OFFICE)
    if office is None or find_strategy(session, SUCCESSOR) is None:
        return []
    root = session.execute(select(OrgUnit).where(col(OrgUnit.parent_id).is_(None))).scalars().one()
    for code, unit, owner in DEMO_OWNERS:
        kpi = session.execute(select(Kpi).where(col(Kpi.code) == code)).scalar_one()
        set_owner(session, office, kpi, unit or root.code, owner, Actor.system("demo"))
    return []
