"""The survey file (YAML), as validated structures."""

from typing import Annotated, Literal

from pydantic import Field

from maturity.structured_file import Name, OptionalTexts, StrictModel, Texts

FORMAT = "maturity-survey/1"

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class OptionSpec(StrictModel):
    code: Code
    text: Name


class QuestionSpec(StrictModel):
    code: Code
    kind: Literal["level", "likert", "single", "multi", "number", "text"]
    text: Texts
    help: OptionalTexts = OptionalTexts()
    required: bool = False
    allow_na: bool = True
    reverse: bool = False
    indicator: Code | None = None
    options: list[OptionSpec] = []
    min: float | None = None
    max: float | None = None
    unit: OptionalTexts = OptionalTexts()


class SectionSpec(StrictModel):
    dimension: Code
    intro: OptionalTexts = OptionalTexts()
    questions: list[QuestionSpec] = Field(min_length=1)


class GroupSpec(StrictModel):
    code: Code
    name: Name


class SurveySpec(StrictModel):
    code: Code
    title: Name
    intro: OptionalTexts = OptionalTexts()
    thanks: OptionalTexts = OptionalTexts()
    maturity_model: Code
    likert_labels: list[Name] = Field(min_length=5, max_length=5)
    groups: list[GroupSpec] = []
    sections: list[SectionSpec] = Field(min_length=1)
    background: list[QuestionSpec] = []


class SurveyFile(StrictModel):
    format: Literal["maturity-survey/1"]
    survey: SurveySpec
