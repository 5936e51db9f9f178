"""The survey file (YAML), as validated structures."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT = "maturity-survey/1"

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Texts(_Strict):
    nb: str = Field(min_length=1)
    en: str = Field(min_length=1)


class OptionalTexts(_Strict):
    nb: str = ""
    en: str = ""


class ShortTexts(_Strict):
    nb: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)


class OptionSpec(_Strict):
    code: Code
    text: ShortTexts


class QuestionSpec(_Strict):
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


class SectionSpec(_Strict):
    dimension: Code
    intro: OptionalTexts = OptionalTexts()
    questions: list[QuestionSpec] = Field(min_length=1)


class GroupSpec(_Strict):
    code: Code
    name: ShortTexts


class SurveySpec(_Strict):
    code: Code
    title: ShortTexts
    intro: OptionalTexts = OptionalTexts()
    thanks: OptionalTexts = OptionalTexts()
    maturity_model: Code
    likert_labels: list[ShortTexts] = Field(min_length=5, max_length=5)
    groups: list[GroupSpec] = []
    sections: list[SectionSpec] = Field(min_length=1)
    background: list[QuestionSpec] = []


class SurveyFile(_Strict):
    format: Literal["maturity-survey/1"]
    survey: SurveySpec
