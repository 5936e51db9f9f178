"""Sign-in with OpenID Connect through the app's HTTP interface, against a real provider
running in the test process (see oidc_provider.py) and a local server in the shape of Feide's
groups API. Every refusal leaves nothing behind: no session, no account, no audit event."""

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from maturity.audit.models import AuditEvent
from maturity.auth.models import SignInFlow, User, UserSession
from maturity.db import Database
from maturity.settings import Settings
from tests.factories import Org, csrf_token, make_user
from tests.maturity.auth.oidc_provider import (
    PROVIDER_WARNINGS,
    GroupsApi,
    IdTokenTamper,
    Provider,
    feide_org_group,
    feide_orgunit_group,
    running_groups_api,
    running_provider,
)

# The provider runs in this process; its own use of Authlib's deprecated parts warns in its threads.
pytestmark = PROVIDER_WARNINGS

FEIDE_LOGIN = "https://n.feide.no/claims/eduPersonPrincipalName"
BASE = "http://testserver.local"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def groups_api() -> Iterator[GroupsApi]:
    with running_groups_api() as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_provider(provider: Provider, groups_api: GroupsApi) -> Iterator[None]:
    yield
    provider.tamper = None
    provider.drop_verifier = False
    groups_api.groups = []


@pytest.fixture
def settings(provider: Provider, groups_api: GroupsApi) -> Settings:
    return Settings(
        mode="test",
        secure_cookies=False,
        secret_key="test-" + "s" * 40,
        base_url=BASE,
        periodic_tasks=False,
        oidc_issuer=provider.url,
        # Feide's scopes, and "profile": the mock sends the standard claim "name" only with it.
        oidc_scopes="openid userid-feide userinfo-name email groups-org profile",
        oidc_client_id="maturity-test",
        oidc_client_secret="client-secret",
        oidc_groups_url=groups_api.url,
        oidc_affiliation_groups="faculty=academic,staff=admin",
        signin_contact="strategi@example.org",
    )


@pytest.fixture
def staff_member(session: Session, org: Org) -> User:
    """Someone on the staff list, with their Feide login name; no password."""
    user = make_user(session, "kari@example.org", home="DEP-A1")
    user.login_name = "kari@uni.example"
    user.password_hash = None
    session.commit()
    return user


def feide_user(provider: Provider, sub: str, login: str, email: str, name: str = "Kari Nordmann") -> None:
    provider.set_user(sub, {FEIDE_LOGIN: login, "email": email, "name": name})


def start(client: TestClient[Litestar], next_: str = "/") -> str:
    """Press the sign-in button; returns the provider's authorization URL."""
    answer = client.post("/login/oidc", data={"next": next_, "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def come_back(client: TestClient[Litestar], location: str) -> object:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False, headers={"accept-language": "en"})


def sign_in(client: TestClient[Litestar], provider: Provider, sub: str, next_: str = "/") -> object:
    return come_back(client, provider.authorize(start(client, next_), sub))


def counts(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return (
            s.execute(select(func.count()).select_from(User)).scalar_one(),
            s.execute(select(func.count()).select_from(UserSession)).scalar_one(),
            s.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
        )


def assert_refused(answer: object, text: str) -> None:
    assert answer.status_code == 403, answer.text  # type: ignore[attr-defined]
    assert text in answer.text  # type: ignore[attr-defined]
    assert "You are not signed in" in answer.text  # type: ignore[attr-defined]
    assert "maturity_session=" not in " ".join(answer.headers.get_list("set-cookie")).replace(  # type: ignore[attr-defined]
        'maturity_session=""', ""
    )


class TestTheFlow:
    def test_a_staff_list_person_signs_in_and_lands_where_they_were_going(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        feide_user(provider, "sub-kari", "Kari@uni.example", "kari@example.org")
        authorization = start(client, "/my-unit")
        query = parse_qs(urlsplit(authorization).query)
        assert query["code_challenge_method"] == ["S256"]
        assert query["client_id"] == ["maturity-test"]
        assert query["scope"] == ["openid userid-feide userinfo-name email groups-org profile"]
        assert query["nonce"]
        assert query["state"]

        answer = come_back(client, provider.authorize(authorization, "sub-kari"))

        assert answer.status_code == 303
        assert answer.headers["location"] == "/my-unit"
        page = client.get("/")
        assert "Kari" in page.text
        assert 'action="/logout"' in page.text
        with db.session() as s:
            user = s.get_one(User, staff_member.id)
            assert (user.oidc_sub, user.login_name) == ("sub-kari", "kari@uni.example")
            assert s.execute(select(func.count()).select_from(SignInFlow)).scalar_one() == 0

    def test_the_session_is_rotated_at_sign_in(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        client.cookies.set("maturity_session", "planted-by-an-attacker", domain="testserver.local")
        sign_in(client, provider, "sub-kari")
        assert client.cookies.get("maturity_session") not in (None, "planted-by-an-attacker")

    def test_next_goes_only_to_our_own_paths(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User
    ) -> None:
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
            answer = sign_in(client, provider, "sub-kari", next_=target)
            assert answer.headers["location"] == "/"  # type: ignore[attr-defined]

    def test_the_start_is_a_post_with_csrf(self, client: TestClient[Litestar], staff_member: User) -> None:
        assert client.post("/login/oidc", data={"next": "/"}).status_code == 403
        assert client.get("/login/oidc", follow_redirects=False).status_code == 405

    def test_the_login_page_offers_the_provider_first(self, client: TestClient[Litestar]) -> None:
        page = client.get("/login", headers={"accept-language": "nb"}).text
        assert page.index("Logg inn med Feide") < page.index('name="password"')
        assert (
            "form-action 'self' " + urlsplit(client.app.state.settings.oidc_issuer).scheme
            in client.get("/login").headers["content-security-policy"]
        )

    def test_the_groups_api_places_a_self_registered_person(
        self,
        client: TestClient[Litestar],
        provider: Provider,
        groups_api: GroupsApi,
        settings: Settings,
        session: Session,
        org: Org,
        db: Database,
    ) -> None:
        client.app.state.settings = settings.with_(oidc_self_registration=True)
        org.units["DEP-A2"].external_id = "fc:org:uni.example:unit:A2"
        session.add(org.units["DEP-A2"])
        session.commit()
        groups_api.groups = [
            feide_org_group("uni.example", "faculty"),
            feide_orgunit_group("uni.example", "A1", primary=False),
            feide_orgunit_group("uni.example", "A2", primary=True),
        ]
        feide_user(provider, "sub-ola", "ola@uni.example", "ola@example.org", name="Ola Nordmann")

        answer = sign_in(client, provider, "sub-ola")

        assert answer.status_code == 303  # type: ignore[attr-defined]
        assert groups_api.bearer_tokens  # asked with the person's access token
        with db.session() as s:
            user = s.execute(select(User).where(User.login_name == "ola@uni.example")).scalar_one()
            assert user.home_unit_id == org.units["DEP-A2"].id
            assert user.name == "Ola Nordmann"
            assert user.email == "ola@example.org"


class TestLogout:
    def test_logout_ends_our_session_and_the_providers(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        sign_in(client, provider, "sub-kari")
        token = csrf_token(client, "/")

        answer = client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)

        assert answer.status_code == 303
        target = urlsplit(answer.headers["location"])
        assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.url}/oauth2/end_session"
        query = parse_qs(target.query)
        assert query["post_logout_redirect_uri"] == [f"{BASE}/login"]
        assert query["id_token_hint"][0].count(".") == 2
        assert counts(db)[1] == 0
        assert client.get("/my-unit", follow_redirects=False).headers["location"].startswith("/login")

    def test_a_password_logout_stays_here(
        self, client: TestClient[Litestar], staff_member: User, session: Session
    ) -> None:
        make_user(session, "pw@example.org")
        session.commit()
        client.post(
            "/login",
            data={"email": "pw@example.org", "password": "correct horse battery", "_csrf_token": csrf_token(client)},
        )
        answer = client.post("/logout", data={"_csrf_token": csrf_token(client, "/")}, follow_redirects=False)
        assert answer.headers["location"] == "/login"


def _claims(**changes: object) -> IdTokenTamper:
    return IdTokenTamper(claims=lambda c: {**c, **changes})


class TestRefusals:
    """Each refused with a clear page; nothing is created and nobody is signed in."""

    @pytest.mark.parametrize(
        "tamper",
        [
            pytest.param(_claims(nonce="another-nonce"), id="wrong nonce"),
            pytest.param(_claims(aud="someone-else"), id="wrong audience"),
            pytest.param(_claims(iss="https://evil.example"), id="wrong issuer"),
            pytest.param(_claims(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), id="expired"),
            pytest.param(_claims(iat=int(time.time()) + 3600), id="issued in the future"),
            pytest.param(IdTokenTamper(key="none"), id="alg none"),
            pytest.param(IdTokenTamper(key="other"), id="signed by another key"),
        ],
    )
    def test_a_bad_id_token(
        self,
        client: TestClient[Litestar],
        provider: Provider,
        staff_member: User,
        db: Database,
        tamper: IdTokenTamper,
    ) -> None:
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        before = counts(db)
        provider.tamper = tamper

        answer = sign_in(client, provider, "sub-kari")

        assert_refused(answer, "could not be trusted")
        assert counts(db) == before
        with db.session() as s:
            assert s.get_one(User, staff_member.id).oidc_sub is None

    def test_the_untampered_token_passes_the_same_hook(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User
    ) -> None:
        """The re-signing itself is sound: a token re-signed unchanged with the provider's key is accepted."""
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        provider.tamper = IdTokenTamper()
        assert sign_in(client, provider, "sub-kari").status_code == 303  # type: ignore[attr-defined]

    def test_a_replayed_callback(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        back = provider.authorize(start(client), "sub-kari")
        assert come_back(client, back).status_code == 303  # type: ignore[attr-defined]
        client.cookies.clear()
        before = counts(db)
        assert_refused(come_back(client, back), "expired or was already used")
        assert counts(db) == before

    def test_a_callback_without_state(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        back = provider.authorize(start(client), "sub-kari")
        query = {k: v for k, v in parse_qs(urlsplit(back).query).items() if k != "state"}
        before = counts(db)
        answer = come_back(client, f"{BASE}/login/oidc/callback?code={query['code'][0]}")
        assert_refused(answer, "expired or was already used")
        assert counts(db) == before

    def test_a_callback_in_another_browser(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        """Login CSRF: a victim's browser is sent to the callback of a flow the attacker started."""
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        back = provider.authorize(start(client), "sub-kari")
        client.cookies.clear()  # from here on, the victim's browser: it never started this flow
        assert_refused(come_back(client, back), "expired or was already used")
        assert counts(db)[1] == 0

    def test_a_missing_pkce_verifier(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        provider.drop_verifier = True
        before = counts(db)
        assert_refused(sign_in(client, provider, "sub-kari"), "could not be trusted")
        assert counts(db) == before

    def test_an_injected_code_from_another_flow(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        """A code got in another flow (another PKCE challenge) fails this flow's verifier at the provider."""
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        stolen = parse_qs(urlsplit(provider.authorize(start(client), "sub-kari")).query)["code"][0]
        mine = parse_qs(urlsplit(provider.authorize(start(client), "sub-kari")).query)["state"][0]
        before = counts(db)
        answer = come_back(client, f"{BASE}/login/oidc/callback?code={stolen}&state={mine}")
        assert_refused(answer, "could not be trusted")
        assert counts(db) == before

    def test_an_unknown_person_when_self_registration_is_off(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        feide_user(provider, "sub-per", "per@uni.example", "per@example.org")
        before = counts(db)
        answer = sign_in(client, provider, "sub-per")
        assert_refused(answer, "Maturity has no account for you")
        assert "per@uni.example" in answer.text  # type: ignore[attr-defined]
        assert "strategi@example.org" in answer.text  # type: ignore[attr-defined]  # whom to contact
        assert counts(db) == before

    def test_the_refusal_is_in_the_readers_language(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User
    ) -> None:
        feide_user(provider, "sub-per", "per@uni.example", "per@example.org")
        back = provider.authorize(start(client), "sub-per")
        parts = urlsplit(back)
        page = client.get(f"{parts.path}?{parts.query}", headers={"accept-language": "nb"})
        assert "Du er ikke logget inn" in page.text

    def test_a_deactivated_person(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, session: Session, db: Database
    ) -> None:
        staff_member.is_active = False
        session.add(staff_member)
        session.commit()
        feide_user(provider, "sub-kari", "kari@uni.example", "kari@example.org")
        before = counts(db)
        assert_refused(sign_in(client, provider, "sub-kari"), "deactivated")
        assert counts(db) == before

    def test_cancelled_at_the_provider(
        self, client: TestClient[Litestar], provider: Provider, staff_member: User, db: Database
    ) -> None:
        import httpx

        denied = httpx.post(start(client), data={"action": "deny"}, follow_redirects=False).headers["location"]
        before = counts(db)
        assert_refused(come_back(client, denied), "cancelled")
        assert counts(db) == before


class TestPasswordLogin:
    def test_it_can_be_turned_off_except_for_break_glass_accounts(
        self, client: TestClient[Litestar], settings: Settings, session: Session, org: Org
    ) -> None:
        client.app.state.settings = settings.with_(password_login=False)
        make_user(session, "ordinary@example.org")
        rescue = make_user(session, "rescue@example.org", office=True)
        rescue.break_glass = True
        session.commit()
        page = client.get("/login", headers={"accept-language": "en"}).text
        assert 'name="password"' not in page
        assert "Emergency login with a password" in page

        def try_(email: str) -> int:
            token = csrf_token(client, "/login?password=1")
            data = {"email": email, "password": "correct horse battery", "_csrf_token": token}
            return client.post("/login", data=data, follow_redirects=False).status_code

        assert try_("ordinary@example.org") == 401
        assert try_("rescue@example.org") == 303
