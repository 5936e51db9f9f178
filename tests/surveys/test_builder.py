"""The survey builder's services: surveys, sections, questions, versions and rounds."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.models import Strategy
from maturity.audit.models import AuditEvent
from maturity.db import utcnow
from maturity.errors import InvalidInput
from maturity.forms import InvalidForm
from surveys.builder import create_survey, move_section, remove_section, update_survey
from surveys.models import Question, QuestionOption, Survey, SurveyRound, SurveySection
from surveys.questions import create_question, delete_question, move_question, update_question
from surveys.scheduling import close_round_now, open_round_now, schedule_round
from surveys.versions import NewerDraftExists, VersionFrozen, draft_for_edit, is_frozen, questions_of, sections_of
from tests.surveys.conftest import ACTOR

LIKERT = {f"likert_{n}_{lang}": f"{n} {lang}" for n in range(1, 6) for lang in ("nb", "en")}


def survey_form(**changes: str) -> dict[str, str | list[str]]:
    return {
        "code": "new-survey",
        "maturity_model": "test-model",
        "title_nb": "Ny",
        "title_en": "New",
        **LIKERT,
        **changes,
    }


def question_form(section: SurveySection, **changes: str) -> dict[str, str | list[str]]:
    return {
        "code": "Q-NEW",
        "kind": "likert",
        "section": str(section.id),
        "text_nb": "Spørsmål?",
        "text_en": "Question?",
        "allow_na": "1",
        **changes,
    }


def question(session: Session, survey: Survey, code: str) -> Question:
    return session.execute(
        select(Question).where(col(Question.survey_id) == survey.id, col(Question.code) == code)
    ).scalar_one()


def events(session: Session, object_type: str, action: str) -> int:
    return session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(col(AuditEvent.object_type) == object_type, col(AuditEvent.action) == action)
    ).scalar_one()


class TestCreateSurvey:
    def test_it_makes_a_section_per_dimension_and_one_for_background(
        self, session: Session, strategy: Strategy
    ) -> None:
        survey = create_survey(session, survey_form(), ACTOR)
        sections = sections_of(session, survey)
        assert survey.version == 1
        assert len(sections) == 3
        assert sections[-1].dimension_id is None
        assert survey.likert_labels[0] == {"nb": "1 nb", "en": "1 en"}
        assert events(session, "survey", "create") == 1

    def test_every_problem_is_named_at_its_field(self, session: Session, strategy: Strategy) -> None:
        with pytest.raises(InvalidForm) as caught:
            create_survey(
                session, survey_form(code="bad code", maturity_model="nope", title_en="", likert_3_nb=""), ACTOR
            )
        assert set(caught.value.state.errors) == {"code", "maturity_model", "title_en", "likert_3_nb"}

    def test_a_code_in_use_is_refused(self, session: Session, survey: Survey) -> None:
        with pytest.raises(InvalidForm) as caught:
            create_survey(session, survey_form(code=survey.code), ACTOR)
        assert list(caught.value.state.errors) == ["code"]


class TestQuestions:
    def test_it_adds_a_question_of_each_kind(self, session: Session, survey: Survey) -> None:
        d1, _, background = sections_of(session, survey)
        create_question(session, survey, question_form(d1, code="N-L", kind="level"), ACTOR)
        create_question(session, survey, question_form(d1, code="N-R", reverse="1", indicator="G1.I1"), ACTOR)
        create_question(
            session,
            survey,
            question_form(background, code="N-S", kind="single", options="a | En | One\nb | To | Two"),
            ACTOR,
        )
        create_question(
            session, survey, question_form(background, code="N-M", kind="multi", options="a|A|A\nb|B|B"), ACTOR
        )
        create_question(
            session,
            survey,
            question_form(background, code="N-N", kind="number", min_value="0", max_value="10,5", unit_nb="t"),
            ACTOR,
        )
        create_question(session, survey, question_form(background, code="N-T", kind="text"), ACTOR)
        assert question(session, survey, "N-L").dimension_id == d1.dimension_id
        assert question(session, survey, "N-R").reverse
        assert question(session, survey, "N-R").indicator_id is not None
        assert question(session, survey, "N-N").max_value == 10.5
        options = session.execute(
            select(QuestionOption.code).where(col(QuestionOption.question_id) == question(session, survey, "N-S").id)
        ).scalars()
        assert list(options) == ["a", "b"]
        assert question(session, survey, "N-L").position < question(session, survey, "N-S").position
        assert events(session, "question", "create") == 6

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"code": "D1-L"}, "code"),
            ({"kind": "single", "options": "only | one | one"}, "options"),
            ({"kind": "single", "options": "a | missing english"}, "options"),
            ({"kind": "text", "reverse": "1"}, "reverse"),
            ({"kind": "text", "min_value": "3"}, "min_value"),
            ({"kind": "number", "min_value": "5", "max_value": "1"}, "min_value"),
            ({"text_en": ""}, "text_en"),
            ({"kind": "poem"}, "kind"),
            ({"indicator": "NOPE"}, "indicator"),
            ({"min_value": "many", "kind": "number"}, "min_value"),
        ],
    )
    def test_bad_input_is_named_and_nothing_is_written(
        self, session: Session, survey: Survey, changes: dict[str, str], field: str
    ) -> None:
        d1 = sections_of(session, survey)[0]
        before = len(questions_of(session, survey))
        with pytest.raises(InvalidForm) as caught:
            create_question(session, survey, question_form(d1, **changes), ACTOR)
        assert field in caught.value.state.errors
        assert len(questions_of(session, survey)) == before

    def test_a_scored_question_must_be_in_a_dimension(self, session: Session, survey: Survey) -> None:
        background = sections_of(session, survey)[-1]
        with pytest.raises(InvalidForm) as caught:
            create_question(session, survey, question_form(background, kind="level"), ACTOR)
        assert "kind" in caught.value.state.errors

    def test_editing_moves_it_to_another_section_and_replaces_options(self, session: Session, survey: Survey) -> None:
        _, d2, background = sections_of(session, survey)
        target = question(session, survey, "B-ROLE")
        form = question_form(background, code="B-ROLE", kind="single", options="x | X | X\ny | Y | Y\nz | Z | Z")
        update_question(session, survey, target.id or 0, form, ACTOR)
        codes = session.execute(select(QuestionOption.code).where(col(QuestionOption.question_id) == target.id))
        assert sorted(codes.scalars()) == ["x", "y", "z"]
        moved = update_question(session, survey, target.id or 0, question_form(d2, code="B-ROLE"), ACTOR)
        assert moved.section_id == d2.id
        assert moved.dimension_id == d2.dimension_id
        assert [q.code for q in questions_of(session, survey) if q.section_id == d2.id] == ["D2-L", "B-ROLE"]
        assert events(session, "question", "update") == 2

    def test_delete_and_reorder(self, session: Session, survey: Survey) -> None:
        move_question(session, survey, question(session, survey, "D1-Q2").id or 0, "up", ACTOR)
        assert [q.code for q in questions_of(session, survey)][:3] == ["D1-L", "D1-Q2", "D1-Q1"]
        move_question(session, survey, question(session, survey, "D1-L").id or 0, "up", ACTOR)  # already first
        delete_question(session, survey, question(session, survey, "D1-Q1").id or 0, ACTOR)
        assert "D1-Q1" not in [q.code for q in questions_of(session, survey)]
        assert events(session, "question", "move") == 1
        assert events(session, "question", "delete") == 1

    def test_sections_move_and_the_background_stays_last(self, session: Session, survey: Survey) -> None:
        d1, d2, background = sections_of(session, survey)
        move_section(session, survey, d2.id or 0, "up", ACTOR)
        assert [s.id for s in sections_of(session, survey)] == [d2.id, d1.id, background.id]
        assert questions_of(session, survey)[0].code == "D2-L"
        move_section(session, survey, d1.id or 0, "down", ACTOR)  # already the last dimension
        assert [s.id for s in sections_of(session, survey)] == [d2.id, d1.id, background.id]

    def test_only_an_empty_section_can_be_removed(self, session: Session, survey: Survey) -> None:
        d2 = sections_of(session, survey)[1]
        with pytest.raises(InvalidInput):
            remove_section(session, survey, d2.id or 0, ACTOR)
        delete_question(session, survey, question(session, survey, "D2-L").id or 0, ACTOR)
        remove_section(session, survey, d2.id or 0, ACTOR)
        assert len(sections_of(session, survey)) == 2


def open_a_round(session: Session, survey: Survey) -> SurveyRound:
    now = utcnow()
    form: dict[str, str | list[str]] = {
        "name_nb": "Runde",
        "name_en": "Round",
        "period_label": "2025",
        "opens_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
        "units": ["FAC-A"],
        "anonymity": "anonymous",
        "min_group_size": "5",
    }
    survey_round = schedule_round(session, survey, form, ACTOR)
    assert not is_frozen(session, survey)
    open_round_now(session, survey_round, ACTOR, utcnow())
    return survey_round


class TestFrozenVersions:
    def test_the_services_refuse_to_change_a_frozen_version(self, session: Session, survey: Survey) -> None:
        open_a_round(session, survey)
        assert survey.frozen_at is not None
        d1 = sections_of(session, survey)[0]
        target = question(session, survey, "D1-Q1").id or 0
        for change in (
            lambda: create_question(session, survey, question_form(d1), ACTOR),
            lambda: update_question(session, survey, target, question_form(d1, code="D1-Q1"), ACTOR),
            lambda: delete_question(session, survey, target, ACTOR),
            lambda: move_question(session, survey, target, "down", ACTOR),
            lambda: move_section(session, survey, d1.id or 0, "down", ACTOR),
            lambda: update_survey(session, survey, survey_form(), ACTOR),
        ):
            with pytest.raises(VersionFrozen):
                change()

    def test_a_round_whose_opening_time_passed_freezes_its_version(self, session: Session, survey: Survey) -> None:
        now = utcnow()
        session.add(
            SurveyRound(
                survey_id=survey.id or 0,
                name_nb="R",
                name_en="R",
                period_label="2025",
                opens_at=now - timedelta(minutes=1),
                closes_at=now + timedelta(days=1),
            )
        )
        session.flush()
        assert is_frozen(session, survey)
        assert survey.frozen_at is not None

    def test_an_edit_makes_version_2_and_version_1_stays_unchanged(self, session: Session, survey: Survey) -> None:
        survey_round = open_a_round(session, survey)
        before = [(q.code, q.text_en, q.position) for q in questions_of(session, survey)]
        draft = draft_for_edit(session, survey, ACTOR)
        assert draft.copied_from is survey
        assert draft.survey.version == 2
        assert draft.survey.frozen_at is None
        d1 = sections_of(session, draft.survey)[0]
        target = draft.question_id(question(session, survey, "D1-Q1").id or 0)
        update_question(session, draft.survey, target, question_form(d1, code="D1-Q1", text_en="Changed?"), ACTOR)
        assert [(q.code, q.text_en, q.position) for q in questions_of(session, survey)] == before
        assert question(session, draft.survey, "D1-Q1").text_en == "Changed?"
        assert len(questions_of(session, draft.survey)) == len(before)
        options = session.execute(
            select(func.count())
            .select_from(QuestionOption)
            .join(Question, col(Question.id) == col(QuestionOption.question_id))
            .where(col(Question.survey_id) == draft.survey.id)
        ).scalar_one()
        assert options == 4
        assert survey_round.survey_id == survey.id

    def test_a_second_edit_goes_to_the_same_new_version(self, session: Session, survey: Survey) -> None:
        open_a_round(session, survey)
        draft = draft_for_edit(session, survey, ACTOR)
        again = draft_for_edit(session, draft.survey, ACTOR)
        assert again.survey.id == draft.survey.id
        assert again.copied_from is None

    def test_an_edit_of_an_old_version_is_sent_to_the_newer_draft(self, session: Session, survey: Survey) -> None:
        open_a_round(session, survey)
        draft = draft_for_edit(session, survey, ACTOR)
        with pytest.raises(NewerDraftExists) as caught:
            draft_for_edit(session, survey, ACTOR)
        assert caught.value.draft.id == draft.survey.id
        draft.survey.frozen_at = utcnow()
        assert draft_for_edit(session, draft.survey, ACTOR).survey.version == 3


class TestRounds:
    def test_a_survey_without_questions_gets_no_round(self, session: Session, strategy: Strategy) -> None:
        survey = create_survey(session, survey_form(), ACTOR)
        with pytest.raises(InvalidForm) as caught:
            schedule_round(session, survey, {"units": ["FAC-A"]}, ACTOR)
        errors = caught.value.state.errors
        assert {"name_nb", "opens_at", "anonymity", "min_group_size", ""} <= set(errors)

    def test_k_must_be_at_least_2_and_the_round_must_close_after_opening(
        self, session: Session, survey: Survey
    ) -> None:
        form: dict[str, str | list[str]] = {
            "name_nb": "R",
            "name_en": "R",
            "period_label": "2025",
            "opens_at": "2030-01-10T09:00",
            "closes_at": "2030-01-01T09:00",
            "units": ["FAC-A"],
            "anonymity": "anonymous",
            "min_group_size": "1",
        }
        with pytest.raises(InvalidForm) as caught:
            schedule_round(session, survey, form, ACTOR)
        assert set(caught.value.state.errors) == {"min_group_size", "closes_at"}

    def test_open_and_close_now(self, session: Session, survey: Survey) -> None:
        survey_round = open_a_round(session, survey)
        assert survey_round.status(utcnow()) == "open"
        with pytest.raises(InvalidInput):
            open_round_now(session, survey_round, ACTOR, utcnow())
        close_round_now(session, survey_round, ACTOR, utcnow())
        assert survey_round.closed_at is not None
        assert survey_round.status(utcnow()) == "closed"
        with pytest.raises(InvalidInput):
            close_round_now(session, survey_round, ACTOR, utcnow())
        assert events(session, "survey_round", "open") == 1
        assert events(session, "survey_round", "close") == 1
