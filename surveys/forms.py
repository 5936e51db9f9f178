"""The builder's forms, described once: each field's name, label and kind drive parsing, the
problems shown next to it, and the one form template (``surveys/partials/builder_form.html``)."""

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from maturity.errors import N_, Problem
from maturity.forms import REQUIRED, FormState, check_text, read_number

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
    kind: str = "text"  # text, textarea, code, number, int, select, radio, checkbox, checkboxes, datetime
    required: bool = True
    help: str = ""  # message id
    max_length: int = 300
    minimum: float | None = None
    lang: str | None = None  # the language of a text, for the lang attribute
    group: str = ""  # message id of the fieldset the field belongs to


def texts(name: str, label_nb: str, label_en: str, kind: str = "text", *, required: bool = True) -> list[FormField]:
    max_length = 300 if kind == "text" else 5000
    return [
        FormField(f"{name}_nb", label_nb, kind, required, lang="nb", max_length=max_length),
        FormField(f"{name}_en", label_en, kind, required, lang="en", max_length=max_length),
    ]


def _one(form: FormData, name: str) -> str:
    raw = form.get(name, "")
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    return str(raw).strip()


def _many(form: FormData, name: str) -> list[str]:
    raw = form.get(name, [])
    values = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for v in values if v and v.strip()]


def parse_local_time(raw: str) -> datetime:
    """``2026-03-01T09:00`` as people mean it here (Norwegian time), in UTC."""
    return datetime.fromisoformat(raw).replace(tzinfo=OSLO).astimezone(UTC)


def local_time_value(moment: datetime) -> str:
    """A moment as a ``datetime-local`` input shows it, in Norwegian time."""
    return moment.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")


def read_form(
    fields: Sequence[FormField], form: FormData, choices: Mapping[str, Sequence[Choice]]
) -> tuple[dict[str, Any], FormState]:
    """Parse a form: the typed values to show again, the parsed values, and each field's problems."""
    state = FormState()
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in fields:
        if f.kind == "checkboxes":
            chosen = _many(form, f.name)
            state.values[f.name] = chosen
            allowed = {c.value for c in choices.get(f.name, ())}
            problems += [
                Problem(N_("Choose one of the options."), path=f.name, value=v) for v in chosen if v not in allowed
            ]
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
            values[f.name] = None if f.kind in ("number", "int", "datetime") else ""
            continue
        values[f.name] = raw
        problems += check_text(f.name, raw, max_length=f.max_length, code=f.kind == "code")
        if f.kind in ("number", "int"):
            number, found = read_number(f.name, raw, whole=f.kind == "int", minimum=f.minimum)
            problems += found
            values[f.name] = number  # None when it is no number: later rules never meet the raw text
        elif f.kind == "datetime":
            try:
                values[f.name] = parse_local_time(raw)
            except ValueError:
                values[f.name] = None  # a later rule comparing moments must not meet the raw text
                problems.append(Problem(N_("Not a date and time (YYYY-MM-DD HH:MM)."), path=f.name, value=raw))
        elif f.kind in ("select", "radio") and raw not in {c.value for c in choices.get(f.name, ())}:
            problems.append(Problem(N_("Choose one of the options."), path=f.name, value=raw))
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
