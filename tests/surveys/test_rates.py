"""Response rates: per unit subtree and per group, only for the reader's units, never who."""

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from maturity.auth.models import User
from maturity.db import utcnow
from surveys.answering import open_response, save_answer, submit
from surveys.models import SurveyRound
from tests.factories import csrf_token, login
from tests.surveys.test_services import question


@pytest.fixture
def answered(session: Session, tokens: list[str], settings: object) -> None:
    """DEP-A1 (academic) submitted; DEP-A2 (admin) started only."""
    secret = settings.secret_key  # type: ignore[attr-defined]  # the app's settings fixture
    first = open_response(session, tokens[0], secret=secret, now=utcnow())
    for code, value in (("D1-L", "3"), ("D1-Q1", "4"), ("D2-L", "2")):
        save_answer(session, first, question(session, code), [value], now=utcnow())
    submit(session, first, now=utcnow())
    open_response(session, tokens[1], secret=secret, now=utcnow())
    session.commit()


def rate_row(html: str, unit_name: str) -> str:
    """The unit's row of the rates table (the page also names units in the staff-list form)."""
    start = html.index(unit_name, html.index("<tbody"))
    return html[start : html.index("</tr>", start)]


class TestResponseRates:
    def test_a_leader_sees_counts_below_k_as_fewer_than_k_for_the_units_below_only(
        self,
        client: TestClient[Litestar],
        people: dict[str, User],
        open_round: SurveyRound,
        answered: None,
    ) -> None:
        login(client, "leader@example.org")
        page = client.get(f"/surveys/rounds/{open_round.id}", headers={"accept-language": "en"})
        assert page.status_code == 200
        faculty = rate_row(page.text, "Faculty A")
        # FAC-A's subtree: 1 submitted (below k = 5) of 79 people (5 + 40 + 30 + 4), 1 started
        assert '<td class="num">fewer than 5</td>' in faculty
        assert '<td class="num">79</td>' in faculty
        assert '<td class="num">–</td>' in faculty  # no rate: it would give the count away
        assert "1%" not in faculty
        assert '<td class="num">1</td>' in faculty  # started, not submitted
        assert "Faculty B" not in page.text
        assert "a@example.org" not in page.text
        assert "b@example.org" not in page.text

    def test_the_strategy_office_sees_exact_counts_as_bars_and_only_the_rounds_units(
        self,
        client: TestClient[Litestar],
        session: Session,
        people: dict[str, User],
        open_round: SurveyRound,
        answered: None,
    ) -> None:
        login(client, "office@example.org")
        page = client.get(f"/surveys/rounds/{open_round.id}", headers={"accept-language": "en"}).text
        faculty = rate_row(page, "Faculty A")
        assert '<td class="num">1</td>' in faculty
        assert '<td class="num">79</td>' in faculty
        assert "1%" in faculty
        assert "Started, not submitted" in page
        # the round is for FAC-A: the university and FAC-B are not its units
        assert "Faculty B" not in page
        assert "Department B1" not in page
        assert ">The University<" not in page
        # the bars: one chart of the rates, its words in the alt text
        bars = re.search(r'<span class="chart chart-svg" role="img" aria-label="([^"]+)"><svg', page)
        assert bars is not None
        assert "Faculty A: 1% (1 of 79)" in bars.group(1)
        assert "Department A2: 0% (0 of 34)" in bars.group(1)
        # unless the round says otherwise
        open_round.office_exact_counts = False
        session.add(open_round)
        session.commit()
        page = client.get(f"/surveys/rounds/{open_round.id}", headers={"accept-language": "nb"}).text
        assert '<td class="num">færre enn 5</td>' in rate_row(page, "Fakultet A")
        bars = re.search(r'role="img" aria-label="([^"]+)"><svg', page)
        assert bars is not None
        assert "Fakultet A: færre enn 5 svar" in bars.group(1)

    def test_the_leaders_bars_say_fewer_than_k(
        self,
        client: TestClient[Litestar],
        people: dict[str, User],
        open_round: SurveyRound,
        answered: None,
    ) -> None:
        login(client, "leader@example.org")
        page = client.get(f"/surveys/rounds/{open_round.id}", headers={"accept-language": "nb"}).text
        bars = re.search(r'role="img" aria-label="([^"]+)"><svg', page)
        assert bars is not None
        assert "Fakultet A: færre enn 5 svar" in bars.group(1)
        assert "(1 av 79)" not in page

    def test_htmx_polling_gets_the_table_only(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound, answered: None
    ) -> None:
        login(client, "office@example.org")
        fragment = client.get(f"/surveys/rounds/{open_round.id}", headers={"hx-request": "true"})
        assert fragment.headers["vary"] == "HX-Request"
        assert "<html" not in fragment.text
        assert "<table" in fragment.text

    def test_staff_cannot_see_rates(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound
    ) -> None:
        login(client, "staff@example.org")
        assert client.get(f"/surveys/rounds/{open_round.id}").status_code == 403
        assert client.get("/surveys").status_code == 403

    def test_the_rounds_list_shows_status_and_counts(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound, answered: None
    ) -> None:
        login(client, "office@example.org")
        page = client.get("/surveys", headers={"accept-language": "en"}).text
        assert "Round 1" in page
        assert "open" in page


class TestInvitingStaff:
    def test_a_staff_list_gives_links_once_and_sends_mail_to_the_outbox(
        self,
        session: Session,
        people: dict[str, User],
        open_round: SurveyRound,
        settings: object,
        db: object,
        tmp_path: object,
    ) -> None:
        from pathlib import Path

        from maturity.app import create_app
        from surveys.models import Invitation

        outbox = Path(str(tmp_path)) / "outbox"
        app = create_app(settings.with_(mail_outbox=outbox), db=db)  # type: ignore[attr-defined]
        with TestClient(app, base_url="http://testserver.local") as client:
            login(client, "office@example.org")
            csrf = csrf_token(client, f"/surveys/rounds/{open_round.id}")
            staff = "e-post;enhet;gruppe\nny1@example.org;DEP-A1;academic\nny2@example.org;SEC-A2X;\n"
            response = client.post(
                f"/surveys/rounds/{open_round.id}/invitations",
                files={"file": ("staff.csv", staff.encode("utf-8"), "text/csv")},
                data={"send": "1", "_csrf_token": csrf},
            )
            assert response.status_code == 200
            lines = response.content.decode("utf-8-sig").splitlines()
            assert lines[0] == "email;unit;group;link"
            assert lines[1].startswith("ny1@example.org;DEP-A1;academic;http://127.0.0.1:8000/s/")
            link = lines[1].rsplit(";", 1)[1]
            assert client.get(link.replace("http://127.0.0.1:8000", "")).status_code == 200
            assert app.state.queue.wait_idle(60)  # the mails go out in the background
            mails = sorted(outbox.glob("*.eml"))
            assert len(mails) == 2
            # Each mail carries a link of its own (only the file's link's hash is kept): it works too.
            mailed = {m.group(1) for m in re.finditer(r"http://127\.0\.0\.1:8000(/s/\S+)", mails[0].read_text())}
            assert len(mailed) == 1
            assert client.get(mailed.pop()).status_code == 200
            session.expire_all()
            assert all(session.execute(select(Invitation.sent_at)).scalars())
            session.expire_all()
            assert session.execute(select(func.count()).select_from(Invitation)).scalar_one() == 2

            bad = client.post(
                f"/surveys/rounds/{open_round.id}/invitations",
                files={"file": ("staff.csv", b"email;unit\nx@example.org;DEP-B1\n", "text/csv")},
                data={"_csrf_token": csrf},
                headers={"accept-language": "en"},
            )
            assert bad.status_code == 422
            assert "Unknown unit DEP-B1." in bad.text  # outside the round's units
            session.expire_all()
            assert session.execute(select(func.count()).select_from(Invitation)).scalar_one() == 2

    def test_leaders_cannot_invite(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound
    ) -> None:
        login(client, "leader@example.org")
        # a plain form: the guard refuses before any upload would be read
        response = client.post(
            f"/surveys/rounds/{open_round.id}/invitations", data={"_csrf_token": csrf_token(client, "/")}
        )
        assert response.status_code == 403
