"""What a well-made report PDF looks like, checked on its pages: the cover with the institution's
logo and name, every chart and the logo with alt text in the tag tree, and no page less than a
third full except the last page of a part (the cover, the report, the appendix)."""

import io
from collections.abc import Iterator
from typing import Any

import pypdfium2
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from maturity import i18n
from reports.content import ReportContent
from reports.rendering import render_print_html

MAX_PAGES = 10  # TKD 2024 of the demo, the bound
MIN_FILL = 1 / 3
# The page box: A4 with 2 cm margins top and bottom (reports/templates/reports/document/print.html).
PAGE_HEIGHT_CM, MARGIN_CM = 29.7, 2.0


def figures(node: Any) -> Iterator[DictionaryObject]:
    """The /Figure elements of a tag tree."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for child in node:
            yield from figures(child)
    elif isinstance(node, DictionaryObject):
        if node.get("/S") == "/Figure":
            yield node
        if "/K" in node:
            yield from figures(node["/K"])


def page_fill(data: bytes) -> list[float]:
    """How far down each page's body its content reaches (0–1), from the rendered pixels."""
    document = pypdfium2.PdfDocument(data)
    try:
        fills = []
        for index in range(len(document)):
            image = document[index].render(scale=0.5).to_pil().convert("L")
            width, height = image.size
            top = round(height * MARGIN_CM / PAGE_HEIGHT_CM)
            bottom = height - top
            pixels = image.load()
            assert pixels is not None
            last = top
            for y in range(top, bottom):
                if any(pixels[x, y] < 200 for x in range(0, width, 2)):  # type: ignore[operator]  # an int for "L"
                    last = y
            fills.append((last - top) / (bottom - top))
        return fills
    finally:
        document.close()


def assert_layout(data: bytes, content: ReportContent) -> None:
    locale = content.language
    reader = PdfReader(io.BytesIO(data))
    texts = [page.extract_text() for page in reader.pages]
    cover = texts[0]
    assert content.institution_name in cover
    assert content.unit.name in cover.replace("\n", " ")
    assert i18n.translate(locale, "Summary") in texts[1]

    html = render_print_html(content)
    images = html.count("<img ")
    alts = [str(figure.get("/Alt", "")) for figure in figures(reader.trailer["/Root"]["/StructTreeRoot"])]
    assert len(alts) == images, (len(alts), images)
    assert all(len(alt) > 20 for alt in alts), alts
    if content.logo:
        logo_alt = i18n.translate(locale, "Logo of %(institution)s", institution=content.institution_name)
        assert logo_alt in alts

    appendix = i18n.translate(locale, "Appendix: the figures in full")
    part_starts = {1} | {i for i, text in enumerate(texts) if appendix in text}
    assert len(part_starts) == 2, part_starts  # the appendix begins on a page of its own
    fills = page_fill(data)
    for index, fill in enumerate(fills):
        last_of_part = index + 1 in part_starts or index == len(fills) - 1
        assert last_of_part or fill >= MIN_FILL, f"page {index + 1} is {fill:.0%} full"
