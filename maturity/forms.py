"""The one form system of every package: a form is a list of ``FormField``s; ``read_form`` reads
what was sent, checks every typed value with the one reader of its kind, and gives the parsed
values with a ``FormState`` (the raw values to show again and the problems per field); the one
form template (``forms/form.html``) and its field-errors partial (``forms/field_errors.html``,
inline validation) show it. Packages describe their fields; rules that need the database come
after ``read_form`` in the package's own service.

Every typed value passes ``check_typed`` first, whatever its kind: a rule for all typed text
belongs there and applies to every field of every form."""

import itertools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from maturity import numbers
from maturity.errors import N_, BadParameter, Problem

if TYPE_CHECKING:  # the web framework only where a request is checked: workers never import it
    from litestar import Request

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
OSLO = ZoneInfo("Europe/Oslo")
FormData = Mapping[str, str | list[str]]


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str  # a message id, or a text from the database when ``translate`` is off
    translate: bool = True


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str  # message id
    # text, textarea, code, number, int, date, datetime, select, radio, checkbox, checkboxes
    kind: str = "text"
    required: bool = True
    help: str = ""  # message id
    max_length: int = 300
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Choice, ...] = ()  # fixed choices; others come from the page's ``choices``
    lang: str | None = None  # the language of a text, for the lang attribute
    group: str = ""  # message id of the fieldset the field belongs to
    rows: int = 3  # of a textarea


def texts(
    name: str,
    label_nb: str,
    label_en: str,
    kind: str = "text",
    *,
    required: bool = True,
    max_length: int | None = None,
) -> list[FormField]:
    """A text in Norwegian and in English: two fields."""
    length = max_length or (300 if kind == "text" else 5000)
    return [
        FormField(f"{name}_nb", label_nb, kind, required, lang="nb", max_length=length),
        FormField(f"{name}_en", label_en, kind, required, lang="en", max_length=length),
    ]


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


# --- the checks of one typed value, one per kind ----------------------------------------------------


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


def check_typed(name: str, raw: str, *, max_length: int) -> list[Problem]:
    """What every typed value of every kind must be: free of control characters (the one rule for
    typed text above) and not longer than its field allows."""
    problems = control_problem(name, raw)
    if len(raw) > max_length:
        problems.append(
            Problem(N_("This text is longer than %(limit)s characters."), {"limit": max_length}, path=name, value=raw)
        )
    return problems


def check_text(name: str, raw: str, *, max_length: int, code: bool = False) -> list[Problem]:
    """A typed text (``check_typed``), and with ``code`` one that must be a code."""
    problems = check_typed(name, raw, max_length=max_length)
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


def parse_local_time(raw: str) -> datetime:
    """``2026-03-01T09:00`` as people mean it here (Norwegian time), in UTC."""
    return datetime.fromisoformat(raw).replace(tzinfo=OSLO).astimezone(UTC)


def local_time_value(moment: datetime) -> str:
    """A moment as a ``datetime-local`` input shows it, in Norwegian time."""
    return moment.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")


Reader = Callable[[FormField, str, Sequence[Choice]], tuple[Any, list[Problem]]]


def _read_text(f: FormField, raw: str, _: Sequence[Choice]) -> tuple[Any, list[Problem]]:
    return raw, check_text(f.name, raw, max_length=f.max_length, code=f.kind == "code")


def _read_number(f: FormField, raw: str, _: Sequence[Choice]) -> tuple[Any, list[Problem]]:
    problems = check_typed(f.name, raw, max_length=f.max_length)
    number, found = read_number(f.name, raw, whole=f.kind == "int", minimum=f.minimum, maximum=f.maximum)
    return number, problems + found  # None when it is no number: later rules never meet the raw text


def _read_date(f: FormField, raw: str, _: Sequence[Choice]) -> tuple[Any, list[Problem]]:
    problems = check_typed(f.name, raw, max_length=f.max_length)
    try:
        return date.fromisoformat(raw), problems
    except ValueError:
        return None, [*problems, Problem(N_("Not a date (YYYY-MM-DD)."), path=f.name, value=raw)]


def _read_datetime(f: FormField, raw: str, _: Sequence[Choice]) -> tuple[Any, list[Problem]]:
    problems = check_typed(f.name, raw, max_length=f.max_length)
    try:
        return parse_local_time(raw), problems
    except ValueError:
        # None: a later rule comparing moments must not meet the raw text
        return None, [*problems, Problem(N_("Not a date and time (YYYY-MM-DD HH:MM)."), path=f.name, value=raw)]


def _read_choice(f: FormField, raw: str, choices: Sequence[Choice]) -> tuple[Any, list[Problem]]:
    problems = check_typed(f.name, raw, max_length=f.max_length)
    if raw not in {c.value for c in choices}:
        problems.append(Problem(N_("Choose one of the options."), path=f.name, value=raw))
    return raw, problems


READERS: dict[str, Reader] = {
    "text": _read_text,
    "textarea": _read_text,
    "code": _read_text,
    "number": _read_number,
    "int": _read_number,
    "date": _read_date,
    "datetime": _read_datetime,
    "select": _read_choice,
    "radio": _read_choice,
}
EMPTY_IS_NONE = ("number", "int", "date", "datetime")


# --- reading a form ----------------------------------------------------------------------------------


def _one(form: FormData, name: str) -> str:
    raw = form.get(name, "")
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    return str(raw).strip()


def _many(form: FormData, name: str) -> list[str]:
    raw = form.get(name, [])
    values = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for v in values if v and v.strip()]


def choices_of(f: FormField, choices: Mapping[str, Sequence[Choice]]) -> Sequence[Choice]:
    return f.choices or choices.get(f.name, ())


def read_form(
    fields: Sequence[FormField], form: FormData, choices: Mapping[str, Sequence[Choice]] | None = None
) -> tuple[dict[str, Any], FormState]:
    """Parse a form: the typed values to show again, the parsed values, and each field's problems.
    An empty optional field is None for numbers, dates and times, else ""."""
    choices = choices or {}
    state = FormState()
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in fields:
        if f.kind == "checkboxes":
            chosen = _many(form, f.name)
            state.values[f.name] = chosen
            allowed = {c.value for c in choices_of(f, choices)}
            for value in chosen:
                problems += check_typed(f.name, value, max_length=f.max_length)
                if value not in allowed:
                    problems.append(Problem(N_("Choose one of the options."), path=f.name, value=value))
            if f.required and not chosen:
                problems.append(Problem(N_("Choose at least one."), path=f.name))
            values[f.name] = chosen
            continue
        raw = _one(form, f.name)
        if f.kind == "checkbox":
            state.values[f.name] = bool(raw)
            values[f.name] = bool(raw)
            continue
        state.values[f.name] = raw
        if not raw:
            if f.required:
                problems.append(Problem(REQUIRED, path=f.name))
            values[f.name] = None if f.kind in EMPTY_IS_NONE else ""
            continue
        values[f.name], found = READERS[f.kind](f, raw, choices_of(f, choices))
        problems += found
    state.add(problems)
    return values, state


def field_groups(fields: Sequence[FormField]) -> list[tuple[str, list[FormField]]]:
    """Consecutive fields of one ``group``, for the form's fieldsets, in their order."""
    return [(group, list(items)) for group, items in itertools.groupby(fields, key=lambda f: f.group)]


def while_typing(state: FormState, trigger: str | None) -> FormState:
    """Inline validation of a form being filled in: empty fields not reached yet are not errors."""
    errors = {
        name: [p for p in problems if name == trigger or p.message != REQUIRED]
        for name, problems in state.errors.items()
    }
    return FormState(state.values, {name: problems for name, problems in errors.items() if problems})


# --- every form, before its handler ------------------------------------------------------------

TYPED_TEXT_CHECKED = "typed_text_checked"  # a handler's opt: its form shows the rule's refusal per field
FIELD_CONTROL_MESSAGE = N_(
    "Nothing was saved: the field %(field)s contains an invisible control character (%(char)s). "
    "Remove it and send the form again."
)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")  # litestar's RequestEncodingType


async def check_typed_form(request: "Request[Any, Any, Any]") -> None:
    """``before_request``: every text of a posted form normalised (``normalise_text``) before the
    handler reads it, and a control character refused naming the field — unless the handler's
    form reads each field through ``read_form`` (``check_typed``) and shows the refusal beside it."""
    if request.method not in ("POST", "PUT", "PATCH") or request.content_type[0] not in _FORM_TYPES:
        return
    from litestar.utils.scope.state import ScopeState

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
