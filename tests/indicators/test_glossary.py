"""The glossary: the words of the figures in plain language, linked from the method details."""

from litestar import Litestar
from litestar.testing import TestClient

from tests.indicators.test_dashboard import leader, scored

__all__ = ["leader", "scored"]


def test_the_glossary_in_both_languages(client: TestClient[Litestar]) -> None:
    english = client.get("/glossary", headers={"accept-language": "en"})
    assert english.status_code == 200
    assert "<h1>Glossary</h1>" in english.text
    assert "130 % of the way to the target" in english.text
    norwegian = client.get("/glossary", headers={"accept-language": "nb"})
    assert "<h1>Ordliste</h1>" in norwegian.text
    assert '<dt id="score">Skår</dt>' in norwegian.text
    assert "Tempo" in norwegian.text


def test_the_dashboards_method_details_link_it(leader: TestClient[Litestar]) -> None:
    page = leader.get("/dashboard", params={"period": "2024"}, headers={"accept-language": "nb"})
    assert '<a href="/glossary">Hva ordene betyr</a>' in page.text
    assert "Poeng" not in page.text
