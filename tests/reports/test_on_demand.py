"""The current PDF one click away: the archived report while nothing it reads has changed, a new
one built and archived when something has; the archive's marks (current, out of date,
superseded); the verify page in a leader's words."""

import base64
import io
import json
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlmodel import Session, col

from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.score_cache import ScoreCache
from maturity.audit.services import Actor, record_event
from maturity.auth.models import User
from maturity.db import Database
from maturity.demo import DEMO_LOGO
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from reports.assembly import build_content
from reports.branding import Branding, load_branding
from reports.content import SNAPSHOT_VERSION, ReportContent, canonical_json, sha256_text
from reports.freshness import archive_marks, may_be_out_of_date
from reports.models import Report
from reports.narratives import save_narrative
from reports.pdf import RenderedPdf
from reports.rendering import render_print_html, render_report_pdf
from reports.services import current_report
from reports.shared_scoring import KeptScoring
from tests.factories import login
from tests.reports.freshness import age_writes

EVERYTHING = UnitScope(everything=True, roots=frozenset())


def unit(session: Session, code: str) -> OrgUnit:
    return session.execute(select(OrgUnit).where(col(OrgUnit.code) == code)).scalars().one()


def refuse(content: ReportContent) -> RenderedPdf:
    raise AssertionError(f"{content.unit.code} was rendered again")


def written_an_hour_ago(session: Session) -> None:
    """What the fixtures wrote, as if written an hour ago (out of the window in which a write may
    still have been committing while a report read its inputs)."""
    age_writes(session)
    session.commit()


def record(session: Session, code: str, value: float) -> None:
    checked = check_records(session, [RecordInput("KSUM", code, "2024", value=value, source="Register")], EVERYTHING)
    record_values(session, checked, Actor.system("test"), via="cli")
    session.commit()


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def build(session: Session, storage: Path, code: str = "DEP-A1") -> Report:
    report = current_report(session, storage, unit(session, code), "2024", "nb", generated_by="test")
    session.commit()
    return report


class TestCurrentReport:
    def test_it_is_built_once_and_then_served_from_the_archive(
        self, session: Session, records: None, storage: Path
    ) -> None:
        first = build(session, storage)
        assert (storage / first.file_path).is_file()
        written_an_hour_ago(session)
        session.refresh(first)
        confirmed = first.confirmed_at
        again = current_report(session, storage, unit(session, "DEP-A1"), "2024", "nb", generated_by="t", render=refuse)
        assert again.id == first.id
        assert again.confirmed_at == confirmed  # served without building the report object again
        assert archive_marks(session, [first]) == {first.id: "current"}

    def test_a_narrative_change_builds_a_new_one_and_the_old_is_superseded(
        self, session: Session, records: None, storage: Path
    ) -> None:
        first = build(session, storage)
        written_an_hour_ago(session)
        save_narrative(session, unit(session, "DEP-A1"), "2024", "Et godt år for instituttet.", Actor.system("t"))
        session.commit()
        session.refresh(first)
        assert archive_marks(session, [first]) == {first.id: "out_of_date"}
        second = build(session, storage)
        assert second.id != first.id
        assert archive_marks(session, [first, second]) == {first.id: "superseded", second.id: "current"}
        assert "Et godt år for instituttet." in pdf_text((storage / second.file_path).read_bytes())
        assert "Et godt år" not in pdf_text((storage / first.file_path).read_bytes())

    def test_a_value_of_the_unit_makes_it_out_of_date_and_one_of_another_faculty_does_not(
        self, session: Session, records: None, storage: Path
    ) -> None:
        first = build(session, storage)
        written_an_hour_ago(session)
        record(session, "DEP-B1", 101)  # another faculty: not in DEP-A1's report
        session.refresh(first)
        assert archive_marks(session, [first]) == {first.id: "current"}
        served = current_report(
            session, storage, unit(session, "DEP-A1"), "2024", "nb", generated_by="t", render=refuse
        )
        assert served.id == first.id

        record(session, "DEP-A1", 27)
        assert archive_marks(session, [first]) == {first.id: "out_of_date"}
        second = build(session, storage)
        assert second.id != first.id
        assert "27,0" in pdf_text((storage / second.file_path).read_bytes())

    def test_a_write_that_changes_nothing_in_it_is_checked_and_the_stored_one_confirmed(
        self, session: Session, records: None, storage: Path
    ) -> None:
        first = build(session, storage)
        written_an_hour_ago(session)
        session.refresh(first)
        before = first.confirmed_at
        record_event(session, Actor.system("t"), "update", object_type="survey", object_id=1, label="x")
        session.commit()
        assert may_be_out_of_date(session, first)
        served = current_report(
            session, storage, unit(session, "DEP-A1"), "2024", "nb", generated_by="t", render=refuse
        )
        session.commit()
        assert served.id == first.id
        assert served.confirmed_at > before  # the snapshot was built again, found the same, and confirmed
        assert len(session.execute(select(Report)).scalars().all()) == 1

    def test_a_missing_file_is_built_again(self, session: Session, records: None, storage: Path) -> None:
        first = build(session, storage)
        written_an_hour_ago(session)
        (storage / first.file_path).unlink()
        second = build(session, storage)
        assert (storage / second.file_path).is_file()


class TestKeptScores:
    def test_a_report_on_kept_scores_is_the_one_scored_afresh_and_a_write_is_seen(
        self, db: Database, session: Session, records: None, storage: Path
    ) -> None:
        cache = ScoreCache(db)
        assert cache.enabled

        def both() -> tuple[str, str]:
            kept = build_content(session, unit(session, "DEP-A1"), "2024", "nb", KeptScoring(cache), Branding())
            fresh = build_content(session, unit(session, "DEP-A1"), "2024", "nb", branding=Branding())
            return canonical_json(kept), canonical_json(fresh)

        kept, fresh = both()
        assert kept == fresh
        assert len(cache._entries) == 2  # the period's scores and its series, kept
        save_narrative(session, unit(session, "DEP-A1"), "2024", "Et godt år for instituttet.", Actor.system("t"))
        session.commit()
        with_narrative, fresh = both()
        assert with_narrative == fresh
        assert "Et godt år for instituttet." in with_narrative
        record(session, "DEP-A1", 27)
        after, fresh = both()
        assert after == fresh
        assert after != with_narrative


class TestDownload:
    def test_a_leader_gets_the_current_pdf_of_their_unit_and_nothing_outside(
        self, client: TestClient[Litestar], people: dict[str, User], records: None, session: Session
    ) -> None:
        login(client, "leader@example.org")
        page = client.get("/reports/view", params={"unit": "DEP-A1", "period": "2024", "lang": "nb"})
        assert "/reports/pdf?unit=DEP-A1&amp;period=2024&amp;lang=nb" in page.text
        assert "Last ned PDF" in page.text

        first = client.get("/reports/pdf", params={"unit": "DEP-A1", "period": "2024", "lang": "nb"})
        assert first.status_code == 200
        assert first.headers["content-type"] == "application/pdf"
        assert 'filename="DEP-A1-2024-nb.pdf"' in first.headers["content-disposition"]
        assert "Institutt A1" in pdf_text(first.content)
        stored = session.execute(select(Report)).scalars().all()
        assert [(r.period, r.language) for r in stored] == [("2024", "nb")]

        again = client.get("/reports/pdf", params={"unit": "DEP-A1", "period": "2024", "lang": "nb"})
        assert again.content == first.content
        assert len(session.execute(select(Report)).scalars().all()) == 1

        for params in (
            {"unit": "DEP-B1", "period": "2024", "lang": "nb"},
            {"unit": "NOPE", "period": "2024", "lang": "nb"},
            {"unit": "DEP-A1", "period": "sometime", "lang": "nb"},
            {"unit": "DEP-A1", "period": "2024", "lang": "de"},
        ):
            assert client.get("/reports/pdf", params=params).status_code == 404, params
        assert len(session.execute(select(Report)).scalars().all()) == 1


class TestArchivePages:
    @pytest.mark.parametrize("htmx", [False, True])
    def test_the_archive_and_verify_page_say_which_report_is_current_in_plain_words(
        self,
        client: TestClient[Litestar],
        people: dict[str, User],
        records: None,
        session: Session,
        storage: Path,
        htmx: bool,
    ) -> None:
        first = build(session, storage)
        written_an_hour_ago(session)
        save_narrative(session, unit(session, "DEP-A1"), "2024", "Ny tekst.", Actor.system("t"))
        session.commit()
        second = build(session, storage)
        headers = {"accept-language": "nb", **({"HX-Request": "true"} if htmx else {})}

        login(client, "leader@example.org")
        archive = client.get("/reports/", headers={"accept-language": "nb"})
        assert "Gjeldende" in archive.text
        assert "Erstattet av en nyere versjon" in archive.text

        old = client.get(f"/reports/{first.id}/verify", headers=headers)
        assert old.status_code == 200
        assert "Dette er rapporten slik Maturity laget den" in old.text
        assert "En nyere versjon av denne rapporten er laget" in old.text
        assert "/reports/pdf?unit=DEP-A1" in old.text
        for technical in ("SHA-256", "maturity reports verify", first.pdf_sha256):
            assert technical not in old.text
        current = client.get(f"/reports/{second.id}/verify", headers=headers)
        assert "Den viser dataene slik de er nå." in current.text

        login(client, "office@example.org")
        office = client.get(f"/reports/{second.id}/verify", headers=headers)
        assert "Tekniske detaljer" in office.text
        assert second.pdf_sha256 in office.text


def test_a_report_made_by_an_earlier_version_is_marked_so_and_built_anew(
    session: Session, records: None, storage: Path
) -> None:
    first = build(session, storage)
    written_an_hour_ago(session)
    old = json.loads(first.snapshot)
    old["schema_version"] = SNAPSHOT_VERSION - 1
    first.snapshot = json.dumps(old, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    first.snapshot_sha256 = sha256_text(first.snapshot)
    session.commit()
    assert archive_marks(session, [first]) == {first.id: "earlier_version"}
    second = build(session, storage)
    assert second.id != first.id
    assert archive_marks(session, [first, second]) == {first.id: "superseded", second.id: "current"}


def test_the_cover_carries_the_configured_institution_and_logo(session: Session, records: None) -> None:
    plain = build_content(session, unit(session, "DEP-A1"), "2024", "nb", branding=Branding())
    assert (plain.institution_name, plain.logo) == ("Universitetet", None)  # the top unit's name
    branded = build_content(
        session, unit(session, "DEP-A1"), "2024", "en", branding=load_branding("Høgskolen i Demo", str(DEMO_LOGO))
    )
    assert branded.institution_name == "Høgskolen i Demo"
    assert branded.logo is not None
    assert base64.b64decode(branded.logo.removeprefix("data:image/svg+xml;base64,")) == DEMO_LOGO.read_bytes()
    data = render_report_pdf(branded).data
    cover = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Høgskolen i Demo" in cover
    assert "Logo of Høgskolen i Demo" in render_print_html(branded)
