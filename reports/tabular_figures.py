"""Inter Tabular: the figures of Inter with its tabular forms made the default, for the PDF's
number columns.

On screen the columns ask for tabular figures with ``font-variant-numeric: tabular-nums``. In the
PDF they take them from this font instead: WeasyPrint (70) hands Pango a new attribute list for
every run of text with a font feature and never frees it, so every number cell of every report
leaked a little of the worker's heap (and fragmented it): a worker's memory grew with each report
it built. A font whose plain digits are already the tabular ones needs no feature.

The font is Inter (SIL OFL 1.1, ``static/fonts/OFL.txt``; Inter has no reserved font name) with
the glyphs of its ``tnum`` feature mapped to the characters, cut down to the characters of a
figure, and renamed. ``make tabular-font`` writes the four files again from the Inter beside
them; a test checks that the files in the tree are what this module makes.
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from maturity.templating import STATIC_DIR

FONTS = STATIC_DIR / "fonts"
FAMILY = "Inter Tabular"
STYLES = ("Regular", "Italic", "SemiBold", "Bold")
# Digits and what stands in a figure: separators (spaces among them), signs and per cent.
CHARACTERS = "0123456789,.:;+-%\u2212\u2013\u2030 \u00a0\u2007\u2009\u202f"


def tabular_name(style: str) -> str:
    return f"InterTabular-{style}.otf"


def make_tabular(source: Path, target: Path) -> None:
    """Write ``source`` (an Inter font) as Inter Tabular: its ``tnum`` glyphs are the default
    ones, only ``CHARACTERS`` are kept, and the names say what it is."""
    font = TTFont(source, recalcTimestamp=False)
    tabular = _tnum_mapping(font)
    for table in font["cmap"].tables:
        for code, glyph in list(table.cmap.items()):
            if glyph in tabular:
                table.cmap[code] = tabular[glyph]
    options = subset.Options()
    options.layout_features = []  # the figures need no feature now (nor kerning: they are even)
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in CHARACTERS])
    subsetter.subset(font)
    _rename(font)
    font.save(target)


def _tnum_mapping(font: TTFont) -> dict[str, str]:
    table = font["GSUB"].table
    lookups = {
        index
        for record in table.FeatureList.FeatureRecord
        if record.FeatureTag == "tnum"
        for index in record.Feature.LookupListIndex
    }
    mapping: dict[str, str] = {}
    for index in sorted(lookups):
        lookup = table.LookupList.Lookup[index]
        for sub in lookup.SubTable:
            single = sub.ExtSubTable if lookup.LookupType == 7 else sub
            mapping.update(single.mapping)
    if not mapping:
        raise ValueError("the font has no tabular figures (no 'tnum' substitutions)")
    return mapping


def _rename(font: TTFont) -> None:
    names = font["name"]
    style = names.getDebugName(2) or "Regular"
    postscript = f"InterTabular-{style.replace(' ', '')}"
    full = f"{FAMILY} {style}" if style != "Regular" else FAMILY
    for record in list(names.names):
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID in (3, 4):
            record.string = full
        elif record.nameID == 6:
            record.string = postscript
    if "CFF " in font:
        cff = font["CFF "].cff
        top = cff[cff.fontNames[0]]
        top.FamilyName = FAMILY
        top.FullName = full
        cff.fontNames = [postscript]


def make_all(fonts: Path = FONTS, target: Path = FONTS) -> list[Path]:
    written = []
    for style in STYLES:
        path = target / tabular_name(style)
        make_tabular(fonts / f"Inter-{style}.otf", path)
        written.append(path)
    return written


if __name__ == "__main__":  # make tabular-font
    for path in make_all():
        sys.stdout.write(f"{path}\n")
