"""The font vl-convert measures chart labels with: Inter Regular, the report's font, cut to the
characters of Norwegian and English text, its kerning kept, so every label measures as wide as
WeasyPrint then draws it with the whole font. vl-convert measures a label in the cut font in
half the time (the whole font's tables for other scripts are what it spends the time on).

Made from ``fonts/Inter-Regular.otf`` by ``make chart-font`` (``python -m maturity.charts.font``);
the file is committed, and a test checks it still matches the whole font. SIL OFL 1.1 allows a
cut-down copy under the same name (Inter has no reserved font name).
"""

from pathlib import Path

from maturity.charts.theme import CHART_FONT_DIR, FONT_DIR

SOURCE = FONT_DIR / "Inter-Regular.otf"
TARGET = CHART_FONT_DIR / "Inter-Regular.otf"
# Basic Latin, Latin-1 (æ ø å é ü …), dashes, quotes, ellipsis, bullet, minus, no-break spaces,
# arrows and the status symbols (``theme.STATUS_SYMBOLS``: ▽ ○ ★ ⚠ ✓).
CHARACTERS = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x100),
    0x2013,
    0x2014,
    *range(0x2018, 0x201E),
    0x2022,
    0x2026,
    0x202F,
    *range(0x2190, 0x2194),
    0x2212,
    0x25BD,
    0x25CB,
    0x2605,
    0x26A0,
    0x2713,
]


def make_chart_font(source: Path = SOURCE, target: Path = TARGET) -> Path:
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["kern"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=CHARACTERS)
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(target), options)
    font.close()
    return target


if __name__ == "__main__":
    print(make_chart_font())
