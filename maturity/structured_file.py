"""Files people write by hand as YAML (the strategy file, the survey file): safe loading and
validation problems located by their path in the file."""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from maturity.errors import N_, InvalidInput, Problem
from maturity.forms import CONTROL_MESSAGE, control_character, normalise_text

ModelT = TypeVar("ModelT", bound=BaseModel)


class StrictModel(BaseModel):
    """A part of a hand-written file: unknown fields are errors, text is trimmed, and no number is
    infinite or NaN (``.inf``/``.nan`` in YAML; the JSON audit log could not hold them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _typed_text(cls, value: Any) -> Any:
        """Every text under the one rule for typed text (``maturity.forms``); YAML's "\\0" escapes
        can write any character."""
        if not isinstance(value, str):
            return value
        char = control_character(value)
        if char:
            raise PydanticCustomError("control_character", "control character {char}", {"char": char})
        return normalise_text(value)


class Texts(StrictModel):
    """A text every user reads, in both languages."""

    nb: str = Field(min_length=1)
    en: str = Field(min_length=1)


class OptionalTexts(StrictModel):
    nb: str = ""
    en: str = ""


class Name(StrictModel):
    """A title or name, stored in a column of limited length: a longer text is bad input, not a crash."""

    nb: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)


MESSAGES: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, object]]]] = {
    "missing": (N_("This field is required."), lambda c: {}),
    "extra_forbidden": (N_("Unknown field."), lambda c: {}),
    "string_too_short": (N_("This text is empty."), lambda c: {}),
    "string_too_long": (N_("This text is longer than %(limit)s characters."), lambda c: {"limit": c["max_length"]}),
    "string_pattern_mismatch": (N_("A code is letters, digits, '.', '_' or '-'."), lambda c: {}),
    "greater_than": (N_("Must be greater than %(limit)s."), lambda c: {"limit": c["gt"]}),
    "greater_than_equal": (N_("Must be at least %(limit)s."), lambda c: {"limit": c["ge"]}),
    "less_than_equal": (N_("Must be at most %(limit)s."), lambda c: {"limit": c["le"]}),
    "literal_error": (N_("Must be one of: %(choices)s."), lambda c: {"choices": c["expected"]}),
    "too_short": (N_("At least %(limit)s entries are needed."), lambda c: {"limit": c["min_length"]}),
    "date_from_datetime_parsing": (N_("Not a date (YYYY-MM-DD)."), lambda c: {}),
    "date_from_datetime_inexact": (N_("Not a date (YYYY-MM-DD)."), lambda c: {}),
    "date_parsing": (N_("Not a date (YYYY-MM-DD)."), lambda c: {}),
    "date_type": (N_("Not a date (YYYY-MM-DD)."), lambda c: {}),
    "float_parsing": (N_("Not a number."), lambda c: {}),
    "float_type": (N_("Not a number."), lambda c: {}),
    "finite_number": (N_("Not a number."), lambda c: {}),
    "int_parsing": (N_("Not a whole number."), lambda c: {}),
    "int_type": (N_("Not a whole number."), lambda c: {}),
    "int_from_float": (N_("Not a whole number."), lambda c: {}),
    "model_type": (N_("Expected a group of fields."), lambda c: {}),
    "model_attributes_type": (N_("Expected a group of fields."), lambda c: {}),
    "dict_type": (N_("Expected a group of fields."), lambda c: {}),
    "list_type": (N_("Expected a list."), lambda c: {}),
    "string_type": (N_("Expected text."), lambda c: {}),
    "control_character": (CONTROL_MESSAGE, lambda c: {"char": c["char"]}),
}


def path_of(loc: Iterable[str | int], root: str = "") -> str:
    """``("strategy", "goals", 2, "kpis", 1, "target")`` → ``goals[2].kpis[1].target`` (root "strategy")."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out.removeprefix(f"{root}.") if root and out != root else out


def scalar(value: Any) -> str | None:
    return None if isinstance(value, dict | list) else str(value)


class SafeFileLoader(yaml.SafeLoader):
    """The safe loader, except that an impossible date (2024-13-01) stays text instead of raising
    ValueError, so that it is reported at its path like any other bad value, and that aliases are
    refused: a few kilobytes of nested aliases could otherwise expand to billions of nodes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in this file", event.start_mark
            )
        return super().compose_node(parent, index)


class FullDumper(yaml.SafeDumper):
    """Writes every value in full: the files we write must be files we read."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _timestamp(loader: SafeFileLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


SafeFileLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load_file(data: bytes, model: type[ModelT], *, max_bytes: int, root: str, not_a_mapping: Problem) -> ModelT:
    """The file's structure, or InvalidInput naming each problem's place in the file.

    ``not_a_mapping`` says what the file should have been when it is not a mapping at all.
    """
    if len(data) > max_bytes:
        limit = max_bytes // (1024 * 1024)
        raise InvalidInput([Problem(N_("The file is larger than the limit of %(limit)s MB."), {"limit": limit})])
    try:
        raw = yaml.load(data.decode("utf-8-sig"), Loader=SafeFileLoader)  # noqa: S506  # a SafeLoader subclass
    except UnicodeDecodeError:
        raise InvalidInput([Problem(N_("The file is not UTF-8 text."))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        detail = str(getattr(exc, "problem", "") or exc)
        raise InvalidInput(
            [
                Problem(
                    N_("The file is not valid YAML: %(detail)s"),
                    {"detail": detail},
                    line=mark.line + 1 if mark else None,
                    column=str(mark.column + 1) if mark else None,
                )
            ]
        ) from None
    if not isinstance(raw, dict):
        raise InvalidInput([not_a_mapping])
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(validation_problems(exc, root)) from None


def validation_problems(exc: ValidationError, root: str = "") -> list[Problem]:
    """Pydantic's errors as our problems, each located by its path (without ``root``)."""
    problems = []
    for err in exc.errors(include_url=False):
        message, params = MESSAGES.get(err["type"], (N_("Invalid value: %(detail)s"), None))
        values: dict[str, object] = params(err.get("ctx") or {}) if params else {"detail": err["msg"]}
        problems.append(Problem(message, values, path=path_of(err["loc"], root), value=scalar(err.get("input"))))
    return problems


def dump_file(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=FullDumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
