"""The demo's courses of action followed up: owners, statuses, milestones, progress updates and
links for some of the seed strategy's actions, and the action plans of two faculties (TKD and
HV), closed with the strategy as a careful office would leave them (done, or stopped and carried
on); for the successor strategy (2025–2030), its first institutional actions and TKD's plan, some
behind: updates for the first half of 2026 overdue, a milestone passed."""

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
SUCCESSOR = "oslomet-digital-2025"
OFFICE = "strategi@demo.oslomet.no"
LEADER = "leder@demo.oslomet.no"

# code, goal, plan unit, title nb/en, responsible units, owner, status, start, due,
# milestones (due, nb, en, done), updates (period, status, nb, en, day), links (kind, code, direction)
PLANS: list[dict[str, Any]] = [
    {
        "code": "G1.A1",
        "owner": OFFICE,
        "units": ["FA-FOU"],
        "status": "done",
        "start": date(2019, 1, 1),
        "due": date(2024, 12, 31),
        "milestones": [
            (date(2019, 12, 31), "Kartlegging ferdig", "Survey of the present model done", True),
            (date(2022, 6, 30), "Ny styringsmodell vedtatt", "New management model adopted", True),
            (date(2024, 6, 30), "Evaluering av modellen", "Evaluation of the model", True),
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
            (
                "2024-S2",
                "done",
                "Modellen er evaluert og videreført i strategien 2025–2030.",
                "The model is evaluated and carried on in the strategy 2025–2030.",
                date(2025, 1, 20),
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
        "status": "stopped",
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
            (
                "2024-S2",
                "stopped",
                "Avsluttet med strategien; videreført som T1.A1 i strategien 2025–2030.",
                "Closed with the strategy; carried on as T1.A1 in the strategy 2025–2030.",
                date(2025, 1, 15),
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
        "status": "done",
        "start": date(2023, 1, 1),
        "due": date(2025, 12, 31),
        "milestones": [
            (date(2023, 12, 31), "Pilot i to program", "Pilot in two programmes", True),
            (date(2024, 12, 31), "Halvparten av programmene", "Half of the programmes", True),
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
            (
                "2025-S2",
                "done",
                "Alle bachelorprogram har digitale emner.",
                "Every bachelor programme has digital courses.",
                date(2025, 12, 18),
            ),
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
        "status": "stopped",
        "start": date(2025, 1, 1),
        "due": date(2026, 12, 31),
        "milestones": [],
        "updates": [
            (
                "2024-S2",
                "stopped",
                "Flyttet til strategien 2025–2030, der hele institusjonen gjør det (T2.A1).",
                "Moved to the strategy 2025–2030, where the whole institution does it (T2.A1).",
                date(2025, 1, 10),
            ),
        ],
        "links": [("dimension", "D1", "increase")],
    },
    {
        "code": "HV.1",
        "goal": "G4",
        "unit": "HV",
        "title": ("Simulering i all praksisforberedelse", "Simulation in all placement preparation"),
        "owner": None,
        "units": ["HV", "HV-RHT-SIM"],
        "status": "done",
        "start": date(2022, 8, 1),
        "due": date(2025, 6, 30),
        "milestones": [(date(2023, 6, 30), "Simuleringssenteret åpnet", "The simulation centre opened", True)],
        "updates": [
            ("2022-S2", "in_progress", "Utstyr er kjøpt inn.", "Equipment is bought.", date(2023, 1, 12)),
            (
                "2025-S1",
                "done",
                "Alle praksisforberedende emner bruker simulering.",
                "Every placement-preparation course uses simulation.",
                date(2025, 6, 20),
            ),
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


# The successor strategy has no courses of action of its own in its file: these are new ones,
# under its goals (T1–T6 share the maturity model's themes D1–D6). Two are behind: a milestone
# passed undone, and no update for the first half of 2026.
SUCCESSOR_PLANS: list[dict[str, Any]] = [
    {
        "code": "T1.A1",
        "goal": "T1",
        "unit": None,
        "title": ("Én digital inngang for studentene", "One digital front door for students"),
        "owner": OFFICE,
        "units": ["OSLOMET"],
        "status": "in_progress",
        "start": date(2025, 1, 1),
        "due": date(2027, 12, 31),
        "milestones": [
            (date(2025, 12, 31), "Behovene kartlagt", "Needs surveyed", True),
            (date(2026, 9, 30), "Første versjon lansert", "First version launched", False),
        ],
        "updates": [
            (
                "2025-S2",
                "in_progress",
                "Kartleggingen er ferdig; anskaffelsen er i gang.",
                "The survey of needs is done; the procurement is under way.",
                date(2026, 1, 15),
            ),
            (
                "2026-S1",
                "in_progress",
                "Leverandør er valgt; lanseringen er flyttet til våren 2027.",
                "A supplier is chosen; the launch is moved to spring 2027.",
                date(2026, 7, 2),
            ),
        ],
        "links": [("kpi", "N11", "increase"), ("dimension", "D1", "increase")],
    },
    {
        "code": "T2.A1",
        "goal": "T2",
        "unit": None,
        "title": ("Kurs i digital kompetanse for alle ansatte", "A digital competence course for all staff"),
        "owner": OFFICE,
        "units": ["OSLOMET"],
        "status": "in_progress",
        "start": date(2025, 3, 1),
        "due": date(2026, 12, 31),
        "milestones": [(date(2025, 8, 31), "Kurset er klart", "The course is ready", True)],
        "updates": [
            (
                "2025-S2",
                "in_progress",
                "1 100 ansatte har fullført kurset.",
                "1,100 staff have completed the course.",
                date(2026, 1, 20),
            ),
        ],
        "links": [("kpi", "N21", "increase"), ("dimension", "D2", "increase")],
    },
    {
        "code": "T5.A1",
        "goal": "T5",
        "unit": None,
        "title": ("Felles datakatalog", "A common data catalogue"),
        "owner": OFFICE,
        "units": ["OSLOMET"],
        "status": "planned",
        "start": date(2026, 1, 1),
        "due": date(2028, 6, 30),
        "milestones": [],
        "updates": [],
        "links": [("kpi", "N53", "increase")],
    },
    {
        "code": "TKD.10",
        "goal": "T3",
        "unit": "TKD",
        "title": ("Digital eksamen i alle emner på TKD", "Digital assessment in every TKD course"),
        "owner": LEADER,
        "units": ["TKD", "TKD-IT"],
        "status": "in_progress",
        "start": date(2025, 8, 1),
        "due": date(2027, 6, 30),
        "milestones": [
            (date(2025, 12, 31), "Halvparten av emnene", "Half of the courses", True),
            (date(2026, 6, 30), "Alle emner i informatikk", "Every computer science course", False),
        ],
        "updates": [
            (
                "2025-S2",
                "in_progress",
                "Halvparten av emnene har digital eksamen.",
                "Half of the courses have digital assessment.",
                date(2026, 1, 10),
            ),
        ],
        "links": [("kpi", "N31", "increase"), ("dimension", "D3", "increase")],
    },
    {
        "code": "TKD.11",
        "goal": "T6",
        "unit": "TKD",
        "title": ("Endringsledelse for alle ledere på TKD", "Change management for every TKD leader"),
        "owner": LEADER,
        "units": ["TKD"],
        "status": "done",
        "start": date(2025, 1, 1),
        "due": date(2025, 12, 31),
        "milestones": [(date(2025, 10, 31), "Alle ledere har fullført", "Every leader has completed", True)],
        "updates": [
            (
                "2025-S2",
                "done",
                "Alle 14 ledere har fullført opplæringen.",
                "All 14 leaders have completed the training.",
                date(2025, 12, 15),
            ),
        ],
        "links": [("kpi", "N61", "increase"), ("dimension", "D6", "increase")],
    },
]


def load_demo_actions(session: Session, base_url: str) -> list[str]:
    _load_plans(session, STRATEGY, PLANS)
    _load_plans(session, SUCCESSOR, SUCCESSOR_PLANS)
    return []


def _load_plans(session: Session, code: str, plans: list[dict[str, Any]]) -> None:
    strategy = find_strategy(session, code)
    if strategy is None or strategy.id is None:
        return
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
    for plan in plans:
        if "goal" in plan:
            goal = goals[plan["goal"]]
            action = Action(
                goal_id=goal.id or 0,
                code=plan["code"],
                title_nb=plan["title"][0],
                title_en=plan["title"][1],
                position=100,
                unit_id=units[plan["unit"]] if plan["unit"] else None,
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
