"""KPI owners and due days, My updates for each role, the office's missing updates with a request
by e-mail, and reminders of what is owed — through HTTP and the services, mail captured by a real
SMTP server (aiosmtpd)."""

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.actions import create_action
from indicators.demo import load_demo_strategy
from indicators.demo_actions import load_demo_actions, load_demo_owners
from indicators.editing import KINDS
from indicators.editing_services import form_from_item, update_item
from indicators.kpi_owners import set_owner
from indicators.models import Goal, Kpi, KpiOwner, Strategy
from indicators.owed_values import owed_values
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.strategy_export import export_strategy
from indicators.strategy_file import import_strategy
from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.auth.services import load_user
from maturity.db import Database
from maturity.demo import load_demo
from maturity.errors import InvalidInput, NotFound
from maturity.forms import InvalidForm
from maturity.jobs import LocalRunner, Runtime
from maturity.settings import Settings
from maturity.units.services import UnitScope
from reports.models import Narrative, UpdateReminder
from reports.owed import missing_by_unit, my_updates
from reports.update_reminders import send_update_reminders
from reports.update_tasks import REMIND_UPDATES, TASKS
from tests.factories import csrf_token, login, make_user

ACTOR = Actor.system("test")
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # KSUM 2025 was due 30.01.2026: overdue


def kpi(session: Session, code: str) -> Kpi:
    return session.execute(select(Kpi).where(col(Kpi.code) == code)).scalars().one()


def count(session: Session, model: type, *where: Any) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def as_user(client: TestClient[Litestar], email: str) -> TestClient[Litestar]:
    client.cookies.clear()
    login(client, email)
    return client


def record(session: Session, code: str, unit: str, period: str, value: float) -> None:
    checked = check_records(
        session,
        [RecordInput(code, unit, period, value=value, source="test")],
        UnitScope(everything=True, roots=frozenset()),
    )
    record_values(session, checked, ACTOR, via="form")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MailServer:
    received: list[tuple[str, str]] = field(default_factory=list)  # (recipient, message)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802  # aiosmtpd's hook name
        for to in envelope.rcpt_tos:
            self.received.append((to, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def mail_server() -> Iterator[tuple[MailServer, int]]:
    handler = MailServer()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def smtp_settings(settings: Settings, mail_server: tuple[MailServer, int], tmp_path: Path) -> Settings:
    return settings.with_(
        smtp_host="127.0.0.1", smtp_port=mail_server[1], smtp_starttls=False, mail_outbox=tmp_path / "no"
    )


@pytest.fixture
def owned(session: Session, people: dict[str, User], strategy: Strategy) -> dict[str, User]:
    """KSUM owed by FAC-A (its leader by default, reported before) and by FAC-B (an owner chosen
    there: the office person); a second leader for FAC-B."""
    people = dict(people)
    people["leader_b"] = make_user(session, "leaderb@example.org", home="FAC-B", leader_of=("FAC-B",))
    record(session, "KSUM", "FAC-A", "2024", 10)
    session.commit()
    set_owner(session, people["office"], kpi(session, "KSUM"), "FAC-B", "leaderb@example.org", ACTOR)
    session.commit()
    return people


class TestKpiOwners:
    def test_the_office_chooses_an_owner_and_it_is_audited(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "office@example.org")
        page = "/kpis/KSUM/owners/"
        shown = client.get(page)
        assert shown.status_code == 200
        assert "FAC-A" in shown.text
        assert "lederen, som standard" in shown.text
        data = {"_csrf_token": csrf_token(client, page), "unit": "FAC-A", "owner": "leader@example.org"}
        response = client.post(page, data=data, follow_redirects=False)
        assert response.status_code == 303, response.text
        assert count(session, KpiOwner) == 1
        assert count(session, AuditEvent, col(AuditEvent.object_label) == "KSUM owner FAC-A") == 1

    def test_an_unknown_owner_is_refused_with_a_located_message_and_nothing_written(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "office@example.org")
        page = "/kpis/KSUM/owners/"
        events = count(session, AuditEvent)
        data = {"_csrf_token": csrf_token(client, page), "unit": "FAC-A", "owner": "nobody@example.org"}
        response = client.post(page, data=data, follow_redirects=False)
        assert response.status_code == 422
        assert "Eier for FAC-A" in response.text
        assert "nobody@example.org er ikke en av enhetens personer" in response.text
        assert count(session, KpiOwner) == 0
        assert count(session, AuditEvent) == events

    def test_staff_cannot_be_chosen_they_cannot_enter_values(
        self, session: Session, people: dict[str, User], strategy: Strategy
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            set_owner(session, people["office"], kpi(session, "KSUM"), "DEP-A1", "staff@example.org", ACTOR)
        assert caught.value.problems[0].path == "owner"

    def test_a_leader_chooses_for_their_units_and_gets_404_for_another_units(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], strategy: Strategy
    ) -> None:
        make_user(session, "leaderb@example.org", home="FAC-B", leader_of=("FAC-B",))
        session.commit()
        as_user(client, "leader@example.org")
        page = "/kpis/KSUM/owners/"
        shown = client.get(page)
        assert "DEP-A1" in shown.text
        assert "FAC-B" not in shown.text
        token = csrf_token(client, page)
        mine = client.post(page, data={"_csrf_token": token, "unit": "DEP-A1", "owner": "leader@example.org"})
        assert mine.status_code == 200
        other = client.post(
            page, data={"_csrf_token": token, "unit": "FAC-B", "owner": "leaderb@example.org"}, follow_redirects=False
        )
        assert other.status_code == 404
        assert count(session, KpiOwner) == 1
        leader = load_user(session, people["leader"].id or 0)
        assert leader is not None
        with pytest.raises(NotFound):
            set_owner(session, leader, kpi(session, "KSUM"), "FAC-B", "leaderb@example.org", ACTOR)

    def test_staff_may_not_open_the_owner_page(
        self, client: TestClient[Litestar], people: dict[str, User], strategy: Strategy
    ) -> None:
        as_user(client, "staff@example.org")
        assert client.get("/kpis/KSUM/owners/").status_code == 403

    def test_the_kpi_form_sets_due_days_and_refuses_bad_ones(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], strategy: Strategy
    ) -> None:
        ksum = kpi(session, "KSUM")
        as_user(client, "office@example.org")
        page = client.get(f"/definitions/kpi/{ksum.id}/edit")
        assert page.status_code == 200
        assert 'name="due_days"' in page.text
        assert 'value="30"' in page.text
        spec = KINDS["kpi"]
        values = form_from_item(session, spec, ksum).values
        with pytest.raises(InvalidForm) as caught:
            update_item(session, spec, ksum.id or 0, {**values, "due_days": "400"}, actor=ACTOR)
        assert "due_days" in caught.value.state.errors
        session.expire_all()
        assert kpi(session, "KSUM").due_days == 30
        update_item(session, spec, ksum.id or 0, {**values, "due_days": "45"}, actor=ACTOR)
        assert kpi(session, "KSUM").due_days == 45


class TestStrategyFile:
    def test_owners_and_due_days_go_round_trip(
        self, session: Session, people: dict[str, User], strategy: Strategy
    ) -> None:
        assert strategy.id is not None
        data = yaml.safe_load(export_strategy(session, strategy.id))
        ksum = data["strategy"]["goals"][0]["indicators"][0]["kpis"][0]
        assert ksum["code"] == "KSUM"
        assert "owners" not in ksum
        assert "due_days" not in ksum
        ksum["due_days"] = 45
        ksum["owners"] = [{"unit": "FAC-A", "owner": "leader@example.org"}]
        before = count(session, AuditEvent)
        changed = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()
        import_strategy(session, changed, ACTOR)
        assert kpi(session, "KSUM").due_days == 45
        assert count(session, KpiOwner) == 1
        assert count(session, AuditEvent) > before
        exported = export_strategy(session, strategy.id)
        again = yaml.safe_load(exported)["strategy"]["goals"][0]["indicators"][0]["kpis"][0]
        assert again["due_days"] == 45
        assert again["owners"] == [{"unit": "FAC-A", "owner": "leader@example.org"}]
        import_strategy(session, exported if isinstance(exported, bytes) else exported.encode(), ACTOR)
        assert export_strategy(session, strategy.id) == exported

    def test_an_unknown_owner_or_unit_is_a_located_problem_and_nothing_is_written(
        self, session: Session, people: dict[str, User], strategy: Strategy
    ) -> None:
        assert strategy.id is not None
        data = yaml.safe_load(export_strategy(session, strategy.id))
        data["strategy"]["goals"][0]["indicators"][0]["kpis"][0]["owners"] = [
            {"unit": "NOPE", "owner": "leader@example.org"},
            {"unit": "FAC-A", "owner": "ghost@example.org"},
        ]
        with pytest.raises(InvalidInput) as caught:
            import_strategy(session, yaml.safe_dump(data, sort_keys=False).encode(), ACTOR)
        paths = {p.path for p in caught.value.problems}
        assert "goals[0].indicators[0].kpis[0].owners[0].unit" in paths
        assert "goals[0].indicators[0].kpis[0].owners[1].owner" in paths
        assert count(session, KpiOwner) == 0


class TestOwedValues:
    def test_values_owed_with_due_dates_and_owners(self, session: Session, owned: dict[str, User]) -> None:
        strategy = session.execute(select(Strategy)).scalars().one()
        owed = {(o.kpi.code, o.unit.code, o.period): o for o in owed_values(session, strategy, NOW.date())}
        a = owed[("KSUM", "FAC-A", "2025")]
        assert a.due == date(2026, 1, 30)
        assert a.overdue(NOW.date())
        assert a.owners == (owned["leader"].id,)  # the leader, by default
        assert owed[("KSUM", "FAC-B", "2025")].owners == (owned["leader_b"].id,)  # chosen
        assert ("KSUM", "FAC-A", "2024") not in owed  # recorded
        assert ("KINST", "UNI", "2025") in owed  # the institution, nobody leads it
        assert owed[("KINST", "UNI", "2025")].owners == ()

    def test_a_period_not_yet_due_is_owed_but_not_overdue(self, session: Session, owned: dict[str, User]) -> None:
        strategy = session.execute(select(Strategy)).scalars().one()
        early = date(2026, 1, 10)
        owed = {(o.kpi.code, o.unit.code, o.period): o for o in owed_values(session, strategy, early)}
        assert not owed[("KSUM", "FAC-A", "2025")].overdue(early)


class TestMyUpdates:
    def test_a_leader_sees_values_actions_and_narratives_overdue_by_word(
        self, client: TestClient[Litestar], session: Session, owned: dict[str, User]
    ) -> None:
        create_action(
            session,
            owned["office"],
            _goal_id(session),
            {
                "code": "OWED.1",
                "title_nb": "Skyldig",
                "title_en": "Owed",
                "unit": "FAC-A",
                "units": ["FAC-A"],
                "owner": "leader@example.org",
                "status": "in_progress",
                "start_date": "2020-01-01",
            },
            ACTOR,
        )
        session.commit()
        as_user(client, "leader@example.org")
        page = client.get("/updates/")
        assert page.status_code == 200
        assert "KSUM" in page.text
        assert "Faculty A" in page.text or "Fakultet A" in page.text
        assert 'class="tag tag--late">' in page.text  # colour …
        assert "Overdue" in page.text or "Forsinket" in page.text  # … and word
        assert "OWED.1" in page.text
        assert "/reports/narrative" in page.text
        assert "Fakultet B" not in page.text
        assert "Faculty B" not in page.text
        assert client.get("/actions/mine").url.path.rstrip("/") == "/updates"
        # home names each thing owed once: the action in the updates card, the value and the
        # narrative in their own cards
        home = client.get("/", headers={"Accept-Language": "en"}).text
        assert "1 update is overdue" in home
        assert re.search(r"\d+ KPI values? (is|are) due", home)
        assert "Write the narrative for Faculty A" in home

    def test_staff_owe_nothing(self, client: TestClient[Litestar], owned: dict[str, User]) -> None:
        as_user(client, "staff@example.org")
        page = client.get("/updates/")
        assert page.status_code == 200
        assert "Nothing is owed now." in page.text or "Ingenting" in page.text
        assert "/updates/units" not in page.text

    def test_the_office_sees_its_own_and_a_link_to_every_units(
        self, client: TestClient[Litestar], owned: dict[str, User]
    ) -> None:
        as_user(client, "office@example.org")
        page = client.get("/updates/")
        assert page.status_code == 200
        assert "/updates/units" in page.text

    def test_the_service_lists_what_each_owes(self, session: Session, owned: dict[str, User]) -> None:
        leader = my_updates(session, owned["leader"], NOW)
        assert {(v.kpi.code, v.unit.code) for v in leader.values} == {("KSUM", "FAC-A")}
        assert [n.unit.code for n in leader.narratives] == ["FAC-A"]
        assert my_updates(session, owned["staff"], NOW).empty
        session.add(Narrative(unit_id=leader.narratives[0].unit.id or 0, period=leader.narratives[0].period, text="x"))
        session.flush()
        assert not my_updates(session, owned["leader"], NOW).narratives


def _goal_id(session: Session) -> int:
    return int(session.execute(select(col(Goal.id)).where(col(Goal.code) == "G1")).scalar_one())


class TestMissingUpdatesPerUnit:
    def test_the_office_sees_counts_per_unit(self, session: Session, owned: dict[str, User]) -> None:
        rows = {r.unit.code: r for r in missing_by_unit(session, NOW)}
        assert rows["FAC-A"].values == 1
        assert rows["FAC-B"].values == 1
        assert rows["UNI"].nobody == 1  # KINST: nobody owns it

    def test_a_leader_may_not_see_it(self, client: TestClient[Litestar], owned: dict[str, User]) -> None:
        as_user(client, "leader@example.org")
        assert client.get("/updates/units").status_code == 403

    def test_send_request_mails_the_units_owners_what_they_owe_for_it(
        self,
        app_smtp: Litestar,
        session: Session,
        owned: dict[str, User],
        mail_server: tuple[MailServer, int],
    ) -> None:
        server, _ = mail_server
        with TestClient(app_smtp, base_url="http://testserver.local") as client:
            as_user(client, "office@example.org")
            page = client.get("/updates/units")
            assert page.status_code == 200
            assert "FAC-B" in page.text
            assert "Send forespørsel" in page.text
            token = csrf_token(client, "/updates/units")
            response = client.post("/updates/units/FAC-B/request", data={"_csrf_token": token})
            assert response.status_code == 200
        assert [to for to, _ in server.received] == ["leaderb@example.org"]
        assert "KSUM" in server.received[0][1]
        assert count(session, AuditEvent, col(AuditEvent.object_label) == "updates FAC-B") == 1

    def test_a_request_without_the_csrf_token_is_refused(
        self, client: TestClient[Litestar], owned: dict[str, User]
    ) -> None:
        as_user(client, "office@example.org")
        assert client.post("/updates/units/FAC-B/request", data={}).status_code == 403

    def test_a_request_for_an_unknown_unit_is_404(self, client: TestClient[Litestar], owned: dict[str, User]) -> None:
        as_user(client, "office@example.org")
        token = csrf_token(client, "/updates/units")
        assert client.post("/updates/units/NOPE/request", data={"_csrf_token": token}).status_code == 404


@pytest.fixture
def app_smtp(smtp_settings: Settings, db: Database) -> Litestar:
    from maturity.app import create_app

    return create_app(smtp_settings, db=db)


class TestReminders:
    def test_a_run_mails_each_person_once_and_a_second_run_none(
        self, session: Session, owned: dict[str, User], smtp_settings: Settings, mail_server: tuple[MailServer, int]
    ) -> None:
        server, _ = mail_server
        first = send_update_reminders(session, smtp_settings, now=NOW, actor=ACTOR)
        recipients = [to for to, _ in server.received]
        assert sorted(recipients) == ["leader@example.org", "leaderb@example.org"]
        assert first.sent == 2
        assert first.failed == 0
        body = dict(server.received)["leader@example.org"]
        assert "KSUM" in body
        assert "FORSINKET" in body or "OVERDUE" in body
        second = send_update_reminders(session, smtp_settings, now=NOW, actor=ACTOR)
        assert second.sent == 0
        assert len(server.received) == 2
        assert count(session, UpdateReminder) == 2

    def test_after_the_interval_they_are_reminded_again(
        self, session: Session, owned: dict[str, User], smtp_settings: Settings, mail_server: tuple[MailServer, int]
    ) -> None:
        server, _ = mail_server
        send_update_reminders(session, smtp_settings, now=NOW, actor=ACTOR)
        later = NOW.replace(day=NOW.day + 8)  # the interval is a week
        assert send_update_reminders(session, smtp_settings, now=later, actor=ACTOR).sent == 2
        assert len(server.received) == 4

    def test_nothing_due_soon_is_no_reminder(
        self, session: Session, owned: dict[str, User], smtp_settings: Settings, mail_server: tuple[MailServer, int]
    ) -> None:
        server, _ = mail_server
        # KSUM 2025 is due 30.01.2026: on 10.01 it is neither overdue nor due within a week
        early = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
        result = send_update_reminders(session, smtp_settings, now=early, actor=ACTOR)
        assert all("KSUM" not in message for to, message in server.received if to == "leader@example.org")
        # FAC-B's 2024 value (before it) is overdue: its owner is reminded of that one
        assert any("KSUM" in message for to, message in server.received if to == "leaderb@example.org")
        assert result.failed == 0

    def test_a_run_of_one_mail_calls_looks_at_who_owes_nothing_due_once(
        self, session: Session, owned: dict[str, User], smtp_settings: Settings, mail_server: tuple[MailServer, int]
    ) -> None:
        """As the periodic task calls it (one mail a call): the people found to owe nothing due
        yet are kept for the run and not looked at again, and the run mails whom one call would."""
        server, _ = mail_server
        # an office person of DEP-A1 chosen to update its KSUM, of which only 2025 is owed
        owner = make_user(session, "analyst@example.org", home="DEP-A1", office=True)
        record(session, "KSUM", "DEP-A1", "2024", 5)
        set_owner(session, owned["office"], kpi(session, "KSUM"), "DEP-A1", owner.email, ACTOR)
        session.commit()
        early = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)  # DEP-A1's KSUM 2025 is due 30.01.2026
        nothing_due: set[int] = set()
        sent = [
            send_update_reminders(session, smtp_settings, now=early, actor=ACTOR, limit=1, nothing_due=nothing_due).sent
            for _ in range(3)
        ]
        assert sent == [1, 1, 0]
        assert sorted(to for to, _ in server.received) == ["leader@example.org", "leaderb@example.org"]
        assert nothing_due == {owner.id}

        # Two weeks on it is due within the week, and the others may be reminded again: a call
        # given the same set still skips the owner, a new run mails them.
        due_soon = datetime(2026, 1, 25, 8, 0, tzinfo=UTC)
        server.received.clear()
        send_update_reminders(session, smtp_settings, now=due_soon, actor=ACTOR, nothing_due=nothing_due)
        assert owner.email not in [to for to, _ in server.received]
        assert send_update_reminders(session, smtp_settings, now=due_soon, actor=ACTOR).sent == 1
        assert server.received[-1][0] == owner.email

    def test_the_periodic_task_sends_each_once(
        self,
        db: Database,
        session: Session,
        owned: dict[str, User],
        smtp_settings: Settings,
        mail_server: tuple[MailServer, int],
    ) -> None:
        server, _ = mail_server
        runner = LocalRunner(Runtime(smtp_settings, db), TASKS, threads=1)
        try:
            assert runner.defer(REMIND_UPDATES, timestamp=0)
            assert runner.wait_idle(120)
            assert runner.defer(REMIND_UPDATES, timestamp=1)
            assert runner.wait_idle(120)
        finally:
            runner.close()
        recipients = [to for to, _ in server.received]
        assert len(recipients) == len(set(recipients))
        assert "leaderb@example.org" in recipients


@pytest.mark.skipif(date.today() <= date(2026, 1, 30), reason="the demo's unreported 2025 values are due 30.01.2026")
class TestDemo:
    def test_the_demo_leader_has_overdue_values_and_owners_are_chosen(
        self, client: TestClient[Litestar], session: Session
    ) -> None:
        load_demo(session)
        load_demo_strategy(session, "http://demo")
        load_demo_actions(session, "http://demo")
        load_demo_owners(session, "http://demo")
        session.commit()
        assert count(session, KpiOwner) == 2
        client.cookies.clear()
        login(client, "leder@demo.oslomet.no", "demo-leder-tkd")
        page = client.get("/updates/", headers={"accept-language": "en"})
        assert page.status_code == 200
        assert "N21" in page.text
        assert "N31" in page.text
        assert 'class="tag tag--late"' in page.text


class TestRemindCommand:
    def test_maturity_remind_updates_mails_each_once(
        self, session: Session, db: Database, owned: dict[str, User], tmp_path: Path
    ) -> None:
        from maturity.cli import main
        from reports.cli import remind

        main.add_command(remind)
        url = db.engine.url.render_as_string(hide_password=False)
        outbox = tmp_path / "cli-outbox"
        env = {"MATURITY_DATABASE_URL": url, "MATURITY_MAIL_OUTBOX": str(outbox), "MATURITY_MODE": "development"}
        result = CliRunner().invoke(main, ["remind", "updates"], env=env)
        assert result.exit_code == 0, result.output
        assert "2 reminder(s) sent." in result.output
        assert len(list(outbox.glob("*.eml"))) == 2
        again = CliRunner().invoke(main, ["remind", "updates"], env=env)
        assert again.exit_code == 0, again.output
        assert "0 reminder(s) sent." in again.output
        assert len(list(outbox.glob("*.eml"))) == 2
