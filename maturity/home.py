"""The home page as a to-do list: each package says what a person should look at or do now
(``HomeSource``), and app.py hands the sources to the home page, as it does the navigation."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from maturity.auth.models import User
from maturity.charts import Chart
from maturity.units.services import UnitScope


@dataclass(frozen=True, slots=True)
class HomeTask:
    """One item of a person's home page, every text already in the reader's language. ``todo``
    items ask for something to be done; others tell what is there to see."""

    title: str
    href: str
    link_text: str
    todo: bool = False
    details: Sequence[str] = ()
    chart: Chart | None = None
    order: int = 50


@dataclass(frozen=True, slots=True)
class HomeContext:
    session: Session
    user: User
    scope: UnitScope
    locale: str
    now: datetime
    url_for: Callable[..., str]  # a route name and its parameters → a path


HomeSource = Callable[[HomeContext], list[HomeTask]]


def home_tasks(context: HomeContext, sources: Sequence[HomeSource]) -> list[HomeTask]:
    """Every source's tasks, to-dos first, then in each task's order."""
    tasks = [task for source in sources for task in source(context)]
    return sorted(tasks, key=lambda task: (not task.todo, task.order))
