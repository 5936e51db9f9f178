"""HTML → tagged PDF with WeasyPrint, which may read only our static folder and inline images.

Every other URL — files elsewhere on the disk, http(s), ftp — is refused before anything is
opened, so a template (or a value that slipped into one) cannot make the renderer read local
files or reach the network.
"""

import logging
import mimetypes
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from maturity.gcpause import gc_paused
from maturity.templating import STATIC_DIR

log = logging.getLogger("maturity.reports")
PDF_VARIANT = "pdf/ua-1"


class RefusedURL(ValueError):
    """The renderer asked for something outside the static folder."""


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs inside ``root`` and ``data:`` URLs; refuses everything else.

    ``refused`` lists what was asked for and refused, for logs and tests.
    """

    def __init__(self, root: Path = STATIC_DIR) -> None:
        super().__init__(timeout=5, allowed_protocols={"file", "data"}, allow_redirects=False)
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        if scheme == "file":
            path = self._inside_root(url)
            if path is not None:
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})
        self.refused.append(url)
        log.warning("report renderer refused %s", url[:200])
        raise RefusedURL(f"refused: {url[:200]}")

    def _inside_root(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if path.is_relative_to(self.root) and path.is_file():
            return path
        return None


def static_url(relative: str) -> str:
    """The URL the print templates use for a file of the static folder."""
    return (STATIC_DIR / relative).resolve().as_uri()


@cache
def font_config() -> FontConfiguration:
    return FontConfiguration()


@dataclass(frozen=True, slots=True)
class PdfMeta:
    title: str
    language: str
    author: str


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    data: bytes
    pages: int


def render_pdf(html: str, meta: PdfMeta, *, fetcher: StaticOnlyFetcher | None = None) -> RenderedPdf:
    """A PDF/UA-1 document; title and language come from the HTML (``<title>``, ``<html lang>``)."""
    fetcher = fetcher or StaticOnlyFetcher()
    # No cyclic collection while WeasyPrint works: a report's boxes, styles and PDF objects
    # (hundreds of thousands) live until the PDF is written, so every full collection during a
    # render walks them all again for nothing — a sixth to a fifth of the render's CPU time.
    # The document is dropped before collection resumes: its ~100 000 objects in reference
    # cycles are then garbage in the young generation, freed by the next young collection in one
    # pass (kept alive, that collection walked them all for nothing and a full one freed them).
    with gc_paused():
        document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher).render(
            font_config=font_config(), stylesheets=[_page_css()]
        )
        document.metadata.title = meta.title
        document.metadata.authors = [meta.author]
        document.metadata.lang = meta.language
        out = BytesIO()
        document.write_pdf(out, pdf_variant=PDF_VARIANT, uncompressed_pdf=False)
        rendered = RenderedPdf(out.getvalue(), len(document.pages))
        del document
    return rendered


@cache
def _page_css() -> CSS:
    """Nothing but a hook for per-process stylesheet parsing; the report's own CSS is linked."""
    return CSS(string="@page { size: A4; }", font_config=font_config())


def warm_up() -> None:
    """Load Pango, fontconfig and our font once per process."""
    html = (
        '<!doctype html><html lang="nb"><head><title>x</title>'
        f'<link rel="stylesheet" href="{static_url("css/report.css")}"></head>'
        "<body><p>1 234,5</p></body></html>"
    )
    render_pdf(html, PdfMeta("x", "nb", "Maturity"))
