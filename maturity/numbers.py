"""Numbers as people type them and files write them, read the way a Norwegian reader reads them.

A number is read under a decimal mark: ``","`` (``1 500,5``; then ``.`` and spaces, also no-break
ones, group thousands), ``"."`` (``1500.5``; then ``,`` is no thousands separator, only spaces
and ``'`` are), or none known. A file (or the values of one form) decides its mark from the
numbers in it that can be read only one way (``decimal_mark``); a number that can still be read
two ways — ``1.500`` is 1 500 or 1,5 — is refused with both readings, unless only one of them is
a whole number where a whole number is asked for (a count of 1,5 projects is no count).
"""

import re
from collections.abc import Iterable
from decimal import Decimal

from maturity.errors import N_

_SPACES = " \u00a0\u2009\u202f"
_SHAPE = re.compile(r"^(?P<sign>[+-])?(?P<body>[0-9][0-9 \u00a0\u2009\u202f.,']*|[.,][0-9]+)$")
_MARKS = (",", ".")
_NOT_FITTING = {
    ",": N_("%(value)s does not fit this file's decimal comma; read otherwise it would be %(reading)s."),
    ".": N_("%(value)s does not fit this file's decimal point; read otherwise it would be %(reading)s."),
}


class NumberProblem(ValueError):
    """A text that is not one number; ``message`` and ``params`` say why, for the reader."""

    def __init__(self, text: str, message: str = N_("Not a number."), **params: object) -> None:
        super().__init__(text)
        self.text = text
        self.message = message
        self.params = params


def _integer(part: str, *, allowed_groups: str) -> str | None:
    """The digits of an integer part, plain or grouped in threes by one separator from ``allowed_groups``."""
    if part.isdigit() and part.isascii():
        return part
    separators = {c for c in part if not c.isdigit()}
    kind = {"s" if c in _SPACES else c for c in separators}
    if len(kind) != 1 or not separators <= set(allowed_groups):
        return None
    groups = re.split(f"[{re.escape(''.join(separators))}]", part)
    if not (1 <= len(groups[0]) <= 3 and groups[0][0] != "0") or any(len(g) != 3 for g in groups[1:]):
        return None
    return "".join(groups) if all(g.isdigit() and g.isascii() for g in groups) else None


def _readings(body: str, *, mark: str | None) -> dict[str | None, Decimal]:
    """Every way to read ``body``: by the decimal mark it uses (None for a whole number)."""
    out: dict[str | None, Decimal] = {}
    for decimal in (None, *_MARKS):
        if mark is not None and decimal not in (None, mark):
            continue
        # Spaces and ' always group; "." groups under a decimal comma; "," never under a decimal point.
        group_marks = {",": ".", ".": ""}.get(mark, "".join(m for m in _MARKS if m != decimal)) if mark else ""
        if mark is None:
            group_marks = "".join(m for m in _MARKS if m != decimal)
        groups = _SPACES + "'" + group_marks
        if decimal is None:
            integer, fraction = body, ""
        elif body.count(decimal) == 1:
            integer, _, fraction = body.partition(decimal)
            if not (fraction.isdigit() and fraction.isascii()):
                continue
        else:
            continue
        digits = _integer(integer, allowed_groups=groups) if integer else "0"
        if digits is not None:
            out[decimal] = Decimal(f"{digits}.{fraction}" if fraction else digits)
    return out


def _body(text: str, percent: bool) -> tuple[str, str, bool]:
    raw = text.strip().replace("\u2212", "-")
    has_percent = raw.endswith("%")
    if has_percent:
        if not percent:
            raise NumberProblem(text, N_("A %% sign belongs only to a share."))
        raw = raw[:-1].rstrip(_SPACES)
    match = _SHAPE.match(raw)
    if not match or raw[-1] in _SPACES + ".,'":
        raise NumberProblem(text)
    return match["sign"] or "", match["body"], has_percent


def evidence(text: str) -> str | None:
    """The decimal mark ``text`` shows beyond doubt (``2,5``, ``1.500,25``, ``1.5``), or None."""
    try:
        _, body, _ = _body(text, percent=True)
    except NumberProblem:
        return None
    readings = _readings(body, mark=None)
    marks = {m for m in readings if m is not None}
    return marks.pop() if len(marks) == 1 and None not in readings else None


def decimal_mark(texts: Iterable[str]) -> str | None:
    """The decimal mark of a file: the first one its numbers show beyond doubt, or None. A number
    that shows the other one later does not fit the file and is refused, saying so."""
    return next((found for text in texts if (found := evidence(text)) is not None), None)


def _shown(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")  # the readings are named the Norwegian way in both languages' messages


def read_number(text: str, *, mark: str | None = None, whole: bool = False, percent: bool = False) -> Decimal:
    """``text`` as a number under the decimal ``mark`` (None: not known); NumberProblem if it is
    not one, or can be read two ways. ``whole``: a whole number is asked for, which settles
    ``1.500`` as 1 500. ``percent``: a share may be written with ``%`` after it."""
    sign, body, _ = _body(text, percent)
    readings = _readings(body, mark=mark)
    values = sorted(set(readings.values()))
    if whole and None in readings:
        values = [readings[None]]  # nobody counts "7.000" things meaning seven
    if not values:
        if mark is not None and (elsewise := sorted(set(_readings(body, mark=None).values()))):
            raise NumberProblem(
                text,
                _NOT_FITTING[mark],
                value=text.strip(),
                reading=" / ".join(_shown(v) for v in elsewise),
            )
        raise NumberProblem(text)
    if len(values) > 1:
        raise NumberProblem(
            text,
            N_("%(value)s can be read as %(first)s or as %(second)s; write it without the doubt (1 500 or 1,5)."),
            value=text.strip(),
            first=_shown(values[-1]),
            second=_shown(values[0]),
        )
    value = values[0]
    return -value if sign == "-" and value else value  # "-0" is 0


def parse_number(text: str) -> Decimal:
    """A number typed on its own (a form field, a headcount): ``read_number`` with no mark known.

    Raises ValueError (a NumberProblem) for anything else (``12,``, ``1,234,5``, ``abc``, ``1e3``).
    """
    return read_number(text)
