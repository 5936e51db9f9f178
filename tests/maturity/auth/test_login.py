"""Logging in and out through HTTP, as a browser without JavaScript does."""

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from maturity.auth.models import User, UserSession
from tests.factories import PASSWORD, csrf_token, login


class TestLogin:
    def test_the_login_form_works_without_javascript(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        page = client.get("/login")
        assert page.status_code == 200
        assert '<form method="post" action="/login"' in page.text
        assert 'name="_csrf_token"' in page.text
        token = csrf_token(client)

        response = client.post(
            "/login", data={"email": "staff@example.org", "password": PASSWORD, "_csrf_token": token}
        )

        assert response.status_code == 200  # after following the 303 to the front page
        assert "Staff" in response.text
        assert 'action="/logout"' in response.text

    def test_the_page_asked_for_before_login_is_where_login_leads(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        page = client.get("/login?next=/my-surveys")
        assert page.text.count('name="next" value="/my-surveys"') >= 1
        token = csrf_token(client)

        response = client.post(
            "/login",
            data={"email": "staff@example.org", "password": PASSWORD, "next": "/my-surveys", "_csrf_token": token},
            follow_redirects=False,
        )

        assert response.headers["location"] == "/my-surveys"

    def test_a_next_pointing_elsewhere_is_dropped(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        page = client.get("/login?next=https://evil.example/")
        assert "evil.example" not in page.text

    def test_it_sets_a_strict_session_cookie(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        response = client.post(
            "/login",
            data={"email": "staff@example.org", "password": PASSWORD, "_csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("maturity_session="))
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert response.headers["location"] == "/"

    def test_the_email_is_case_insensitive(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, "  Staff@Example.ORG ")
        assert client.get("/my-unit", follow_redirects=False).status_code == 303

    def test_a_wrong_password_is_refused_and_says_so(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        response = client.post(
            "/login",
            data={"email": "staff@example.org", "password": "wrong password", "_csrf_token": csrf_token(client)},
            headers={"accept-language": "en"},
        )
        assert response.status_code == 401
        assert "The e-mail address or the password is wrong." in response.text
        assert 'value="staff@example.org"' in response.text  # the address is kept, the password not
        assert "maturity_session" not in response.headers.get("set-cookie", "")

    def test_an_unknown_address_gets_the_same_answer(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        response = client.post(
            "/login",
            data={"email": "nobody@example.org", "password": PASSWORD, "_csrf_token": csrf_token(client)},
            headers={"accept-language": "en"},
        )
        assert response.status_code == 401
        assert "The e-mail address or the password is wrong." in response.text

    def test_an_inactive_user_cannot_log_in(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User]
    ) -> None:
        user = session.get_one(User, people["staff"].id)
        user.is_active = False
        session.commit()
        response = client.post(
            "/login", data={"email": "staff@example.org", "password": PASSWORD, "_csrf_token": csrf_token(client)}
        )
        assert response.status_code == 401

    def test_next_goes_back_to_a_local_page_only(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        token = csrf_token(client)
        inside = client.post(
            "/login",
            data={"email": "office@example.org", "password": PASSWORD, "next": "/users", "_csrf_token": token},
            follow_redirects=False,
        )
        assert inside.headers["location"] == "/users"
        client.cookies.clear()
        outside = client.post(
            "/login",
            data={
                "email": "office@example.org",
                "password": PASSWORD,
                "next": "//evil.example/x",
                "_csrf_token": csrf_token(client),
            },
            follow_redirects=False,
        )
        assert outside.headers["location"] == "/"


class TestRateLimit:
    def test_the_sixth_attempt_within_the_window_is_refused_even_with_the_right_password(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        token = csrf_token(client)
        statuses = [
            client.post(
                "/login", data={"email": "staff@example.org", "password": f"wrong-{i}", "_csrf_token": token}
            ).status_code
            for i in range(5)
        ]
        assert statuses == [401] * 5

        blocked = client.post(
            "/login",
            data={"email": "staff@example.org", "password": PASSWORD, "_csrf_token": token},
            headers={"accept-language": "en"},
        )

        assert blocked.status_code == 429
        assert "Too many failed attempts" in blocked.text
        assert "maturity_session" not in blocked.headers.get("set-cookie", "")

    def test_failures_against_other_addresses_from_one_client_count_too(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        token = csrf_token(client)
        for i in range(5):
            client.post("/login", data={"email": f"guess{i}@example.org", "password": "x", "_csrf_token": token})
        blocked = client.post("/login", data={"email": "staff@example.org", "password": PASSWORD, "_csrf_token": token})
        assert blocked.status_code == 429


class TestLogout:
    def test_it_ends_the_session_on_the_server(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User]
    ) -> None:
        login(client, "staff@example.org")
        old_cookie = client.cookies.get("maturity_session")
        token = csrf_token(client, "/")

        response = client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        assert session.execute(select(func.count()).select_from(UserSession)).scalar_one() == 0
        client.cookies.clear()
        client.cookies.set("maturity_session", old_cookie or "")
        assert client.get("/units", follow_redirects=False).headers["location"].startswith("/login")

    def test_logout_needs_a_csrf_token(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, "staff@example.org")
        assert client.post("/logout", follow_redirects=False).status_code == 403


class TestSessionRotation:
    def test_logging_in_replaces_the_session_id_and_drops_the_old_one(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User]
    ) -> None:
        login(client, "staff@example.org")
        first = client.cookies.get("maturity_session")

        login(client, "leader@example.org")
        second = client.cookies.get("maturity_session")

        assert first
        assert second
        assert first != second
        assert session.execute(select(func.count()).select_from(UserSession)).scalar_one() == 1
        client.cookies.clear()
        client.cookies.set("maturity_session", first)
        assert client.get("/units", follow_redirects=False).status_code == 303  # the old id is dead

    def test_a_session_id_planted_before_login_is_not_kept(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        client.cookies.set("maturity_session", "planted-by-attacker")
        response = client.post(
            "/login",
            data={"email": "staff@example.org", "password": PASSWORD, "_csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        issued = next(c for c in response.headers.get_list("set-cookie") if c.startswith("maturity_session="))
        assert issued.split(";")[0].split("=", 1)[1] not in ("", "planted-by-attacker")


class TestCsrf:
    def test_a_post_without_token_is_refused_and_changes_nothing(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User]
    ) -> None:
        client.get("/login")  # the browser has the CSRF cookie, but the form lacks the field
        response = client.post(
            "/login", data={"email": "staff@example.org", "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 403
        assert session.execute(select(func.count()).select_from(UserSession)).scalar_one() == 0

    def test_htmx_sends_the_token_as_a_header(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        token = csrf_token(client)
        response = client.post(
            "/login",
            data={"email": "staff@example.org", "password": PASSWORD},
            headers={"x-csrftoken": token, "hx-request": "true"},
            follow_redirects=False,
        )
        assert response.status_code == 200
        assert response.headers["hx-redirect"] == "/"

    def test_a_forged_token_is_refused(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        client.get("/login")
        response = client.post(
            "/login",
            data={"email": "staff@example.org", "password": PASSWORD, "_csrf_token": "forged"},
            follow_redirects=False,
        )
        assert response.status_code == 403
