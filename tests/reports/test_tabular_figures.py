"""Inter Tabular: the figures of the PDF's number columns, from a font rather than a feature."""

from pathlib import Path

from fontTools.ttLib import TTFont

from reports.tabular_figures import CHARACTERS, FAMILY, FONTS, STYLES, make_all, tabular_name


def advances(font: TTFont, text: str) -> list[int]:
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    return [metrics[cmap[ord(c)]][0] for c in text]


def tnum_advances(font: TTFont, text: str) -> list[int]:
    """What Inter's ``tnum`` feature gives each character."""
    table = font["GSUB"].table
    mapping: dict[str, str] = {}
    for record in table.FeatureList.FeatureRecord:
        if record.FeatureTag == "tnum":
            for index in record.Feature.LookupListIndex:
                for sub in table.LookupList.Lookup[index].SubTable:
                    mapping.update(getattr(sub, "ExtSubTable", sub).mapping)
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    return [metrics[mapping.get(cmap[ord(c)], cmap[ord(c)])][0] for c in text]


def test_the_fonts_in_the_tree_are_what_the_generator_makes(tmp_path: Path) -> None:
    for made in make_all(target=tmp_path):
        assert made.read_bytes() == (FONTS / made.name).read_bytes(), f"run `make tabular-font`: {made.name} differs"


def test_the_plain_figures_are_inters_tabular_ones_and_nothing_else_is_kept() -> None:
    digits = "0123456789"
    for style in STYLES:
        inter = TTFont(FONTS / f"Inter-{style}.otf")
        tabular = TTFont(FONTS / tabular_name(style))
        assert advances(tabular, digits + ",.") == tnum_advances(inter, digits + ",.")
        assert advances(inter, digits) != tnum_advances(inter, digits)  # Inter's own figures are proportional
        assert set(tabular.getBestCmap()) == {ord(c) for c in CHARACTERS}
        assert tabular["name"].getDebugName(1) == FAMILY
        assert "GSUB" not in tabular or not tabular["GSUB"].table.FeatureList.FeatureRecord  # no feature asked for
