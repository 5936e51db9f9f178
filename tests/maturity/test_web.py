"""The shell as a browser sees it: guards, unit scope, languages, headers, errors, health."""

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session

from maturity.app import create_app
from maturity.auth.models import User
from maturity.db import Database
from maturity.settings import Settings
from tests.factories import Org, csrf_token, login


def nav_labels(html: str) -> list[str]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    return re.findall(r">([^<>]+)</a>", nav.group(0)) if nav else []


class TestGuards:
    @pytest.mark.parametrize("path", ["/units", "/units/UNI", "/users", "/my-unit"])
    def test_anonymous_visitors_are_sent_to_the_login_page(
        self, client: TestClient[Litestar], org: Org, path: str
    ) -> None:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"

    def test_htmx_requests_are_told_to_go_to_the_login_page(self, client: TestClient[Litestar], org: Org) -> None:
        response = client.get("/units", headers={"hx-request": "true"}, follow_redirects=False)
        assert response.status_code == 200
        assert response.headers["hx-redirect"] == "/login?next=/units"

    @pytest.mark.parametrize(("who", "status"), [("staff", 403), ("leader", 403), ("office", 200)])
    def test_users_page_is_for_the_strategy_office(
        self, client: TestClient[Litestar], people: dict[str, User], who: str, status: int
    ) -> None:
        login(client, people[who].email)
        assert client.get("/users").status_code == status

    @pytest.mark.parametrize(("who", "status"), [("staff", 403), ("leader", 200), ("office", 200)])
    def test_the_unit_tree_is_for_leaders_and_the_strategy_office(
        self, client: TestClient[Litestar], people: dict[str, User], who: str, status: int
    ) -> None:
        login(client, people[who].email)
        assert client.get("/units").status_code == status if who != "staff" else True
        # staff have no "Units" entry but may open the page: it shows only their own unit
        if who == "staff":
            page = client.get("/units")
            assert page.status_code == 200
            assert re.findall(r'href="/units/([A-Z0-9-]+)"', page.text) == ["DEP-A1"]

    def test_staff_land_on_their_home_unit(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, "staff@example.org")
        response = client.get("/my-unit", follow_redirects=False)
        assert response.headers["location"] == "/units/DEP-A1"


class TestUnitScope:
    def test_a_faculty_leader_sees_the_faculty_and_everything_below(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        login(client, "leader@example.org")
        page = client.get("/units")
        assert sorted(re.findall(r'href="/units/([A-Z0-9-]+)"', page.text)) == ["DEP-A1", "DEP-A2", "FAC-A", "SEC-A2X"]
        for code in ("FAC-A", "DEP-A2", "SEC-A2X"):
            assert client.get(f"/units/{code}").status_code == 200

    @pytest.mark.parametrize("code", ["FAC-B", "DEP-B1", "UNI"])
    def test_anything_outside_is_not_found_not_forbidden(
        self, client: TestClient[Litestar], people: dict[str, User], code: str
    ) -> None:
        login(client, "leader@example.org")
        client.get("/")  # shows and clears the welcome message
        outside = client.get(f"/units/{code}")
        missing = client.get("/units/NO-SUCH-UNIT")
        assert outside.status_code == missing.status_code == 404
        # the answer is the same as for a unit that does not exist: nothing confirms it does
        assert outside.text.replace(code, "X") == missing.text.replace("NO-SUCH-UNIT", "X")

    def test_the_strategy_office_sees_every_unit(
        self, client: TestClient[Litestar], people: dict[str, User], org: Org
    ) -> None:
        login(client, "office@example.org")
        page = client.get("/units")
        assert len(re.findall(r'href="/units/([A-Z0-9-]+)"', page.text)) == len(org.units)

    def test_staff_see_only_their_home_unit(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, "staff@example.org")
        assert client.get("/units/DEP-A1").status_code == 200
        assert client.get("/units/FAC-A").status_code == 404

    def test_the_search_answers_htmx_with_the_list_only(
        self, client: TestClient[Litestar], people: dict[str, User]
    ) -> None:
        login(client, "office@example.org")
        full = client.get("/units?q=a2")
        fragment = client.get("/units?q=a2", headers={"hx-request": "true"})
        assert full.headers["vary"] == fragment.headers["vary"] == "HX-Request"
        assert "<html" in full.text
        assert "<html" not in fragment.text
        assert re.findall(r'href="/units/([A-Z0-9-]+)"', fragment.text) == ["DEP-A2", "SEC-A2X"]
        assert re.findall(r'href="/units/([A-Z0-9-]+)"', full.text) == ["DEP-A2", "SEC-A2X"]


class TestNavigationPerRole:
    def test_each_role_sees_its_own_navigation(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        expected = {
            "staff": ["Home", "My updates", "Courses of action", "My surveys", "My unit"],
            "leader": [
                "Home",
                "My updates",
                "Dashboard",
                "Strategy",
                "Courses of action",
                "KPIs",
                "Surveys",
                "My surveys",
                "Reports",
                "Units",
                "My unit",
            ],
            "office": [
                "Home",
                "My updates",
                "Dashboard",
                "Overview",
                "Strategy",
                "Courses of action",
                "KPIs",
                "Surveys",
                "My surveys",
                "Reports",
                "Units",
                "My unit",
                "Administration",
            ],
        }
        for who, labels in expected.items():
            client.cookies.clear()
            login(client, people[who].email)
            assert nav_labels(client.get("/", headers={"accept-language": "en"}).text) == labels

    def test_anonymous_visitors_get_no_navigation(self, client: TestClient[Litestar]) -> None:
        assert nav_labels(client.get("/").text) == []

    @pytest.mark.parametrize(("lang", "menu"), [("nb", "Meny"), ("en", "Menu")])
    def test_the_navigation_comes_after_the_header_tools_and_names_its_phone_menu(
        self, client: TestClient[Litestar], people: dict[str, User], lang: str, menu: str
    ) -> None:
        """The brand and the tools (language, log out) come first, as they are shown in the top
        row; the navigation under them carries the translated label of the Menu button that
        app.js adds on small screens, and the id of the list the button controls."""
        login(client, people["leader"].email)
        html = client.get("/", headers={"accept-language": lang}).text
        header = html[html.index('<header class="site-header">') : html.index("</header>")]
        assert header.index('class="brand"') < header.index('class="header-tools"') < header.index('class="main-nav"')
        assert f'id="main-nav" aria-label="{"Hovedmeny" if lang == "nb" else "Main navigation"}"' in header
        assert f'data-menu-text="{menu}"' in header
        assert '<ul id="main-nav-list">' in header


class TestLanguages:
    def test_the_default_is_norwegian_bokmal(self, client: TestClient[Litestar]) -> None:
        page = client.get("/login")
        assert '<html lang="nb">' in page.text
        assert "<h1>Logg inn</h1>" in page.text

    @pytest.mark.parametrize(
        ("header", "lang"),
        [
            ("en-GB,en;q=0.9", "en"),
            ("no", "nb"),
            ("nn-NO", "nb"),
            ("nb-NO,en;q=0.5", "nb"),
            ("de, en;q=0.3", "en"),
            ("fr", "nb"),
        ],
    )
    def test_the_browser_language_is_used_when_nothing_was_chosen(
        self, client: TestClient[Litestar], header: str, lang: str
    ) -> None:
        assert f'<html lang="{lang}">' in client.get("/login", headers={"accept-language": header}).text

    def test_the_language_switch_works_without_javascript(self, client: TestClient[Litestar]) -> None:
        token = csrf_token(client)
        response = client.post("/language", data={"locale": "en", "next": "/login", "_csrf_token": token})
        assert response.status_code == 200
        assert '<html lang="en">' in response.text
        assert "<h1>Log in</h1>" in response.text
        # the choice beats the browser's preference from now on
        assert '<html lang="en">' in client.get("/login", headers={"accept-language": "nb"}).text

    def test_a_logged_in_users_choice_is_remembered_on_the_account(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User]
    ) -> None:
        login(client, "staff@example.org")
        client.post("/language", data={"locale": "en", "next": "/", "_csrf_token": csrf_token(client, "/")})
        session.expire_all()
        user = session.execute(select(User).where(User.email == "staff@example.org")).scalars().one()
        assert user.locale == "en"
        client.cookies.delete("maturity_locale")
        assert '<html lang="en">' in client.get("/", headers={"accept-language": "nb"}).text

    def test_an_unknown_language_changes_nothing(self, client: TestClient[Litestar]) -> None:
        response = client.post("/language", data={"locale": "xx", "next": "/login", "_csrf_token": csrf_token(client)})
        assert '<html lang="nb">' in response.text

    def test_the_switch_does_not_redirect_off_site(self, client: TestClient[Litestar]) -> None:
        response = client.post(
            "/language",
            data={"locale": "en", "next": "https://evil.example/", "_csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


class TestSecurityHeaders:
    def test_every_page_carries_them(self, client: TestClient[Litestar]) -> None:
        for path in ("/", "/login", "/no-such-page", "/static/css/app.css"):
            headers = client.get(path).headers
            csp = headers["content-security-policy"]
            assert "script-src 'self'" in csp
            assert "unsafe-inline" not in csp
            assert "frame-ancestors 'none'" in csp
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "same-origin"

    def test_pages_have_no_inline_script_or_style(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, "office@example.org")
        for path in ("/", "/units", "/units/UNI", "/users", "/login"):
            html = client.get(path).text
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
            assert " style=" not in html, path
            assert "<style" not in html, path
            assert not re.search(r"\son[a-z]+=", html), path

    def test_htmx_is_served_from_our_static_folder(self, client: TestClient[Litestar]) -> None:
        page = client.get("/")
        src = re.search(r'<script src="([^"]*htmx[^"]*)"', page.text)
        assert src
        assert src.group(1) == "/static/vendor/htmx-2.0.10.min.js"
        script = client.get(src.group(1))
        assert script.status_code == 200
        assert 'version:"2.0.10"' in script.text

    def test_cookies_are_secure_when_configured(
        self, settings: Settings, db: Database, people: dict[str, User]
    ) -> None:
        with TestClient(
            create_app(settings.with_(secure_cookies=True), db=db), base_url="https://testserver.local"
        ) as c:
            response = c.post(
                "/login",
                data={"email": "staff@example.org", "password": "correct horse battery", "_csrf_token": csrf_token(c)},
                follow_redirects=False,
            )
            session_cookie = next(
                h for h in response.headers.get_list("set-cookie") if h.startswith("maturity_session=")
            )
            assert "Secure" in session_cookie
            assert "HttpOnly" in session_cookie
            assert "max-age=31536000" in response.headers["strict-transport-security"]


class TestErrorPages:
    @pytest.mark.parametrize(("lang", "text"), [("nb", "Fant ikke siden"), ("en", "Page not found")])
    def test_not_found_in_both_languages(self, client: TestClient[Litestar], lang: str, text: str) -> None:
        response = client.get("/nowhere", headers={"accept-language": lang})
        assert response.status_code == 404
        assert f'<html lang="{lang}">' in response.text
        assert text in response.text

    @pytest.mark.parametrize(("lang", "text"), [("nb", "Ikke tillatt"), ("en", "Not allowed")])
    def test_forbidden_in_both_languages(
        self, client: TestClient[Litestar], people: dict[str, User], lang: str, text: str
    ) -> None:
        login(client, "staff@example.org")
        response = client.get("/users", headers={"accept-language": lang})
        assert response.status_code == 403
        assert text in response.text

    @pytest.mark.parametrize(("lang", "text"), [("nb", "Midlertidig utilgjengelig"), ("en", "Briefly unavailable")])
    def test_a_database_failure_shows_our_page_and_no_details(
        self, settings: Settings, lang: str, text: str, tmp_path: object
    ) -> None:
        broken = Database.from_url("sqlite:////nonexistent-dir/db.sqlite")
        with TestClient(create_app(settings, db=broken), raise_server_exceptions=False) as c:
            c.cookies.set("maturity_session", "x")  # forces a database lookup
            response = c.get("/", headers={"accept-language": lang})
        assert response.status_code == 503  # the database cannot be reached: try again later
        assert text in response.text
        assert "Traceback" not in response.text
        assert "sqlite" not in response.text


class TestHealth:
    def test_it_checks_the_database(self, client: TestClient[Litestar]) -> None:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        assert response.headers["cache-control"] == "no-store"

    def test_it_says_when_the_database_is_unreachable(self, settings: Settings) -> None:
        broken = Database.from_url("sqlite:////nonexistent-dir/db.sqlite")
        with TestClient(create_app(settings, db=broken)) as c:
            response = c.get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"] == "unreachable"
