"""What the forms of every package share: the state a form shows again, the refusal that carries
it, and the checks of one typed value (length, code, number). Each package describes its own
fields and reads its own kinds of value."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.utils.scope.state import ScopeState

from maturity import numbers
from maturity.errors import N_, BadParameter, Problem

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
REQUIRED = N_("This field is required.")

# The one rule for a text a person types (forms, imported files, the API): NUL and the C0 and C1
# control characters other than tab and newline are refused, naming the field — they cannot be
# seen, PostgreSQL cannot store NUL, and a pasted form feed or bell is never meant; line ends are
# written "\n"; the text is normalised to NFC, so "å" typed two ways is one text to compare, count
# and look up.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The same, as a pattern the API's input types and the OpenAPI description state.
NO_CONTROL_CHARACTERS = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
CONTROL_MESSAGE = N_("This text contains an invisible control character (%(char)s); remove it.")


def normalise_text(raw: str) -> str:
    """A typed text as it is kept: line ends as "\n", Unicode in NFC."""
    return unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))


def control_character(raw: str) -> str | None:
    """The first forbidden control character in ``raw``, named as U+XXXX, or None."""
    found = CONTROL_CHARACTER.search(raw.replace("\r", "\n"))
    return f"U+{ord(found.group()):04X}" if found else None


def control_problem(name: str, raw: str) -> list[Problem]:
    """The rule's refusal of ``raw`` typed into the field ``name`` (empty when it is fine)."""
    char = control_character(raw)
    return [Problem(CONTROL_MESSAGE, {"char": char}, path=name, value=raw)] if char else []


@dataclass
class FormState:
    """What a form shows again: the raw values typed, and the problems per field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def general_errors(self) -> list[Problem]:
        return self.errors.get("", [])

    def add(self, problems: Sequence[Problem]) -> None:
        for problem in problems:
            self.errors.setdefault(problem.path or "", []).append(problem)


class InvalidForm(Exception):
    """A form was rejected and nothing changed; carries what to show again."""

    def __init__(self, state: FormState) -> None:
        super().__init__(", ".join(state.errors))
        self.state = state


def check_text(name: str, raw: str, *, max_length: int, code: bool = False) -> list[Problem]:
    """A typed text with a control character, too long, or (``code``) not a code."""
    problems = control_problem(name, raw)
    if len(raw) > max_length:
        problems.append(
            Problem(N_("This text is longer than %(limit)s characters."), {"limit": max_length}, path=name, value=raw)
        )
    if code and not CODE_PATTERN.match(raw):
        problems.append(Problem(N_("A code is letters, digits, '.', '_' or '-'."), path=name, value=raw))
    return problems


def read_number(
    name: str, raw: str, *, whole: bool, minimum: float | None = None, maximum: float | None = None
) -> tuple[float | None, list[Problem]]:
    """A typed number (``int`` when ``whole``), or None when it is none; and what is wrong with it."""
    try:
        number = float(numbers.read_number(raw, whole=whole))
    except numbers.NumberProblem as exc:
        return None, [Problem(exc.message, exc.params, path=name, value=raw)]
    if whole and not number.is_integer():
        return None, [Problem(N_("Not a whole number."), path=name, value=raw)]
    problems = []
    if minimum is not None and number < minimum:
        problems.append(Problem(N_("Must be at least %(limit)s."), {"limit": minimum}, path=name, value=raw))
    if maximum is not None and number > maximum:
        problems.append(Problem(N_("Must be at most %(limit)s."), {"limit": maximum}, path=name, value=raw))
    return (int(number) if whole else number), problems


# --- every form, before its handler ------------------------------------------------------------

TYPED_TEXT_CHECKED = "typed_text_checked"  # a handler's opt: its form shows the rule's refusal per field
FIELD_CONTROL_MESSAGE = N_(
    "Nothing was saved: the field %(field)s contains an invisible control character (%(char)s). "
    "Remove it and send the form again."
)
_FORM_TYPES = (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART)


async def check_typed_form(request: Request[Any, Any, Any]) -> None:
    """``before_request``: every text of a posted form normalised (``normalise_text``) before the
    handler reads it, and a control character refused naming the field — unless the handler's
    form reads each field through ``check_text`` and shows the refusal beside it."""
    if request.method not in ("POST", "PUT", "PATCH") or request.content_type[0] not in _FORM_TYPES:
        return
    await request.form()  # parsed once; the handler's ``data`` is read from the same parse
    form = cast(dict[str, Any], ScopeState.from_scope(request.scope).form)
    problems: list[Problem] = []
    for name, value in form.items():
        if isinstance(value, str):
            form[name] = normalise_text(value)
            problems += control_problem(name, value)
        elif isinstance(value, list):
            form[name] = [normalise_text(v) if isinstance(v, str) else v for v in value]
            problems += [p for v in value if isinstance(v, str) for p in control_problem(name, v)]
        problems += control_problem(name, name)  # a field's name is sent too
    if problems and not request.route_handler.opt.get(TYPED_TEXT_CHECKED):
        first = problems[0]
        shown = CONTROL_CHARACTER.sub("\ufffd", first.path or "")
        raise BadParameter([Problem(FIELD_CONTROL_MESSAGE, {"field": shown, **first.params}, path=shown)])
