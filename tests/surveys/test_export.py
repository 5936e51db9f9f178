"""The survey data export: long format, no identifiers, small cells left out, a complete codebook."""

import csv
import io
import random
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from maturity.audit.models import AuditEvent
from maturity.auth.models import User
from maturity.db import Database, utcnow
from surveys.answering import open_response, save_answer, submit
from surveys.export import CODEBOOK_COLUMNS, RESPONSE_COLUMNS, export_round, suppress
from surveys.invitations import Invitee, invite
from surveys.models import Invitation, Question, Response, Survey, SurveyRound
from surveys.rounds import create_round
from tests.factories import csrf_token, login
from tests.surveys.conftest import ACTOR

SECRET = "test-secret-" + "x" * 30
ANSWERS = {"D1-L": ["3"], "D1-Q1": ["4"], "D1-Q2": ["na"], "D2-L": ["5"], "B-TOOLS": ["canvas", "teams"]}
ANSWERS_WITH_TEXT = {**ANSWERS, "B-HOURS": ["7,5"], "B-TEXT": ["Færre skjema; mer tid"]}

# (unit, group, submitted responses) with k = 3: SEC-A2X/academic is below k; DEP-A2/admin and
# DEP-A1/academic must go too, or the totals of DEP-A2 and of FAC-A's academics would give it away,
# and then DEP-A1/admin, or DEP-A1's admins with its ungrouped three would give DEP-A1/academic away
# (DEP-A1's total less them). Only DEP-A1's respondents without a group (four) are left.
CELLS = [
    ("DEP-A1", "academic", 3),
    ("DEP-A1", "admin", 3),
    ("DEP-A1", None, 4),
    ("DEP-A2", "admin", 3),
    ("SEC-A2X", "academic", 1),
]


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


@pytest.fixture
def k3_round(session: Session, survey: Survey) -> SurveyRound:
    now = utcnow()
    survey_round = create_round(
        session,
        survey,
        name_nb="Runde k3",
        name_en="Round k3",
        period_label="2025",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
        unit_codes=["FAC-A"],
        min_group_size=3,
        actor=ACTOR,
    )
    invitees = [
        Invitee(f"{unit}-{group}-{n}@example.org".lower(), unit, group)
        for unit, group, count in CELLS
        for n in range(count)
    ]
    invitees.append(Invitee("draft@example.org", "DEP-A1", "admin"))
    issued = invite(session, survey_round, invitees, actor=ACTOR)
    questions = {q.code: q for q in session.execute(select(Question)).scalars()}
    for invitation, token in issued:
        r = open_response(session, token, secret=SECRET, now=utcnow())
        answers = ANSWERS_WITH_TEXT if invitation.email.startswith("dep-a1-none-0") else ANSWERS
        for code, values in answers.items():
            save_answer(session, r, questions[code], values, now=utcnow())
        if invitation.email != "draft@example.org":
            submit(session, r, now=utcnow())
    session.commit()
    return survey_round


class TestDisclosure:
    def test_cells_below_k_and_those_a_total_would_give_away_are_left_out(self) -> None:
        parents = {1: None, 2: 1, 3: 2, 4: 2, 5: 4}  # UNI → FAC-A → (DEP-A1, DEP-A2 → SEC-A2X)
        counts = {(3, 10): 3, (3, 11): 3, (4, 11): 3, (5, 10): 1}
        found = suppress(counts, parents, 3)
        assert found.below_k == {(5, 10)}
        # SEC-A2X's 1 in group 10 is FAC-A's group 10 less DEP-A1's and DEP-A2's own: DEP-A1's (3, 10)
        # goes; then DEP-A1's total less its group 11 would give (3, 10) back, so (3, 11) goes too, and
        # FAC-A's group 11 less (3, 11) would give DEP-A2's (4, 11): that goes as well.
        assert found.complementary == {(4, 11), (3, 10), (3, 11)}

    def test_nothing_is_left_out_when_every_cell_is_large_enough(self) -> None:
        found = suppress({(3, 10): 5, (4, 10): 5}, {3: None, 4: None}, 5)
        assert found.left_out == frozenset()

    def test_two_small_cells_that_together_reach_k_protect_each_other(self) -> None:
        parents = {1: None, 2: 1, 3: 1}
        found = suppress({(2, None): 2, (3, None): 2, (1, None): 9}, parents, 3)
        assert found.below_k == {(2, None), (3, None)}
        assert found.complementary == frozenset()


class TestExport:
    def test_long_format_without_identifiers_and_without_small_cells(
        self, session: Session, k3_round: SurveyRound
    ) -> None:
        exported = export_round(session, k3_round, rng=random.Random(7))
        data = rows(exported.responses_csv)
        assert exported.responses_csv.splitlines()[0] == ";".join(RESPONSE_COLUMNS)
        assert exported.respondents == 4  # only DEP-A1 without a group is left, and only the submitted responses
        assert {(r["unit"], r["group"]) for r in data} == {("DEP-A1", "")}
        assert sorted({int(r["respondent"]) for r in data}) == [1, 2, 3, 4]
        numbers = [int(r["respondent"]) for r in data]
        assert numbers == sorted(numbers)

        by_question = [r for r in data if r["respondent"] == data[0]["respondent"]]
        assert [r["question"] for r in by_question][:4] == ["D1-L", "D1-Q1", "D1-Q2", "D2-L"]  # survey order
        level = next(r for r in data if r["question"] == "D1-L")
        assert (level["value"], level["score"], level["not_applicable"]) == ("3", "50", "0")
        na = next(r for r in data if r["question"] == "D1-Q2")
        assert (na["value"], na["score"], na["not_applicable"]) == ("", "", "1")
        assert next(r for r in data if r["question"] == "B-TOOLS")["value"] == "canvas|teams"
        assert next(r for r in data if r["question"] == "B-HOURS")["value"] == "7.5"
        assert next(r for r in data if r["question"] == "B-TEXT")["value"] == "Færre skjema; mer tid"
        assert len(data) == 4 * len(ANSWERS) + 2

        # no identifier of any kind: ids, e-mail addresses, link hashes, times
        everything = exported.responses_csv + exported.codebook_csv + exported.codebook_notes
        assert "@" not in everything
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}", everything)
        for response in session.execute(select(Response)).scalars():
            assert response.resume_hash not in everything
        for token_hash in session.execute(select(Invitation.token_hash)).scalars():
            assert token_hash not in everything

    def test_respondent_numbers_are_drawn_afresh_in_each_export(self, session: Session, k3_round: SurveyRound) -> None:
        # the respondent who answered B-HOURS gets other numbers in other exports
        placements = set()
        for seed in range(8):
            data = rows(export_round(session, k3_round, rng=random.Random(seed)).responses_csv)
            placements.add(next(r["respondent"] for r in data if r["question"] == "B-HOURS"))
        assert len(placements) > 1

    def test_the_codebook_has_every_question_and_says_how_many_cells_were_left_out(
        self, session: Session, k3_round: SurveyRound
    ) -> None:
        exported = export_round(session, k3_round)
        book = rows(exported.codebook_csv)
        assert list(book[0]) == CODEBOOK_COLUMNS
        codes = [q.code for q in session.execute(select(Question).order_by(col(Question.id))).scalars()]
        assert sorted(r["code"] for r in book) == sorted(codes)
        entry = {r["code"]: r for r in book}
        assert entry["D1-L"]["kind"] == "level"
        assert entry["D1-L"]["dimension"] == "D1"
        assert entry["D1-L"]["values"].startswith("1=Nivå 1/Level 1|2=Nivå 2/Level 2")
        assert entry["D1-L"]["scoring"] == "(value - 1) * 25"
        assert entry["D1-Q1"]["values"].startswith("1=Helt uenig/Strongly disagree")
        assert (entry["D1-Q2"]["reverse"], entry["D1-Q2"]["scoring"]) == ("1", "100 - (value - 1) * 25")
        assert entry["D1-Q1"]["required"] == "1"
        assert entry["D1-Q1"]["text_nb"] == "Enig?"
        assert entry["D1-Q1"]["text_en"] == "Agree?"
        assert entry["D2-L"]["page"] == "2"
        assert entry["B-ROLE"]["values"] == "academic=Vitenskapelig/Academic|admin=Administrativ/Administrative"
        assert entry["B-HOURS"]["values"] == "number from 0 to 60"
        assert entry["B-TEXT"]["scoring"] == "not scored"
        notes = exported.codebook_notes
        assert "Minimum group size k: 3" in notes
        assert "fewer than k submitted responses: 1\n" in notes
        assert "cannot be worked out from totals shown elsewhere: 3\n" in notes
        assert "Submitted responses left out in all: 10\n" in notes
        assert "SEC-A2X" not in notes


class TestExportDownloads:
    def test_the_office_downloads_a_zip_and_the_export_is_audited(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], k3_round: SurveyRound
    ) -> None:
        login(client, "office@example.org")
        page = client.get(f"/surveys/rounds/{k3_round.id}", headers={"accept-language": "en"})
        assert "Download the answers and codebook" in page.text
        csrf = csrf_token(client, f"/surveys/rounds/{k3_round.id}")
        download = client.post(f"/surveys/rounds/{k3_round.id}/export", data={"_csrf_token": csrf})
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/zip"
        assert "attachment" in download.headers["content-disposition"]
        archive = zipfile.ZipFile(io.BytesIO(download.content))
        assert sorted(archive.namelist()) == ["codebook.csv", "codebook.txt", "responses.csv"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert len({r["respondent"] for r in rows(archive.read("responses.csv").decode("utf-8"))}) == 4
        session.expire_all()
        events = session.execute(select(AuditEvent).where(col(AuditEvent.action) == "export")).scalars().all()
        assert len(events) == 1

    def test_leaders_cannot_export(
        self, client: TestClient[Litestar], people: dict[str, User], k3_round: SurveyRound
    ) -> None:
        login(client, "leader@example.org")
        page = client.get(f"/surveys/rounds/{k3_round.id}", headers={"accept-language": "en"})
        assert "Download the answers" not in page.text
        csrf = csrf_token(client, f"/surveys/rounds/{k3_round.id}")
        assert client.post(f"/surveys/rounds/{k3_round.id}/export", data={"_csrf_token": csrf}).status_code == 403

    def test_the_command_writes_the_files(self, db: Database, k3_round: SurveyRound, tmp_path: Path) -> None:
        from maturity.cli import main
        from surveys.cli import survey

        main.add_command(survey)
        env = {
            "MATURITY_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "MATURITY_MODE": "development",
        }
        out = tmp_path / "export"
        result = CliRunner().invoke(main, ["survey", "export-responses", str(k3_round.id), "--out", str(out)], env=env)
        assert result.exit_code == 0, result.output
        assert f"Round {k3_round.id}: 4 respondents written to {out}." in result.output
        assert sorted(p.name for p in out.iterdir()) == ["codebook.csv", "codebook.txt", "responses.csv"]
        assert rows((out / "responses.csv").read_text("utf-8"))[0]["unit"] == "DEP-A1"
