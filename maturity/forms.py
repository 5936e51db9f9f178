"""What the forms of every package share: the state a form shows again, the refusal that carries
it, and the checks of one typed value (length, code, number). Each package describes its own
fields and reads its own kinds of value."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from maturity.csvio import parse_number
from maturity.errors import N_, Problem

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
REQUIRED = N_("This field is required.")


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
    """A typed text too long, or (``code``) not a code."""
    problems = []
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
        number = float(parse_number(raw))
    except ValueError:
        return None, [Problem(N_("Not a number."), path=name, value=raw)]
    if whole and not number.is_integer():
        return None, [Problem(N_("Not a whole number."), path=name, value=raw)]
    problems = []
    if minimum is not None and number < minimum:
        problems.append(Problem(N_("Must be at least %(limit)s."), {"limit": minimum}, path=name, value=raw))
    if maximum is not None and number > maximum:
        problems.append(Problem(N_("Must be at most %(limit)s."), {"limit": maximum}, path=name, value=raw))
    return (int(number) if whole else number), problems
