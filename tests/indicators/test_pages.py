"""Strategy and KPI pages through HTTP, as the strategy office and leaders use them."""

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.models import Goal, Kpi, KpiRecord, KpiRecordRevision, Strategy
from maturity.audit.models import AuditEvent
from maturity.auth.models import User
from maturity.maturity_model.models import LevelDescriptor
from maturity.units.models import OrgUnit
from maturity.uploads.models import PendingUpload
from tests.factories import csrf_token, login


def count(session: Session, model: type, *where: object) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def office(client: TestClient[Litestar], people: dict[str, User], strategy: Strategy) -> TestClient[Litestar]:
    login(client, "office@example.org")
    client.get("/")  # shows and clears the welcome message
    return client


@pytest.fixture
def leader(client: TestClient[Litestar], people: dict[str, User], strategy: Strategy) -> TestClient[Litestar]:
    login(client, "leader@example.org")
    client.get("/")
    return client


def goal_id(session: Session, code: str = "G1") -> int:
    return session.execute(select(Goal.id).where(col(Goal.code) == code)).scalar_one()


class TestEveryPageAnswersPlainAndHtmxRequests:
    @pytest.mark.parametrize(
        "path",
        [
            "/strategy/test-strategy",
            "/strategy/import",
            "/kpis",
            "/kpis/KSUM",
            "/kpis/KRATIO",
            "/kpis/KINST",
            "/kpis/import",
            "/definitions/goal/new?parent=1",
            "/definitions/goal/1/edit",
            "/definitions/goal/1/delete",
            "/definitions/kpi/new?parent=1",
            "/definitions/target/new?parent=1",
            "/definitions/measure/new?parent=1",
            "/definitions/dimension/1/edit",
            "/definitions/level/1/edit",
            "/definitions/strategy/1/edit",
        ],
    )
    def test_with_and_without_hx_request(self, office: TestClient[Litestar], path: str) -> None:
        plain = office.get(path)
        boosted = office.get(path, headers={"hx-request": "true", "hx-boosted": "true"})
        fragment = office.get(path, headers={"hx-request": "true"})
        assert plain.status_code == boosted.status_code == fragment.status_code == 200, path
        assert "<html" in plain.text
        assert "<html" in boosted.text
        if "vary" in fragment.headers:  # a page that answers HTMX with its partial
            assert fragment.headers["vary"] == "HX-Request"
            assert "<html" not in fragment.text

    def test_the_strategy_index_leads_to_the_current_strategy(self, office: TestClient[Litestar]) -> None:
        response = office.get("/strategy", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/strategy/test-strategy"

    def test_the_overview_shows_the_whole_tree(self, office: TestClient[Litestar]) -> None:
        page = office.get("/strategy/test-strategy", headers={"accept-language": "en"}).text
        for text in (
            "Goal one",
            "G1.A1",
            "Indicator one",
            "KSUM",
            "KRATIO",
            "KINST",
            "KLOW",
            "Dimension one",
            "Level 5",
        ):
            assert text in page
        assert "Lower is better" in page


class TestStrategyOffice:
    def test_creating_a_goal_works_without_javascript_and_is_audited(
        self, office: TestClient[Litestar], session: Session, strategy: Strategy
    ) -> None:
        form = {
            "code": "G2",
            "title_nb": "Mål to",
            "title_en": "Goal two",
            "description_nb": "",
            "description_en": "",
            "weight": "1,5",  # a decimal comma
            "_csrf_token": csrf_token(office, "/definitions/goal/new?parent=1"),
        }
        response = office.post(f"/definitions/goal/new?parent={strategy.id}", data=form, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/strategy/test-strategy#goal-")
        goal = session.execute(select(Goal).where(col(Goal.code) == "G2")).scalars().one()
        assert goal.weight == 1.5
        assert goal.position == 1  # after G1
        event = (
            session.execute(
                select(AuditEvent).where(col(AuditEvent.object_type) == "goal", col(AuditEvent.object_id) == goal.id)
            )
            .scalars()
            .one()
        )
        assert event.action == "create"
        assert event.after is not None
        assert event.after["title_en"] == "Goal two"
        assert "office@example.org" in event.actor_label

    def test_a_bad_form_is_shown_again_with_messages_and_changes_nothing(
        self, office: TestClient[Litestar], session: Session, strategy: Strategy
    ) -> None:
        form = {
            "code": "G1",  # taken
            "title_nb": "",
            "title_en": "x",
            "weight": "abc",
            "_csrf_token": csrf_token(office, "/definitions/goal/new?parent=1"),
        }
        response = office.post(
            f"/definitions/goal/new?parent={strategy.id}", data=form, headers={"accept-language": "en"}
        )
        assert response.status_code == 422
        assert "This field is required." in response.text
        assert "Not a number." in response.text
        assert 'value="abc"' in response.text  # what was typed is kept
        assert count(session, Goal) == 1

    def test_a_taken_code_is_refused(self, office: TestClient[Litestar], session: Session, strategy: Strategy) -> None:
        form = {"code": "G1", "title_nb": "a", "title_en": "b", "weight": "1", "_csrf_token": csrf_token(office)}
        response = office.post(
            f"/definitions/goal/new?parent={strategy.id}", data=form, headers={"accept-language": "en"}
        )
        assert response.status_code == 422
        assert "Another item here already has this value." in response.text

    def test_inline_validation_reports_per_field_and_saves_nothing(
        self, office: TestClient[Litestar], session: Session, strategy: Strategy
    ) -> None:
        response = office.post(
            f"/definitions/goal/validate?parent={strategy.id}",
            data={"code": "bad code!", "title_nb": "x", "title_en": "y", "weight": "-1"},
            headers={"hx-request": "true", "x-csrftoken": csrf_token(office), "accept-language": "en"},
        )
        assert response.status_code == 200
        assert 'id="f-code-error" class="field-error-slot" hx-swap-oob="true"' in response.text
        assert "A code is letters, digits" in response.text
        assert "Must be at least 0.001." in response.text
        assert count(session, Goal) == 1

    def test_editing_records_before_and_after(self, office: TestClient[Litestar], session: Session) -> None:
        gid = goal_id(session)
        page = office.get(f"/definitions/goal/{gid}/edit")
        form = dict(re.findall(r'<input id="f-[^"]+" name="([^"]+)"\s+type="text"[^>]*?value="([^"]*)"', page.text))
        form.update(title_en="Goal one, renamed", description_nb="", description_en="", _csrf_token=csrf_token(office))
        response = office.post(f"/definitions/goal/{gid}/edit", data=form, follow_redirects=False)
        assert response.status_code == 303, response.text
        event = (
            session.execute(
                select(AuditEvent).where(col(AuditEvent.action) == "update", col(AuditEvent.object_type) == "goal")
            )
            .scalars()
            .one()
        )
        assert event.before == {"id": gid, "code": "G1", "title_en": "Goal one"}
        assert event.after == {"id": gid, "code": "G1", "title_en": "Goal one, renamed"}

    def test_moving_reorders_siblings(self, office: TestClient[Litestar], session: Session) -> None:
        indicator_ids = [
            session.execute(select(Kpi.indicator_id).where(col(Kpi.code) == code)).scalar_one()
            for code in ("KSUM", "KINST")
        ]
        second = indicator_ids[1]
        response = office.post(
            f"/definitions/indicator/{second}/move",
            data={"direction": "up", "_csrf_token": csrf_token(office)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        page = office.get("/strategy/test-strategy").text
        assert page.index("Indikator to") < page.index("Indikator en")
        assert count(session, AuditEvent, col(AuditEvent.action) == "move") == 1

    def test_a_new_kpi_saved_as_the_form_first_shows_it_has_no_cascade(
        self, office: TestClient[Litestar], session: Session, strategy: Strategy
    ) -> None:
        indicator_id = session.execute(select(Kpi.indicator_id).where(col(Kpi.code) == "KSUM")).scalar_one()
        form = office.get(f"/definitions/kpi/new?parent={indicator_id}").text
        chosen = dict(re.findall(r'<select[^>]*name="(\w+)".*?<option value="(\w*)" selected', form, re.S))
        assert chosen["cascade"] == "none"
        assert chosen["aggregation"] == "sum"
        data = {
            **chosen,
            "code": "KNEW",
            "name_nb": "Nye emner",
            "name_en": "New courses",
            "weight": "1",
            "decimals": "0",
            "_csrf_token": csrf_token(office),
        }
        response = office.post(f"/definitions/kpi/new?parent={indicator_id}", data=data, follow_redirects=False)
        assert response.status_code == 303, response.text
        kpi = session.execute(select(Kpi).where(col(Kpi.code) == "KNEW")).scalar_one()
        assert (kpi.aggregation, kpi.cascade) == ("sum", "none")

    def test_deleting_a_kpi_with_values_is_refused(
        self, office: TestClient[Litestar], session: Session, strategy: Strategy
    ) -> None:
        kpi_id = session.execute(select(Kpi.id).where(col(Kpi.code) == "KSUM")).scalar_one()
        session.add(KpiRecord(kpi_id=kpi_id, unit_id=1, period="2021", value=3))
        session.commit()
        response = office.post(f"/definitions/kpi/{kpi_id}/delete", data={"_csrf_token": csrf_token(office)})
        assert response.status_code == 409
        assert count(session, Kpi, col(Kpi.id) == kpi_id) == 1

    def test_deleting_a_goal_takes_its_parts_and_is_audited(
        self, office: TestClient[Litestar], session: Session, strategy: Strategy
    ) -> None:
        gid = goal_id(session)
        confirm = office.get(f"/definitions/goal/{gid}/delete")
        assert confirm.status_code == 200
        response = office.post(
            f"/definitions/goal/{gid}/delete", data={"_csrf_token": csrf_token(office)}, follow_redirects=False
        )
        assert response.status_code == 303
        assert count(session, Goal) == 0
        assert count(session, Kpi) == 0
        event = (
            session.execute(
                select(AuditEvent).where(col(AuditEvent.action) == "delete", col(AuditEvent.object_type) == "goal")
            )
            .scalars()
            .one()
        )
        assert event.before is not None
        assert event.before["code"] == "G1"

    def test_a_level_descriptor_can_be_deleted_and_added_again(
        self, office: TestClient[Litestar], session: Session
    ) -> None:
        level = session.execute(select(LevelDescriptor).where(col(LevelDescriptor.level) == 3)).scalars().first()
        assert level is not None
        token = csrf_token(office)
        deleted = office.post(
            f"/definitions/level/{level.id}/delete", data={"_csrf_token": token}, follow_redirects=False
        )
        assert deleted.status_code == 303
        page = office.get("/strategy/test-strategy").text
        assert f"/definitions/level/new?parent={level.dimension_id}" in page  # the gap can be filled
        form = {
            "level": "3",
            "name_nb": "Nytt nivå",
            "name_en": "New level",
            "description_nb": "Gjør noe.",
            "description_en": "Does something.",
            "_csrf_token": token,
        }
        added = office.post(f"/definitions/level/new?parent={level.dimension_id}", data=form, follow_redirects=False)
        assert added.status_code == 303
        taken = office.post(
            f"/definitions/level/new?parent={level.dimension_id}", data=form, headers={"accept-language": "en"}
        )
        assert taken.status_code == 422
        assert "Another item here already has this value." in taken.text

    def test_a_strategy_file_can_be_exported_and_imported_back(
        self, office: TestClient[Litestar], session: Session
    ) -> None:
        exported = office.get("/strategy/test-strategy/export")
        assert exported.status_code == 200
        assert exported.headers["content-disposition"] == 'attachment; filename="test-strategy.yaml"'
        changed = exported.text.replace("Goal one", "Goal one, improved")
        response = office.post(
            "/strategy/import",
            files={"file": ("s.yaml", changed.encode(), "application/yaml")},
            data={"_csrf_token": csrf_token(office, "/strategy/import")},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert office.get("/strategy/test-strategy/export").text == changed

    def test_a_bad_strategy_file_names_the_path_and_changes_nothing(
        self, office: TestClient[Litestar], session: Session
    ) -> None:
        exported = office.get("/strategy/test-strategy/export").text
        broken = exported.replace("direction: lower", "direction: downwards")
        events_before = count(session, AuditEvent)
        response = office.post(
            "/strategy/import",
            files={"file": ("s.yaml", broken.encode(), "application/yaml")},
            data={"_csrf_token": csrf_token(office, "/strategy/import")},
            headers={"accept-language": "en"},
        )
        assert response.status_code == 422
        assert "<code>goals[0].indicators[1].kpis[1].direction</code>" in response.text
        assert count(session, AuditEvent) == events_before

    @pytest.mark.parametrize("path", ["/definitions/goal/1/edit", "/strategy/import", "/strategy/test-strategy/export"])
    def test_leaders_cannot_edit_the_strategy(self, leader: TestClient[Litestar], path: str) -> None:
        assert leader.get(path).status_code == 403


class TestKpiEntry:
    def test_a_leader_records_values_for_the_units_below_and_corrections_keep_history(
        self, leader: TestClient[Litestar], session: Session
    ) -> None:
        page = leader.get("/kpis/KSUM")
        assert "DEP-A2" in page.text
        assert "DEP-B1" not in page.text
        token = csrf_token(leader, "/kpis/KSUM")
        first = leader.post("/kpis/KSUM", data={"value|DEP-A2|2024": "7", "_csrf_token": token}, follow_redirects=False)
        assert first.status_code == 303
        second = leader.post(
            "/kpis/KSUM",
            data={"value|DEP-A2|2024": "8,5", "note": "recounted", "_csrf_token": token},
            follow_redirects=False,
        )
        assert second.status_code == 303
        record = session.execute(select(KpiRecord)).scalars().one()
        assert (record.value, record.revision, record.note) == (8.5, 2, "recounted")
        revisions = session.execute(select(KpiRecordRevision).order_by(KpiRecordRevision.revision)).scalars().all()
        assert [r.value for r in revisions] == [7, 8.5]
        assert [
            e.action
            for e in session.execute(
                select(AuditEvent).where(col(AuditEvent.object_type) == "kpi_record").order_by(AuditEvent.id)
            ).scalars()
        ] == ["record", "correct"]
        history = leader.get("/kpis/KSUM").text
        assert "2 versjoner" in history
        assert "recounted" in history

    def test_the_kpi_page_shows_the_baseline_and_the_target_valid_today(self, leader: TestClient[Litestar]) -> None:
        page = leader.get("/kpis/KRATIO", headers={"accept-language": "en"}).text
        facts = page[page.index('<dl class="facts">') : page.index("</dl>")]
        assert "<dt>Baseline</dt><dd>20.0</dd>" in facts
        assert "<dt>Target</dt><dd>90.0</dd>" in facts  # the target from 2023 replaced the one from 2020

    def test_another_units_values_are_not_found(self, leader: TestClient[Litestar], session: Session) -> None:
        response = leader.post(
            "/kpis/KSUM", data={"value|DEP-B1|2024": "7", "_csrf_token": csrf_token(leader, "/kpis/KSUM")}
        )
        assert response.status_code == 404
        assert count(session, KpiRecord) == 0

    def test_a_bad_value_is_shown_in_its_cell_and_nothing_is_saved(
        self, leader: TestClient[Litestar], session: Session
    ) -> None:
        response = leader.post(
            "/kpis/KRATIO",
            data={
                "numerator|DEP-A1|2024-S1": "30",
                "denominator|DEP-A1|2024-S1": "40",
                "numerator|DEP-A2|2024-S1": "50",
                "denominator|DEP-A2|2024-S1": "40",
                "_csrf_token": csrf_token(leader, "/kpis/KRATIO"),
            },
            headers={"accept-language": "en"},
        )
        assert response.status_code == 422
        assert "The numerator cannot be larger than the denominator." in response.text
        assert count(session, KpiRecord) == 0

    def test_htmx_autosave_answers_with_a_status_and_the_new_history(
        self, leader: TestClient[Litestar], session: Session
    ) -> None:
        response = leader.post(
            "/kpis/KSUM",
            data={"value|FAC-A|2023": "12"},
            headers={"hx-request": "true", "x-csrftoken": csrf_token(leader, "/kpis/KSUM"), "accept-language": "en"},
        )
        assert response.status_code == 200
        assert response.text.strip().startswith("Saved: 1 new values")
        assert 'id="history-FAC-A-2023" class="cell-history" hx-swap-oob="true"' in response.text
        assert count(session, KpiRecord) == 1

    def test_htmx_autosave_refreshes_what_the_cell_shows_under_its_inputs(
        self, leader: TestClient[Litestar], session: Session
    ) -> None:
        """The ratio's value and the comment line are part of the swapped-in fragment, so the
        cell shows them at once, not after a reload."""
        response = leader.post(
            "/kpis/KRATIO",
            data={
                "numerator|DEP-A1|2024-S1": "30",
                "denominator|DEP-A1|2024-S1": "40",
                "note|DEP-A1|2024-S1": "Two courses moved online",
            },
            headers={"hx-request": "true", "x-csrftoken": csrf_token(leader, "/kpis/KRATIO"), "accept-language": "en"},
        )
        assert response.status_code == 200, response.text
        fragment = response.text[response.text.index('id="history-DEP-A1-2024-S1"') :]
        assert re.search(r'<div class="muted">75(\.0+)? %</div>', fragment), fragment
        assert "Comment:</span> Two courses moved online</div>" in fragment
        assert count(session, KpiRecord) == 1
        page = leader.get("/kpis/KRATIO", headers={"accept-language": "en"})  # the same as after a reload
        cell = page.text[page.text.index('id="history-DEP-A1-2024-S1"') :]
        assert cell.split("<details>")[0] == fragment.split("<details>")[0].replace(' hx-swap-oob="true"', "")

    def test_an_institution_only_kpi_is_not_offered_to_a_faculty_leader(self, leader: TestClient[Litestar]) -> None:
        page = leader.get("/kpis/KINST")
        assert 'name="value|' not in page.text


class TestKpiCsvImport:
    CSV = "kpi;enhet;periode;verdi;teller;nevner;kilde\nKSUM;DEP-A1;2024;3,5;;;HR\nKRATIO;DEP-A2;2024-S1;;12;40;FS\n"

    def test_check_then_record_without_javascript(self, leader: TestClient[Litestar], session: Session) -> None:
        token = csrf_token(leader, "/kpis/import")
        preview = leader.post(
            "/kpis/import",
            files={"file": ("values.csv", self.CSV.encode("cp1252"), "text/csv")},
            data={"_csrf_token": token},
            headers={"accept-language": "en"},
        )
        assert preview.status_code == 200
        assert "2 new values, 0 corrections and 0 unchanged" in preview.text
        assert count(session, KpiRecord) == 0  # a check writes nothing
        fields = dict(re.findall(r'<input type="hidden" name="(upload|commit)" value="([^"]*)"', preview.text))
        assert set(fields) == {"upload", "commit"}
        assert "KSUM;DEP-A1" not in preview.text  # the file stays on the server, not in the page
        assert count(session, PendingUpload) == 1
        done = leader.post(
            "/kpis/import",
            files={"file": ("", b"", "text/csv")},
            data={**fields, "_csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert count(session, KpiRecord) == 2
        assert count(session, PendingUpload) == 0  # taken by the confirmation
        again = leader.post(
            "/kpis/import",
            files={"file": ("", b"", "text/csv")},
            data={**fields, "_csrf_token": token},
            headers={"accept-language": "en"},
        )
        assert again.status_code == 422
        assert "The checked file has expired: choose it again." in again.text
        assert count(session, KpiRecord) == 2

    def test_a_confirmation_takes_only_its_owners_file(
        self, leader: TestClient[Litestar], session: Session, people: dict[str, User]
    ) -> None:
        preview = leader.post(
            "/kpis/import",
            files={"file": ("values.csv", self.CSV.encode(), "text/csv")},
            data={"_csrf_token": csrf_token(leader, "/kpis/import")},
        )
        upload = re.findall(r'<input type="hidden" name="upload" value="([^"]*)"', preview.text)[0]
        login(leader, "office@example.org")
        response = leader.post(
            "/kpis/import",
            files={"file": ("", b"", "text/csv")},
            data={"upload": upload, "commit": "1", "_csrf_token": csrf_token(leader, "/kpis/import")},
            headers={"accept-language": "en"},
        )
        assert response.status_code == 422
        assert count(session, KpiRecord) == 0
        assert count(session, PendingUpload) == 1  # still the leader's to confirm

    def test_htmx_gets_the_preview_fragment(self, leader: TestClient[Litestar]) -> None:
        response = leader.post(
            "/kpis/import",
            files={"file": ("values.csv", self.CSV.encode(), "text/csv")},
            headers={"hx-request": "true", "x-csrftoken": csrf_token(leader, "/kpis/import")},
        )
        assert response.status_code == 200
        assert "<html" not in response.text
        assert response.headers["vary"] == "HX-Request"

    def test_problems_are_listed_with_line_column_and_value(
        self, leader: TestClient[Litestar], session: Session
    ) -> None:
        bad = "kpi;unit;period;value\nKSUM;DEP-B1;2024;3\nKSUM;DEP-A1;2024-S1;3\n"
        response = leader.post(
            "/kpis/import",
            files={"file": ("bad.csv", bad.encode(), "text/csv")},
            data={"_csrf_token": csrf_token(leader, "/kpis/import")},
            headers={"accept-language": "en"},
        )
        assert response.status_code == 422
        assert "Unknown unit DEP-B1." in response.text  # outside the leader's scope reads like unknown
        assert "<td>2024-S1</td>" in response.text
        assert count(session, KpiRecord) == 0

    def test_the_export_holds_only_the_readers_units(self, leader: TestClient[Litestar], session: Session) -> None:
        kpi_id = session.execute(select(Kpi.id).where(col(Kpi.code) == "KSUM")).scalar_one()
        unit_ids = dict(session.execute(select(OrgUnit.code, OrgUnit.id)).tuples().all())
        session.add_all(
            [KpiRecord(kpi_id=kpi_id, unit_id=unit_ids[c], period="2024", value=1) for c in ("DEP-A1", "DEP-B1")]
        )
        session.commit()
        text = leader.get("/kpis/export.csv").content.decode("utf-8-sig")
        assert "KSUM;DEP-A1;2024;1" in text
        assert "DEP-B1" not in text


class TestStaff:
    @pytest.mark.parametrize("path", ["/strategy/test-strategy", "/kpis", "/kpis/KSUM", "/kpis/import"])
    def test_staff_have_no_access(
        self, client: TestClient[Litestar], people: dict[str, User], strategy: Strategy, path: str
    ) -> None:
        login(client, "staff@example.org")
        assert client.get(path).status_code == 403
