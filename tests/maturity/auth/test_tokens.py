"""API tokens: issuing, revoking and authenticating them, and the strategy office's page for them."""

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select, update
from sqlmodel import Session, col

from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.auth.models import ApiToken, ApiTokenUnit, User
from maturity.auth.token_controllers import parse_expiry
from maturity.auth.tokens import (
    authenticate_token,
    get_token,
    issue_token,
    list_tokens,
    revoke_token,
    split_unit_codes,
)
from maturity.db import utcnow
from maturity.errors import InvalidInput, NotFound, Problem
from maturity.units.services import visible_units
from tests.factories import Org, csrf_token, login

ACTOR = Actor.system("test")


def count(session: Session, model: type, *where: Any) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def issue(session: Session, *units: str, name: str = "HR system", **more: Any) -> tuple[ApiToken, str]:
    token, plain = issue_token(session, name=name, unit_codes=units, expires_at=more.get("expires_at"), actor=ACTOR)
    session.commit()
    return token, plain


def refused(session: Session, **fields: Any) -> list[Problem]:
    """The problems with a token request, after checking that nothing was written."""
    arguments: dict[str, Any] = {"name": "HR system", "unit_codes": ["FAC-A"], "expires_at": None, "actor": ACTOR}
    arguments.update(fields)
    with pytest.raises(InvalidInput) as caught:
        issue_token(session, **arguments)
    assert (count(session, ApiToken), count(session, ApiTokenUnit), count(session, AuditEvent)) == (0, 0, 0)
    return caught.value.problems


class TestIssueToken:
    def test_only_the_hash_and_a_short_prefix_are_stored(self, session: Session, org: Org) -> None:
        token, plain = issue(session, "FAC-A", "DEP-B1")
        assert plain.startswith("mty_")
        assert len(plain) > 40
        assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert token.prefix == plain[:8]
        stored = session.execute(select(ApiToken)).scalars().one()
        assert plain not in {str(v) for v in stored.model_dump().values()}

    def test_every_token_is_different(self, session: Session, org: Org) -> None:
        assert issue(session, "FAC-A")[1] != issue(session, "FAC-A")[1]

    def test_it_names_its_units_and_is_audited(self, session: Session, org: Org) -> None:
        token, _ = issue(session, "FAC-A", "DEP-B1", "FAC-A")
        assert get_token(session, token.id or 0).unit_codes == ["DEP-B1", "FAC-A"]
        event = session.execute(select(AuditEvent)).scalars().one()
        assert (event.action, event.object_type, event.object_id, event.actor_label) == (
            "issue",
            "api_token",
            token.id,
            "test",
        )
        assert event.after is not None
        assert event.after["units"] == ["FAC-A", "DEP-B1"]
        assert "token_hash" not in event.after

    def test_an_unknown_unit_is_named(self, session: Session, org: Org) -> None:
        problems = refused(session, unit_codes=["FAC-A", "NOPE", "ALSO-NOPE"])
        assert [(p.path, p.value, p.message % p.params) for p in problems] == [
            ("units", "NOPE", "Unknown unit NOPE."),
            ("units", "ALSO-NOPE", "Unknown unit ALSO-NOPE."),
        ]

    def test_every_problem_at_once(self, session: Session, org: Org) -> None:
        problems = refused(session, name="  ", unit_codes=[" "], expires_at=utcnow() - timedelta(days=1))
        assert [p.path for p in problems] == ["name", "units", "expires"]

    def test_a_long_name_is_refused(self, session: Session, org: Org) -> None:
        assert [p.path for p in refused(session, name="x" * 201)] == ["name"]


class TestAuthenticateToken:
    def test_the_token_reaches_the_subtrees_of_its_units(self, session: Session, org: Org) -> None:
        _, plain = issue(session, "DEP-A2", "DEP-B1")
        found = authenticate_token(session, plain)
        assert found is not None
        token, scope = found
        assert token.name == "HR system"
        assert sorted(u.code for u in visible_units(session, scope)) == ["DEP-A2", "DEP-B1", "SEC-A2X"]

    @pytest.mark.parametrize("plain", ["", "mty_", "mty_unknown", "not-ours", "mty_" + "x" * 500])
    def test_an_unknown_token_is_refused(self, session: Session, org: Org, plain: str) -> None:
        issue(session, "FAC-A")
        assert authenticate_token(session, plain) is None

    def test_a_revoked_token_is_refused(self, session: Session, org: Org) -> None:
        token, plain = issue(session, "FAC-A")
        revoke_token(session, token.id or 0, ACTOR)
        assert authenticate_token(session, plain) is None

    def test_an_expired_token_is_refused(self, session: Session, org: Org) -> None:
        token, plain = issue(session, "FAC-A", expires_at=utcnow() + timedelta(hours=1))
        assert authenticate_token(session, plain) is not None
        token.expires_at = utcnow() - timedelta(seconds=1)
        assert authenticate_token(session, plain) is None

    def test_last_use_is_noted_at_most_once_a_minute(self, session: Session, org: Org) -> None:
        token, plain = issue(session, "FAC-A")
        assert token.last_used_at is None
        authenticate_token(session, plain)
        first = token.last_used_at
        assert first is not None
        authenticate_token(session, plain)
        assert token.last_used_at == first
        token.last_used_at = utcnow() - timedelta(seconds=59)
        noted = token.last_used_at
        authenticate_token(session, plain)
        assert token.last_used_at == noted
        token.last_used_at = utcnow() - timedelta(seconds=61)
        authenticate_token(session, plain)
        assert token.last_used_at > noted


class TestRevokeAndList:
    def test_revoking_is_audited_once(self, session: Session, org: Org) -> None:
        token, _ = issue(session, "FAC-A")
        revoke_token(session, token.id or 0, ACTOR)
        revoked_at = token.revoked_at
        revoke_token(session, token.id or 0, ACTOR)
        session.commit()
        assert token.revoked_at == revoked_at is not None
        events = session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
        assert events == ["issue", "revoke"]

    def test_an_unknown_token_is_not_found(self, session: Session, org: Org) -> None:
        with pytest.raises(NotFound):
            revoke_token(session, 4711, ACTOR)
        with pytest.raises(NotFound):
            get_token(session, 4711)

    def test_the_list_is_newest_first_with_unit_codes_and_state(self, session: Session, org: Org) -> None:
        old, _ = issue(session, "FAC-B", name="Old")
        issue(session, "DEP-A1", "FAC-A", name="New")
        revoke_token(session, old.id or 0, ACTOR)
        rows = list_tokens(session)
        now = utcnow()
        assert [(r.token.name, r.unit_codes, r.state(now)) for r in rows] == [
            ("New", ["DEP-A1", "FAC-A"], "active"),
            ("Old", ["FAC-B"], "revoked"),
        ]
        rows[0].token.expires_at = now
        assert rows[0].state(now) == "expired"


class TestFormInput:
    @pytest.mark.parametrize(
        ("text", "codes"),
        [
            ("FAC-A", ["FAC-A"]),
            ("FAC-A, DEP-B1", ["FAC-A", "DEP-B1"]),
            (" FAC-A;DEP-B1\nUNI ", ["FAC-A", "DEP-B1", "UNI"]),
        ],
    )
    def test_unit_codes_are_split_on_commas_semicolons_and_spaces(self, text: str, codes: list[str]) -> None:
        assert split_unit_codes(text) == codes

    @pytest.mark.parametrize("raw", ["2031-12-31", "31.12.2031", "31.12.2031 "])
    def test_an_expiry_date_is_the_start_of_that_day_in_norway(self, raw: str) -> None:
        expires_at, problems = parse_expiry(raw)
        assert problems == []
        assert expires_at is not None
        assert expires_at.isoformat() == "2031-12-30T23:00:00+00:00"

    @pytest.mark.parametrize("raw", ["tomorrow", "31.02.2031", "2031-13-01"])
    def test_anything_else_is_a_located_problem(self, raw: str) -> None:
        expires_at, problems = parse_expiry(raw)
        assert expires_at is None
        assert [(p.path, p.value) for p in problems] == [("expires", raw.strip())]


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def office(client: TestClient[Litestar], people: dict[str, User]) -> TestClient[Litestar]:
    login(client, "office@example.org")
    client.get("/")  # shows and clears the welcome message
    return client


def issue_form(client: TestClient[Litestar], **fields: str) -> dict[str, str]:
    return {
        "name": "HR system",
        "units": "FAC-A",
        "expires": "",
        **fields,
        "_csrf_token": csrf_token(client, "/api-tokens"),
    }


def shown_token(html: str) -> str:
    match = re.search(r'id="new-token"[^>]*value="(mty_[^"]+)"', html)
    assert match, "no token on the page"
    return match.group(1)


class TestTokenPage:
    @pytest.mark.parametrize("who", ["staff", "leader"])
    def test_it_is_for_the_strategy_office_only(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], who: str
    ) -> None:
        token, _ = issue(session, "FAC-A")
        login(client, people[who].email)
        csrf = csrf_token(client, "/")
        assert client.get("/api-tokens").status_code == 403
        assert client.get(f"/api-tokens/{token.id}/revoke").status_code == 403
        assert client.post("/api-tokens", data={"name": "x", "units": "FAC-A", "_csrf_token": csrf}).status_code == 403
        assert client.post(f"/api-tokens/{token.id}/revoke", data={"_csrf_token": csrf}).status_code == 403
        assert count(session, ApiToken) == 1
        assert count(session, ApiToken, col(ApiToken.revoked_at).is_not(None)) == 0

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client: TestClient[Litestar], org: Org) -> None:
        response = client.get("/api-tokens", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/api-tokens"

    def test_the_office_finds_it_from_the_navigation(self, office: TestClient[Litestar]) -> None:
        page = office.get("/", headers={"accept-language": "en"})
        assert '<a href="/admin">Administration</a>' in page.text
        administration = office.get("/admin", headers={"accept-language": "en"})
        assert '<a href="/api-tokens">API tokens</a>' in administration.text

    def test_the_page_lists_tokens_without_the_secret(
        self, office: TestClient[Litestar], session: Session, org: Org
    ) -> None:
        token, plain = issue(session, "FAC-A", "DEP-B1")
        page = office.get("/api-tokens", headers={"accept-language": "en"})
        assert page.status_code == 200
        assert "HR system" in page.text
        assert f"{token.prefix}…" in page.text
        assert "DEP-B1, FAC-A" in page.text
        assert plain not in page.text
        assert f'href="/api-tokens/{token.id}/revoke"' in page.text
        assert 'action="/api-tokens"' in page.text
        assert 'name="_csrf_token"' in page.text

    def test_issuing_shows_the_token_once_and_stores_only_its_hash(
        self, office: TestClient[Litestar], session: Session
    ) -> None:
        response = office.post("/api-tokens", data=issue_form(office, units="FAC-A, DEP-B1", expires="2031-12-31"))
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert 'hx-history="false"' in response.text  # nor in htmx's history cache
        plain = shown_token(response.text)
        stored = session.execute(select(ApiToken)).scalars().one()
        assert stored.token_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert stored.expires_at is not None
        assert stored.expires_at.isoformat() == "2031-12-30T23:00:00+00:00"
        assert get_token(session, stored.id or 0).unit_codes == ["DEP-B1", "FAC-A"]
        event = session.execute(select(AuditEvent)).scalars().one()
        assert (event.action, event.actor_label) == ("issue", "Office <office@example.org>")
        assert plain not in office.get("/api-tokens").text  # never again
        assert authenticate_token(session, plain) is not None

    def test_an_unknown_unit_shows_the_form_again_with_the_message_and_writes_nothing(
        self, office: TestClient[Litestar], session: Session
    ) -> None:
        response = office.post(
            "/api-tokens", data=issue_form(office, units="FAC-A NOPE", name="Ledger"), headers={"accept-language": "en"}
        )
        assert response.status_code == 422
        assert '<span class="field-error" id="token-units-error-1">Unknown unit NOPE.</span>' in response.text
        assert 'id="token-units"' in response.text
        assert 'aria-invalid="true"' in response.text
        assert 'value="FAC-A NOPE"' in response.text
        assert 'value="Ledger"' in response.text
        assert "mty_" not in response.text
        assert (count(session, ApiToken), count(session, ApiTokenUnit), count(session, AuditEvent)) == (0, 0, 0)

    def test_every_field_gets_its_message(self, office: TestClient[Litestar], session: Session) -> None:
        response = office.post(
            "/api-tokens",
            data=issue_form(office, name="", units="", expires="soon"),
            headers={"accept-language": "en"},
        )
        assert response.status_code == 422
        for field in ("name", "units", "expires"):
            assert f'<a href="#token-{field}">' in response.text
        assert "Not a date; write it like 2026-12-31." in response.text
        assert count(session, ApiToken) == 0

    def test_a_past_expiry_date_is_refused(self, office: TestClient[Litestar], session: Session) -> None:
        today = utcnow().date().isoformat()
        response = office.post("/api-tokens", data=issue_form(office, expires=today), headers={"accept-language": "en"})
        assert response.status_code == 422
        assert "The expiry date has already passed." in response.text
        assert count(session, ApiToken) == 0

    def test_revoking_asks_first_and_then_refuses_the_token(
        self, office: TestClient[Litestar], session: Session
    ) -> None:
        token, plain = issue(session, "FAC-A")
        confirm = office.get(f"/api-tokens/{token.id}/revoke", headers={"accept-language": "en"})
        assert confirm.status_code == 200
        assert f'action="/api-tokens/{token.id}/revoke"' in confirm.text
        assert count(session, ApiToken, col(ApiToken.revoked_at).is_not(None)) == 0

        response = office.post(
            f"/api-tokens/{token.id}/revoke",
            data={"_csrf_token": csrf_token(office, "/api-tokens")},
            headers={"accept-language": "en"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/api-tokens"
        listing = office.get("/api-tokens", headers={"accept-language": "en"})
        assert "HR system is revoked" in listing.text
        assert f'href="/api-tokens/{token.id}/revoke"' not in listing.text
        session.expire_all()
        assert authenticate_token(session, plain) is None
        assert [
            e.actor_label for e in session.execute(select(AuditEvent).where(AuditEvent.action == "revoke")).scalars()
        ] == ["Office <office@example.org>"]
        again = office.get(f"/api-tokens/{token.id}/revoke")
        assert again.status_code == 200
        assert f'action="/api-tokens/{token.id}/revoke"' not in again.text

    def test_an_expired_token_is_marked_so(self, office: TestClient[Litestar], session: Session) -> None:
        issue(session, "FAC-A")
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(days=1)))
        session.commit()
        page = office.get("/api-tokens", headers={"accept-language": "en"})
        assert '<span class="tag">expired</span>' in page.text

    def test_an_unknown_token_is_not_found(self, office: TestClient[Litestar], session: Session) -> None:
        assert office.get("/api-tokens/4711/revoke").status_code == 404
        response = office.post("/api-tokens/4711/revoke", data={"_csrf_token": csrf_token(office, "/api-tokens")})
        assert response.status_code == 404

    def test_forms_need_the_csrf_token(self, office: TestClient[Litestar], session: Session) -> None:
        assert office.post("/api-tokens", data={"name": "x", "units": "FAC-A"}).status_code == 403
        assert count(session, ApiToken) == 0


class TestTokenPageWithHtmx:
    def headers(self, client: TestClient[Litestar], **more: str) -> dict[str, str]:
        return {"hx-request": "true", "x-csrftoken": csrf_token(client, "/api-tokens"), "accept-language": "en", **more}

    def test_the_list_is_a_fragment_for_htmx_and_a_page_otherwise(
        self, office: TestClient[Litestar], session: Session
    ) -> None:
        issue(session, "FAC-A")
        full = office.get("/api-tokens")
        fragment = office.get("/api-tokens", headers={"hx-request": "true"})
        boosted = office.get("/api-tokens", headers={"hx-request": "true", "hx-boosted": "true"})
        assert full.headers["vary"] == fragment.headers["vary"] == "HX-Request"
        assert "<html" in full.text
        assert "<html" in boosted.text
        assert "<html" not in fragment.text
        assert "<table" in fragment.text
        assert "HR system" in fragment.text

    def test_issuing_answers_with_the_token_fragment(self, office: TestClient[Litestar], session: Session) -> None:
        response = office.post("/api-tokens", data={"name": "HR", "units": "FAC-A"}, headers=self.headers(office))
        assert response.status_code == 200
        assert "<html" not in response.text
        plain = shown_token(response.text)
        assert authenticate_token(session, plain) is not None

    def test_a_bad_form_answers_with_the_form_fragment(self, office: TestClient[Litestar], session: Session) -> None:
        response = office.post("/api-tokens", data={"name": "HR", "units": "NOPE"}, headers=self.headers(office))
        assert response.status_code == 422
        assert "<html" not in response.text
        assert response.text.lstrip().startswith("<form")
        assert "Unknown unit NOPE." in response.text
        assert count(session, ApiToken) == 0

    def test_revoking_tells_htmx_where_to_go(self, office: TestClient[Litestar], session: Session) -> None:
        token, _ = issue(session, "FAC-A")
        response = office.post(f"/api-tokens/{token.id}/revoke", headers=self.headers(office), follow_redirects=False)
        assert response.status_code == 200
        assert response.headers["hx-redirect"] == "/api-tokens"
        assert count(session, ApiToken, col(ApiToken.revoked_at).is_not(None)) == 1

    def test_the_confirmation_page_works_boosted(self, office: TestClient[Litestar], session: Session) -> None:
        token, _ = issue(session, "FAC-A")
        page = office.get(f"/api-tokens/{token.id}/revoke", headers={"hx-request": "true", "hx-boosted": "true"})
        assert page.status_code == 200
        assert "<html" in page.text
