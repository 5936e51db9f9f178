"""The real app under uvicorn on a free port, on a fresh migrated database with seed data, and
Debian's Chromium driven by Playwright (never a downloaded browser).

Run with ``make e2e``, which installs Chromium and axe-core first. ``MATURITY_E2E_PORTS`` is the
range of ports to try (default 8170-8179).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import select
from sqlmodel import Session, col

from indicators.recording import record_values
from indicators.records import check_records
from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor
from maturity.auth.tokens import issue_token
from maturity.db import Database, utcnow
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from reports.batch_jobs import start_batch
from reports.models import Report
from reports.narratives import save_narrative
from reports.tasks import run_batch_here
from surveys.answering import open_response, save_answer, submit
from surveys.invitations import Invitee, invite
from surveys.models import Question, Survey, SurveySection
from surveys.rounds import create_round
from surveys.survey_file import import_survey
from tests.conftest import Backend
from tests.factories import PASSWORD, STRATEGY_YAML, make_org, make_user
from tests.maturity.auth.oidc_provider import Provider, running_provider
from tests.reports.conftest import VALUES
from tests.surveys.conftest import SURVEY_YAML

CHROMIUM = Path(os.environ.get("MATURITY_E2E_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps calling Google's hosts, which a closed
# network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECRET = "e2e-" + "k" * 44
INVITATIONS = 40
JOURNEY_SURVEYS = ("journey-js", "journey-no-js")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder carries the ``e2e`` marker."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@dataclass
class World:
    """What the seed made: the server's address, the survey links not used yet, the ids of
    what the pages show (``ids``: draft survey, its background section and first question, a
    stored report, a finished report batch), and the OpenID provider the app signs in with."""

    base_url: str
    links: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    closed_links: list[str] = field(default_factory=list)  # submitted links of the closed round
    provider: Provider | None = None

    def link(self) -> str:
        """A personal survey link nobody has used yet."""
        return f"{self.base_url}/s/{self.links.pop()}"


def _seed(url: str, storage: Path) -> tuple[list[str], dict[str, int], list[str]]:
    db = Database.from_url(url)
    actor = Actor.system("e2e")
    with db.transaction() as session:
        make_org(session)
        make_user(session, "office@example.org", home="UNI", office=True)
        make_user(session, "leader@example.org", home="FAC-A", leader_of=("FAC-A",))
        make_user(session, "staff@example.org", home="DEP-A1")
        import_strategy(session, STRATEGY_YAML.encode(), actor)
        everything = UnitScope(everything=True, roots=frozenset())
        record_values(session, check_records(session, VALUES, everything), actor, via="cli")
        survey = import_survey(session, SURVEY_YAML.encode(), actor)
        now = utcnow()
        survey_round = create_round(
            session,
            survey,
            name_nb="Runde 1",
            name_en="Round 1",
            period_label="2025",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=14),
            unit_codes=["FAC-A"],
            actor=actor,
        )
        invitees = [Invitee(f"person{n}@example.org", "DEP-A1", "academic") for n in range(INVITATIONS)]
        links = [token for _, token in invite(session, survey_round, invitees, actor=actor)]
        invite(session, survey_round, [Invitee("staff@example.org", "DEP-A1", "academic")], actor=actor)
        issue_token(session, name="HR system", unit_codes=["FAC-A"], expires_at=None, actor=actor)
        ids = _seed_builder_and_reports(session, actor)
        ids["closed_round"], closed_links = _seed_closed_round(session, survey, actor)
    ids["batch"] = _seed_batch(db, storage, actor)
    with db.transaction() as session:
        ids["report"] = session.execute(select(col(Report.id))).scalars().first() or 0
    db.dispose()
    return links, ids, closed_links


CLOSED_ANSWERS = [("3", "4", "2"), ("4", "5", "3"), ("2", "3", "3"), ("5", "4", "4"), ("3", "3", "2"), ("4", "4", "3")]


def _seed_closed_round(session: Session, survey: Survey, actor: Actor) -> tuple[int, list[str]]:
    """A round of FAC-A answered by six people in DEP-A1, then closed: its results are published."""
    now = utcnow()
    survey_round = create_round(
        session,
        survey,
        name_nb="Runde 0",
        name_en="Round 0",
        period_label="2025",
        opens_at=now - timedelta(days=20),
        closes_at=now + timedelta(days=1),
        unit_codes=["FAC-A"],
        actor=actor,
    )
    invitees = [Invitee(f"closed{n}@example.org", "DEP-A1", "academic") for n in range(len(CLOSED_ANSWERS))]
    tokens = [token for _, token in invite(session, survey_round, invitees, actor=actor)]
    questions = {q.code: q for q in session.execute(select(Question)).scalars() if q.survey_id == survey.id}
    for token, (level1, agree, level2) in zip(tokens, CLOSED_ANSWERS, strict=True):
        respondent = open_response(session, token, secret=SECRET, now=now)
        for code, value in (("D1-L", level1), ("D1-Q1", agree), ("D2-L", level2)):
            save_answer(session, respondent, questions[code], [value], now=now)
        submit(session, respondent, now=now)
    survey_round.closed_at = now
    session.add(survey_round)
    session.flush()
    assert survey_round.id is not None
    return survey_round.id, tokens


def _seed_builder_and_reports(session: Session, actor: Actor) -> dict[str, int]:
    """A draft survey in the builder (not frozen, unlike the one with the open round) and a
    leader's narrative for DEP-A1 in 2024."""
    draft = import_survey(session, SURVEY_YAML.replace("code: test-survey", "code: draft-survey").encode(), actor)
    for code in JOURNEY_SURVEYS:  # one draft per run of the builder journey (with and without JavaScript)
        import_survey(session, SURVEY_YAML.replace("code: test-survey", f"code: {code}").encode(), actor)
    sections = select(col(SurveySection.id)).where(col(SurveySection.survey_id) == draft.id)
    section = session.execute(sections.order_by(col(SurveySection.position).desc())).scalars().first()
    questions = select(col(Question.id)).where(col(Question.survey_id) == draft.id)
    question = session.execute(questions.order_by(col(Question.position))).scalars().first()
    dep_a1 = session.execute(select(OrgUnit).where(col(OrgUnit.code) == "DEP-A1")).scalars().one()
    save_narrative(session, dep_a1, "2024", "Et år med fremgang i digital undervisning.", actor)
    assert draft.id is not None
    assert section is not None
    assert question is not None
    return {"draft": draft.id, "section": section, "question": question}


def _seed_batch(db: Database, storage: Path, actor: Actor) -> int:
    """A finished report batch for DEP-A1 (its report is what the archive and verify pages show)."""
    with db.transaction() as session:
        batch, _ = start_batch(session, "2024", ["DEP-A1"], "nb", actor)
        batch_id = batch.id
    assert batch_id is not None
    settings = Settings(
        mode="development", database_url=db.engine.url.render_as_string(hide_password=False), report_storage=storage
    )
    run_batch_here(settings, db, batch_id)
    return batch_id


def _free_port() -> int:
    first, _, last = os.environ.get("MATURITY_E2E_PORTS", "8170-8179").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last} (MATURITY_E2E_PORTS)")


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=1) as answer:  # noqa: S310 (our own server)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the app did not answer within 30 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def world(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The app on its own database, served by uvicorn like in production (one worker)."""
    url = backend.fresh_url()
    storage = tmp_path_factory.mktemp("reports")
    links, ids, closed_links = _seed(url, storage)
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    provider_context = running_provider()
    provider = provider_context.__enter__()
    env = {
        **os.environ,
        "MATURITY_DATABASE_URL": url,
        "MATURITY_REPORT_STORAGE": str(storage),
        "MATURITY_MODE": "test",
        "MATURITY_SECRET_KEY": SECRET,
        "MATURITY_BASE_URL": f"http://127.0.0.1:{port}",
        "MATURITY_OIDC_ISSUER": provider.url,
        "MATURITY_OIDC_CLIENT_ID": "maturity-e2e",
        "MATURITY_OIDC_CLIENT_SECRET": "e2e-secret",
        # The mock sends the standard claim "name" only with the scope "profile".
        "MATURITY_OIDC_SCOPES": "openid userid-feide userinfo-name email groups-org profile",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "maturity.app:app_from_env"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", process, log)
        yield World(f"http://127.0.0.1:{port}", links, ids, closed_links, provider)
    finally:
        process.terminate()
        process.wait(timeout=10)
        provider_context.__exit__(None, None, None)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make e2e`, which installs Debian's chromium package.")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def javascript(request: pytest.FixtureRequest) -> bool:
    """Each journey runs twice: with JavaScript (HTMX) and without it (plain forms)."""
    return bool(request.param)


def new_context(browser: Browser, world: World, *, javascript: bool = True) -> BrowserContext:
    context = browser.new_context(base_url=world.base_url, locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser: Browser, world: World, javascript: bool) -> Iterator[BrowserContext]:
    context = new_context(browser, world, javascript=javascript)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).last.click()
    page.wait_for_url(lambda url: "/login" not in url)
