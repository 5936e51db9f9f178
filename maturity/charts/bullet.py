"""Bullet charts: scores 0–100 (goals, or a goal's indicators), a row each — the score as a bar in
its status colour over a band from 0 to the target (100), the expected progress as a dark tick,
and the score with the status symbol and word written after the band, so nothing is told by
colour alone. A row without a score (insufficient data) has no bar and says so in its words."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from maturity import i18n
from maturity.charts.engine import Chart, cached, chart_kind, make_chart, render, with_values
from maturity.charts.theme import BAND_COLOURS, INK, LABEL_SIZE, STATUS_COLOURS, STATUS_SYMBOLS, themed

BULLET = "bullet"
TARGET = 100.0  # scores are progress towards the target: the band runs to it


@dataclass(frozen=True, slots=True)
class BulletRow:
    """One row: what it is (``label``), its score (None: no data), the status key
    (``STATUS_COLOURS``) and the status in the reader's words."""

    label: str
    score: float | None
    status: str
    status_word: str


@chart_kind(BULLET)
def bullet_spec() -> dict[str, Any]:
    """Data set ``bullet``: label, index, score (may be null), expected, target, colour, text.
    The labels and words are text marks, not axes: vl-convert lays out an axis's labels at about
    three times the cost of the same words as marks (43 → 13 ms for four rows)."""
    import altair as alt

    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField(field="index", op="min"), axis=None)
    x = alt.X("target:Q", scale=alt.Scale(domain=[0, TARGET]), axis=None)
    rows = alt.Chart(alt.NamedData(name=BULLET))
    band = rows.mark_bar(color=BAND_COLOURS[1], size=12).encode(y=y, x=x)
    bar = (
        rows.mark_bar(size=6)
        .encode(y=y, x="score:Q", color=alt.Color("colour:N", scale=None, legend=None))
        .transform_filter("isValid(datum.score)")
    )
    expected = rows.mark_tick(color=INK, thickness=2, size=14).encode(y=y, x="expected:Q")
    labels = rows.mark_text(align="right", dx=-6, color=INK, fontSize=LABEL_SIZE).encode(
        y=y, x=alt.datum(0), text="label:N"
    )
    words = rows.mark_text(align="left", dx=6, color=INK, fontSize=LABEL_SIZE).encode(y=y, x="target:Q", text="text:N")
    return themed(alt.layer(band, bar, expected, labels, words).properties(width=220, height=alt.Step(18)))


@cached(maxsize=256)
def bullet_svg(rows: tuple[BulletRow, ...], expected: float | None, locale: str) -> str:
    values = [
        {
            "label": row.label,
            "index": index,
            "score": row.score,
            "expected": expected,
            "target": TARGET,
            "colour": STATUS_COLOURS.get(row.status, STATUS_COLOURS["insufficient_data"]),
            "text": _words(row, locale),
        }
        for index, row in enumerate(rows)
    ]
    return render(with_values(BULLET, values), locale)


def _words(row: BulletRow, locale: str) -> str:
    symbol = STATUS_SYMBOLS.get(row.status, "")
    score = i18n.number(row.score, locale, 0) if row.score is not None else "–"
    return f"{score}  {symbol} {row.status_word}".strip()


def bullet_chart(rows: Sequence[BulletRow], expected: float | None, what: str, locale: str) -> Chart:
    """Scores 0–100 of ``rows`` against the expected progress (a tick; None: none drawn) and the
    target at 100; ``what`` names the rows in the alt text ("the goals")."""
    listed = "; ".join(f"{row.label}: {_words(row, locale)}" for row in rows)
    alt_text = i18n.translate(locale, "Bullet chart of %(what)s, scores 0–100 against the target of 100", what=what)
    if expected is not None:
        alt_text += i18n.translate(
            locale, " and the expected progress of %(expected)s", expected=i18n.number(expected, locale, 0)
        )
    alt_text += ". " + listed + "."
    return make_chart(bullet_svg(tuple(rows), expected, locale), alt_text)
