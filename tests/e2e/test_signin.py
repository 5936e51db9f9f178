"""Signing in with the OpenID provider in Chromium: the button, the provider's own login page,
and back into the app, signed in; then logging out of both."""

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import World, new_context
from tests.maturity.auth.oidc_provider import PROVIDER_WARNINGS

pytestmark = PROVIDER_WARNINGS
FEIDE_LOGIN = "https://n.feide.no/claims/eduPersonPrincipalName"


def test_a_staff_member_signs_in_through_the_providers_login_page(browser: Browser, world: World) -> None:
    assert world.provider is not None
    world.provider.set_user(
        "e2e-staff", {FEIDE_LOGIN: "staff@uni.example", "email": "staff@example.org", "name": "Staff Person"}
    )
    for javascript in (True, False):
        context = new_context(browser, world, javascript=javascript)
        page = context.new_page()
        page.goto("/login?next=/my-surveys")
        page.get_by_role("button", name="Log in with Feide").click()
        # The provider's own page: who signs in.
        page.wait_for_url(f"{world.provider.url}/**")
        page.get_by_placeholder("sub").fill("e2e-staff")
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{world.base_url}/my-surveys")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        # Logging out ends the provider's session too: its page asks, then sends us back.
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{world.provider.url}/**")
        context.close()
