"""Domain errors that services raise and the web layer maps to responses.

Messages are gettext message ids with named parameters, rendered in the reader's language.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


def N_(message: str) -> str:  # noqa: N802  # the gettext convention for "mark, translate later"
    """Mark a message id for extraction; it is translated where it is shown."""
    return message


class NotFound(Exception):
    """The object does not exist, or lies outside the caller's scope (never say which)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with some input, located as precisely as we can."""

    message: str
    params: dict[str, object] = field(default_factory=dict)
    line: int | None = None
    column: str | None = None
    value: str | None = None
    path: str | None = None  # a field name, or a path inside a structured file

    def render(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.message) % self.params  # messages write a literal % as %%


class InvalidInput(Exception):
    """Input was rejected; nothing was changed. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message % p.params for p in problems))
        self.problems = problems


class BadParameter(Exception):
    """A query parameter that names nothing sensible: 400, with each problem (naming the parameter
    in its path) shown in the reader's language."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message % p.params for p in problems))
        self.problems = problems
