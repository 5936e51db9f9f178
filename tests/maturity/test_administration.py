"""The administration page: the strategy office's people, API tokens and audit log at a glance,
under one navigation entry that stays marked on each of the three pages."""

import re
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from maturity.administration import RECENT_EVENTS, administration
from maturity.audit.services import Actor, record_event
from maturity.auth.models import User
from maturity.auth.tokens import issue_token, revoke_token
from maturity.db import utcnow
from tests.factories import login, make_user


@pytest.fixture
def office_data(session: Session, people: dict[str, User]) -> None:
    """Besides the three people of ``people``: a deactivated one; a token in use and last used
    a day ago, one revoked and one expired; an audit event of 40 days ago."""
    gone = make_user(session, "gone@example.org")
    gone.is_active = False
    actor = Actor.of(people["office"])
    used, _ = issue_token(session, name="SIS", unit_codes=["UNI"], expires_at=None, actor=actor)
    used.last_used_at = utcnow() - timedelta(days=1)
    revoked, _ = issue_token(session, name="Old SIS", unit_codes=["UNI"], expires_at=None, actor=actor)
    revoke_token(session, revoked.id or 0, actor)
    lapsing, _ = issue_token(
        session, name="Trial", unit_codes=["FAC-A"], expires_at=utcnow() + timedelta(days=1), actor=actor
    )
    lapsing.expires_at = utcnow() - timedelta(hours=1)  # it expired since
    old = record_event(session, actor, "create", object_type="goal", object_id=1, label="G1 Old goal")
    old.at = utcnow() - timedelta(days=40)
    session.commit()


class TestTheSummary:
    def test_it_counts_people_tokens_and_recent_changes(self, session: Session, office_data: None) -> None:
        now = utcnow()
        admin = administration(session, now)
        assert (admin.active_people, admin.inactive_people, admin.strategy_office) == (3, 1, 1)
        assert (admin.tokens_in_use, admin.tokens_ended) == (1, 2)
        assert admin.token_last_used is not None
        assert now - admin.token_last_used < timedelta(days=1, minutes=1)
        # three tokens issued, one revoked: four events within 30 days; the old goal is not counted
        assert admin.changes_recent == 4
        # the newest first, the old one too (the list is the latest changes, whenever made)
        assert len(admin.latest) == RECENT_EVENTS == 5
        assert [(event.action, event.object_label.split(" (")[0]) for event in admin.latest] == [
            ("issue", "Trial"),
            ("revoke", "Old SIS"),
            ("issue", "Old SIS"),
            ("issue", "SIS"),
            ("create", "G1 Old goal"),
        ]

    def test_an_empty_installation_has_nothing_to_count(self, session: Session) -> None:
        admin = administration(session, utcnow())
        assert admin == type(admin)(0, 0, 0, 0, 0, None, 0, [])


class TestThePage:
    @pytest.mark.parametrize(("who", "status"), [("staff", 403), ("leader", 403), ("office", 200)])
    def test_only_the_strategy_office_opens_it(
        self, client: TestClient[Litestar], people: dict[str, User], who: str, status: int
    ) -> None:
        login(client, people[who].email)
        assert client.get("/admin").status_code == status

    def test_anonymous_visitors_are_sent_to_log_in(self, client: TestClient[Litestar]) -> None:
        response = client.get("/admin", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/admin"

    @pytest.mark.parametrize(
        ("lang", "texts"),
        [
            (
                "en",
                [
                    "<h1>Administration</h1>",
                    "3 active people",
                    "1 of them in the strategy office",
                    "1 deactivated",
                    "1 token in use",
                    "2 revoked or expired",
                    "4 changes in the last 30 days",
                    "G1 Old goal",
                ],
            ),
            (
                "nb",
                [
                    "<h1>Administrasjon</h1>",
                    "3 aktive personer",
                    "1 av dem i strategikontoret",
                    "1 deaktivert",
                    "1 nøkkel i bruk",
                    "2 trukket tilbake eller utløpt",
                    "4 endringer de siste 30 dagene",
                    "G1 Old goal",
                ],
            ),
        ],
    )
    def test_it_shows_the_figures_and_the_way_to_each_page(
        self, client: TestClient[Litestar], people: dict[str, User], office_data: None, lang: str, texts: list[str]
    ) -> None:
        login(client, people["office"].email)
        html = client.get("/admin", headers={"accept-language": lang}).text
        for text in texts:
            assert text in html, text
        main = html[html.index("<main") :]
        links = set(re.findall(r'href="([^"]+)"', main))
        assert {"/users", "/users/new", "/users/import", "/api-tokens", "/audit"} <= links

    @pytest.mark.parametrize("path", ["/admin", "/users", "/users/new", "/api-tokens", "/audit"])
    def test_the_navigation_marks_administration_on_its_pages(
        self, client: TestClient[Litestar], people: dict[str, User], path: str
    ) -> None:
        login(client, people["office"].email)
        html = client.get(path, headers={"accept-language": "en"}).text
        nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
        assert nav is not None
        assert re.findall(r'<a href="([^"]+)" aria-current="page">', nav.group(0)) == ["/admin"]

    def test_other_pages_do_not_mark_it(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, people["office"].email)
        html = client.get("/units", headers={"accept-language": "en"}).text
        nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
        assert nav is not None
        assert re.findall(r'<a href="([^"]+)" aria-current="page">', nav.group(0)) == ["/units"]
