"""Report pages through HTTP: the archive within scope, downloads, verification, the report on
screen, and the leader's narrative with its history."""

import json
import re
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from maturity.auth.models import User
from maturity.units.models import OrgUnit
from reports.content import SNAPSHOT_VERSION, from_snapshot, sha256_text, snapshot_version
from reports.models import NarrativeRevision, Report
from reports.services import build_report, verify_report
from tests.factories import csrf_token, login


@pytest.fixture
def stored(session: Session, records: None, storage: Path) -> dict[str, Report]:
    """One stored report in the leader's faculty (DEP-A1) and one outside it (DEP-B1)."""
    out = {}
    for code in ("DEP-A1", "DEP-B1"):
        unit = session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalars().one()
        outcome = build_report(session, storage, unit, "2024", "nb", generated_by="test")
        assert outcome.report_id is not None
        out[code] = session.get_one(Report, outcome.report_id)
    session.commit()
    return out


class TestArchive:
    def test_a_leader_lists_and_downloads_only_their_units_reports(
        self, client: TestClient[Litestar], people: dict[str, User], stored: dict[str, Report]
    ) -> None:
        login(client, "leader@example.org")
        page = client.get("/reports/")
        assert page.status_code == 200
        assert "Institutt A1" in page.text
        assert "Institutt B1" not in page.text

        own = client.get(f"/reports/{stored['DEP-A1'].id}/pdf")
        assert own.status_code == 200
        assert own.headers["content-type"] == "application/pdf"
        assert own.content.startswith(b"%PDF")

        other = client.get(f"/reports/{stored['DEP-B1'].id}/pdf")
        missing = client.get("/reports/999999/pdf")
        assert other.status_code == missing.status_code == 404
        # Nothing tells "exists elsewhere" from "does not exist" (the page differs only in its own path).
        assert other.text.replace(f"/reports/{stored['DEP-B1'].id}/", "/reports/N/") == missing.text.replace(
            "/reports/999999/", "/reports/N/"
        )
        assert client.get(f"/reports/{stored['DEP-B1'].id}/verify").status_code == 404

    def test_the_strategy_office_sees_every_report_and_verifies_one(
        self, client: TestClient[Litestar], people: dict[str, User], stored: dict[str, Report], storage: Path
    ) -> None:
        login(client, "office@example.org")
        page = client.get("/reports/", headers={"accept-language": "en"})
        assert "Department A1" in page.text
        assert "Department B1" in page.text
        assert client.get(f"/reports/{stored['DEP-B1'].id}/pdf").status_code == 200

        ok = client.get(f"/reports/{stored['DEP-A1'].id}/verify", headers={"accept-language": "en"})
        assert "This is the report as Maturity made it" in ok.text
        (storage / stored["DEP-A1"].file_path).write_bytes(b"%PDF-1.7 tampered")
        bad = client.get(f"/reports/{stored['DEP-A1'].id}/verify", headers={"accept-language": "en"})
        assert "This file is not the report as Maturity made it" in bad.text

    def test_a_report_of_an_earlier_snapshot_version_still_verifies_by_its_hashes(
        self,
        client: TestClient[Litestar],
        people: dict[str, User],
        stored: dict[str, Report],
        storage: Path,
        session: Session,
    ) -> None:
        report = stored["DEP-A1"]
        assert snapshot_version(report.snapshot) == SNAPSHOT_VERSION
        current = verify_report(storage, report)
        assert (current.ok, current.rerender_matches, current.earlier_version) == (True, True, False)
        # As an earlier version stored it: no version, and a field this version's object lacks.
        old = json.loads(report.snapshot)
        del old["schema_version"]
        old["unit_label"] = old.pop("title")
        report.snapshot = json.dumps(old, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        report.snapshot_sha256 = sha256_text(report.snapshot)
        session.commit()
        with pytest.raises(ValidationError):
            from_snapshot(report.snapshot)  # what verifying failed on before snapshots had a version
        earlier = verify_report(storage, report)
        assert (earlier.file_present, earlier.pdf_matches, earlier.snapshot_matches) == (True, True, True)
        assert (earlier.earlier_version, earlier.rerender_matches, earlier.ok) == (True, None, True)

        login(client, "office@example.org")
        for language, words in (("en", "made by an earlier version"), ("nb", "laget av en tidligere versjon")):
            page = client.get(f"/reports/{report.id}/verify", headers={"accept-language": language})
            assert words in page.text
            assert "maturity reports verify" not in page.text

        report.snapshot = report.snapshot.replace("Institutt A1", "Institutt X")  # changed after it was stored
        session.commit()
        tampered = verify_report(storage, report)
        assert (tampered.snapshot_matches, tampered.earlier_version, tampered.ok) == (False, False, False)
        page = client.get(f"/reports/{report.id}/verify", headers={"accept-language": "en"})
        assert "This file is not the report as Maturity made it" in page.text

    def test_staff_have_no_archive(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, "staff@example.org")
        assert client.get("/reports/").status_code == 403


class TestReportOnScreen:
    def test_the_same_templates_show_the_report_in_the_browser(
        self, client: TestClient[Litestar], people: dict[str, User], records: None
    ) -> None:
        login(client, "leader@example.org")
        page = client.get("/reports/view", params={"unit": "DEP-A1", "period": "2024", "lang": "nb"})
        assert page.status_code == 200
        assert "Mål en" in page.text
        assert "1\u00a0234,5" in page.text  # Norwegian number formatting, as in the PDF
        assert all(re.search(r'alt="[^"]{20,}"', img) for img in re.findall(r"<img\b[^>]*>", page.text))
        assert client.get("/reports/view", params={"unit": "DEP-B1", "period": "2024"}).status_code == 404
        bad = client.get("/reports/view", params={"unit": "DEP-A1", "period": "last year"})
        assert bad.status_code == 422
        assert "last year" in bad.text


class TestNarrative:
    def test_a_leader_writes_it_and_every_version_is_kept(
        self, client: TestClient[Litestar], people: dict[str, User], records: None, session: Session
    ) -> None:
        login(client, "leader@example.org")
        form = "/reports/narrative?unit=DEP-A1&period=2024"
        assert client.get(form).status_code == 200
        token = csrf_token(client, form)
        first = client.post(
            "/reports/narrative",
            data={"unit": "DEP-A1", "period": "2024", "text": "Et godt år.", "_csrf_token": token},
            follow_redirects=False,
        )
        assert first.status_code == 303  # works as a plain form, without JavaScript
        second = client.post(
            "/reports/narrative",
            data={"unit": "DEP-A1", "period": "2024", "text": "Et svært godt år.", "_csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert second.status_code == 200
        assert 'id="narrative-editor"' in second.text
        assert "<html" not in second.text  # the fragment only
        assert "Et godt år." in second.text  # the earlier version is shown
        versions = session.execute(select(NarrativeRevision.text).order_by(NarrativeRevision.revision)).scalars().all()
        assert versions == ["Et godt år.", "Et svært godt år."]

        report = client.get("/reports/view", params={"unit": "DEP-A1", "period": "2024"})
        assert "Et svært godt år." in report.text

    def test_outside_the_scope_it_is_404_and_changes_nothing(
        self, client: TestClient[Litestar], people: dict[str, User], records: None, session: Session
    ) -> None:
        login(client, "leader@example.org")
        assert client.get("/reports/narrative?unit=DEP-B1&period=2024").status_code == 404
        token = csrf_token(client, "/reports/narrative?unit=DEP-A1&period=2024")
        response = client.post(
            "/reports/narrative", data={"unit": "DEP-B1", "period": "2024", "text": "x", "_csrf_token": token}
        )
        assert response.status_code == 404
        too_long = client.post(
            "/reports/narrative",
            data={"unit": "DEP-A1", "period": "2024", "text": "x" * 20_001, "_csrf_token": token},
        )
        assert "20000" in too_long.text.replace("\u00a0", "").replace(" ", "")
        assert session.execute(select(NarrativeRevision)).first() is None
