"""The demo strategy: OsloMet's digital strategy 2018–2024 with KPIs and the sector maturity model."""

from pathlib import Path

from sqlmodel import Session

from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor

DEMO_STRATEGY = Path(__file__).resolve().parent / "data" / "demo_strategy.yaml"


def load_demo_strategy(session: Session) -> None:
    import_strategy(session, DEMO_STRATEGY.read_bytes(), Actor.system("demo"))
