"""A value below zero only for a KPI that says it may be negative (a result in money): the flag on
the definition form and in the strategy file (round trip exact), baselines and targets checked
against it as values are, and the migration that set it where negative values were stored."""

import re
from datetime import date
from typing import Any

import pytest
import yaml
from alembic import command
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select, text
from sqlmodel import Session, col

from indicators.models import Kpi, KpiRecord, KpiTarget, Strategy
from indicators.records import NOT_NEGATIVE
from indicators.strategy_export import export_strategy
from indicators.strategy_file import import_strategy
from indicators.unit_target_import import import_unit_targets_csv
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.db import make_engine
from maturity.errors import InvalidInput, Problem
from maturity.migrate import alembic_config, upgrade
from tests.conftest import Backend
from tests.factories import STRATEGY_YAML, csrf_token, login, make_org

ACTOR = Actor.system("test")


def kpi(session: Session, code: str) -> Kpi:
    session.expire_all()
    return session.execute(select(Kpi).where(col(Kpi.code) == code)).scalar_one()


def exported(session: Session, strategy: Strategy) -> dict[str, Any]:
    assert strategy.id is not None
    data: dict[str, Any] = yaml.safe_load(export_strategy(session, strategy.id))
    return data


def klow(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = data["strategy"]["goals"][0]["indicators"][1]["kpis"][1]
    assert found["code"] == "KLOW"
    return found


def refused(session: Session, data: dict[str, Any]) -> list[Problem]:
    with pytest.raises(InvalidInput) as caught:
        import_strategy(session, yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode(), ACTOR)
    session.rollback()
    return caught.value.problems


class TestTheStrategyFile:
    def test_the_flag_round_trips_exactly_and_is_written_only_when_set(
        self, session: Session, strategy: Strategy
    ) -> None:
        data = exported(session, strategy)
        assert "may_be_negative" not in klow(data)
        klow(data)["may_be_negative"] = True
        klow(data)["baselines"][0]["value"] = -2.5
        first = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()
        import_strategy(session, first, ACTOR)
        session.commit()
        assert kpi(session, "KLOW").may_be_negative
        again = export_strategy(session, strategy.id or 0).encode()
        import_strategy(session, again, ACTOR)
        assert export_strategy(session, strategy.id or 0).encode() == again
        assert klow(yaml.safe_load(again))["may_be_negative"] is True
        assert klow(yaml.safe_load(again))["baselines"][0]["value"] == -2.5

    def test_a_negative_baseline_or_target_needs_the_flag(self, session: Session, strategy: Strategy) -> None:
        data = exported(session, strategy)
        klow(data)["targets"][0]["value"] = -1
        (problem,) = refused(session, data)
        assert (problem.path, problem.message, problem.params) == (
            "goals[0].indicators[1].kpis[1].targets[0].value",
            NOT_NEGATIVE,
            {"kpi": "KLOW"},
        )

    def test_a_share_or_a_yes_no_kpi_is_never_negative(self, session: Session, strategy: Strategy) -> None:
        data = exported(session, strategy)
        data["strategy"]["goals"][0]["indicators"][0]["kpis"][1]["may_be_negative"] = True  # KRATIO
        (problem,) = refused(session, data)
        assert problem.path == "goals[0].indicators[0].kpis[1].may_be_negative"

    def test_a_kpi_with_negative_values_recorded_keeps_the_flag(self, session: Session, strategy: Strategy) -> None:
        klow_kpi = kpi(session, "KLOW")
        klow_kpi.may_be_negative = True
        session.add(KpiRecord(kpi_id=klow_kpi.id or 0, unit_id=1, period="2021", value=-3))
        session.commit()
        data = exported(session, strategy)
        assert klow(data)["may_be_negative"] is True
        del klow(data)["may_be_negative"]
        (problem,) = refused(session, data)
        assert problem.path == "goals[0].indicators[1].kpis[1].may_be_negative"
        assert problem.params == {"value": "KLOW", "count": 1}
        assert kpi(session, "KLOW").may_be_negative


class TestTheUnitTargetFile:
    HEADER = "kpi;unit;kind;valid_from;value\n"

    def test_a_negative_target_is_refused_unless_the_kpi_may_be_negative(
        self, session: Session, strategy: Strategy
    ) -> None:
        data = (self.HEADER + "KLOW;FAC-B;target;2024-01-01;−1,5\n").encode()
        with pytest.raises(InvalidInput) as caught:
            import_unit_targets_csv(session, data, ACTOR, dry_run=False)
        [problem] = caught.value.problems
        assert (problem.line, problem.column, problem.value, problem.message) == (2, "value", "−1,5", NOT_NEGATIVE)
        kpi(session, "KLOW").may_be_negative = True
        summary = import_unit_targets_csv(session, data, ACTOR, dry_run=False)
        assert summary.created == 1
        assert summary.rows[0].value == -1.5

    def test_a_count_target_reads_dot_grouping_as_thousands(self, session: Session, strategy: Strategy) -> None:
        kpi(session, "KSUM").decimals = 0
        data = (self.HEADER + "KSUM;FAC-B;target;2024-01-01;1.500\n").encode()
        assert import_unit_targets_csv(session, data, ACTOR, dry_run=True).rows[0].value == 1500


class TestTheDefinitionForms:
    @pytest.fixture
    def office(self, client: TestClient[Litestar], people: dict[str, User], strategy: Strategy) -> TestClient[Litestar]:
        login(client, people["office"].email)
        return client

    def kpi_form(self, office: TestClient[Litestar], kpi_id: int) -> dict[str, str]:
        page = office.get(f"/definitions/kpi/{kpi_id}/edit").text
        form = dict(re.findall(r'<input id="f-[^"]+" name="([^"]+)"\s+type="text"[^>]*?value="([^"]*)"', page))
        form.update(re.findall(r'<select[^>]*name="(\w+)".*?<option value="(\w*)" selected', page, re.S))
        form.update(re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>([^<]*)</textarea>', page))
        form["_csrf_token"] = csrf_token(office)
        return form

    def test_the_flag_is_set_and_cleared_on_the_kpi_form(self, office: TestClient[Litestar], session: Session) -> None:
        kpi_id = kpi(session, "KLOW").id or 0
        form = self.kpi_form(office, kpi_id)
        assert "may_be_negative" not in form
        response = office.post(
            f"/definitions/kpi/{kpi_id}/edit", data={**form, "may_be_negative": "1"}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        assert kpi(session, "KLOW").may_be_negative
        page = office.get(f"/definitions/kpi/{kpi_id}/edit").text
        assert re.search(r'name="may_be_negative" value="1" checked', page)
        response = office.post(f"/definitions/kpi/{kpi_id}/edit", data=self.kpi_form(office, kpi_id))
        assert response.status_code == 303 or response.history
        assert not kpi(session, "KLOW").may_be_negative

    def test_clearing_it_while_negative_values_are_stored_is_refused(
        self, office: TestClient[Litestar], session: Session
    ) -> None:
        klow_kpi = kpi(session, "KLOW")
        klow_kpi.may_be_negative = True
        session.add(KpiRecord(kpi_id=klow_kpi.id or 0, unit_id=1, period="2021", value=-3))
        session.commit()
        form = self.kpi_form(office, klow_kpi.id or 0)
        form.pop("may_be_negative", None)
        response = office.post(f"/definitions/kpi/{klow_kpi.id}/edit", data=form, headers={"accept-language": "en"})
        assert response.status_code == 422
        assert "1 recorded values, baselines or targets of this KPI are below zero" in response.text
        assert kpi(session, "KLOW").may_be_negative

    def test_a_share_cannot_be_declared_negative(self, office: TestClient[Litestar], session: Session) -> None:
        kpi_id = kpi(session, "KRATIO").id or 0
        form = {**self.kpi_form(office, kpi_id), "may_be_negative": "1"}
        response = office.post(f"/definitions/kpi/{kpi_id}/edit", data=form, headers={"accept-language": "en"})
        assert response.status_code == 422
        assert "A share or a yes/no KPI is never negative." in response.text
        assert not kpi(session, "KRATIO").may_be_negative

    def test_a_negative_target_needs_the_flag(self, office: TestClient[Litestar], session: Session) -> None:
        kpi_id = kpi(session, "KLOW").id or 0
        before = session.execute(select(func.count()).select_from(KpiTarget)).scalar_one()
        data = {"kind": "target", "unit": "", "valid_from": "2024-01-01", "value": "−2,5"}
        response = office.post(
            f"/definitions/target/new?parent={kpi_id}",
            data={**data, "_csrf_token": csrf_token(office)},
            headers={"accept-language": "en"},
        )
        assert response.status_code == 422
        assert "KPI KLOW cannot be negative" in response.text
        assert session.execute(select(func.count()).select_from(KpiTarget)).scalar_one() == before
        kpi(session, "KLOW").may_be_negative = True
        session.commit()
        response = office.post(
            f"/definitions/target/new?parent={kpi_id}",
            data={**data, "_csrf_token": csrf_token(office)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        session.expire_all()
        assert session.execute(select(func.min(KpiTarget.value))).scalar_one() == -2.5


def test_the_migration_sets_the_flag_where_negative_values_are_stored(backend: Backend) -> None:
    url = backend.fresh_url()
    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session:
            org = make_org(session)
            import_strategy(session, STRATEGY_YAML.encode(), ACTOR)
            for code, value in (("KLOW", -3.0), ("KSUM", 3.0)):
                found = session.execute(select(Kpi).where(col(Kpi.code) == code)).scalar_one()
                session.add(
                    KpiRecord(kpi_id=found.id or 0, unit_id=org.units["FAC-A"].id or 0, period="2021", value=value)
                )
            ksum = session.execute(select(Kpi).where(col(Kpi.code) == "KINST")).scalar_one()
            session.add(KpiTarget(kpi_id=ksum.id or 0, kind="baseline", valid_from=date(2021, 1, 1), value=-1))
            session.commit()
        engine.dispose()
        command.downgrade(alembic_config(url), "0018_kpi_negative-1")  # the revision before the flag
        upgrade(url)
        engine.dispose()
        with engine.connect() as connection:
            flags = dict(connection.execute(text("SELECT code, may_be_negative FROM kpi")).tuples().all())
        assert {code for code, flag in flags.items() if flag} == {"KLOW", "KINST"}
    finally:
        engine.dispose()
