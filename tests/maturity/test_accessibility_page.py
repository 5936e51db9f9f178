"""The accessibility statement: linked from every page's footer, with the institution's
published statement and feedback address from the settings."""

import pytest
from litestar.testing import TestClient

from maturity.app import create_app
from maturity.auth.models import User
from maturity.db import Database
from maturity.settings import Settings, SettingsError
from tests.factories import login


def test_every_page_links_to_it_in_its_footer(client: TestClient, people: dict[str, User]) -> None:  # type: ignore[type-arg]
    for path in ("/", "/login", "/no-such-page"):
        page = client.get(path, headers={"accept-language": "nb"})
        footer = page.text[page.text.index('<footer class="site-footer">') :]
        assert 'href="/accessibility">Tilgjengelighetserklæring</a>' in footer
    login(client, "staff@example.org")
    footer = client.get("/my-surveys").text.split('<footer class="site-footer">')[1]
    assert 'href="/accessibility"' in footer


def test_it_is_open_to_everyone_in_both_languages(client: TestClient) -> None:  # type: ignore[type-arg]
    nb = client.get("/accessibility", headers={"accept-language": "nb"})
    assert nb.status_code == 200
    assert "<h1>Tilgjengelighetserklæring</h1>" in nb.text
    assert "WCAG 2.1" in nb.text
    assert "uutilsynet.no" in nb.text
    en = client.get("/accessibility", headers={"accept-language": "en"})
    assert "<h1>Accessibility statement</h1>" in en.text
    assert "Contact the strategy office of your institution." in en.text  # no address configured


def test_the_configured_statement_and_feedback_address_are_shown(settings: Settings, db: Database) -> None:
    configured = settings.with_(
        accessibility_statement_url="https://uustatus.no/nb/erklaringer/publisert/abc",
        accessibility_feedback="uu@example.org",
    )
    with TestClient(create_app(configured, db=db), base_url="http://testserver.local") as client:
        page = client.get("/accessibility", headers={"accept-language": "en"}).text
    assert 'href="https://uustatus.no/nb/erklaringer/publisert/abc"' in page
    assert 'href="mailto:uu@example.org">uu@example.org</a>' in page


@pytest.mark.parametrize(
    ("name", "value"),
    [("accessibility_statement_url", "uustatus.no/x"), ("accessibility_feedback", "not an address")],
)
def test_malformed_settings_are_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"MATURITY_{name.upper()}"):
        Settings.from_env({f"MATURITY_{name.upper()}": value, "MATURITY_MODE": "test"})
