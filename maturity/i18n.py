"""Languages: the catalogs, choosing a locale for a request, and locale-aware formatting.

Catalogs are read from the ``.po`` files at start-up and compiled in memory, so a fresh install
needs no compile step. Message ids are English; ``nb`` is the default language.
"""

import functools
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from maturity.settings import LOCALES

LOCALE_DIR = Path(__file__).parent / "locales"
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "en": "English"}


@cache
def translations(locale: str) -> Translations:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return Translations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


def translate(locale: str, message: str, **params: object) -> str:
    text = translations(locale).ugettext(message)
    return text % params if params else text


def translate_plural(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(locale).ungettext(singular, plural, n)
    return text % {"num": n, **params}


def _normalise(tag: str) -> str | None:
    tag = tag.strip().replace("_", "-").lower()
    primary = tag.split("-")[0]
    if primary in ("no", "nn", "nb"):
        return "nb"  # browsers send no/nn for Norwegian; we offer bokmål
    return primary if primary in LOCALES else None


@functools.lru_cache(maxsize=512)  # browsers send a handful of distinct headers; every request asks
def negotiate(accept_language: str | None, default: str) -> str:
    """The best of our locales for an Accept-Language header, by quality value."""
    if not accept_language:
        return default
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        locale = _normalise(tag)
        if locale and quality > 0:
            choices.append((-quality, position, locale))
    return min(choices)[2] if choices else default


def choose_locale(
    *, user_locale: str | None, cookie_locale: str | None, accept_language: str | None, default: str
) -> str:
    """The user's choice, else the language switch's cookie, else the browser, else the default."""
    for candidate in (user_locale, cookie_locale):
        if candidate in LOCALES:
            return candidate
    return negotiate(accept_language, default)


def babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse("nb_NO" if locale == "nb" else "en_GB")
    except UnknownLocaleError:  # pragma: no cover - both ship with Babel
        return Locale.parse("en")


def number(value: float | Decimal | int | None, locale: str, decimals: int | None = None) -> str:
    if value is None:
        return "–"
    fmt = None if decimals is None else ("#,##0" + ("." + "0" * decimals if decimals else ""))
    return format_decimal(value, format=fmt, locale=babel_locale(locale))


def percent(value: float | None, locale: str, decimals: int = 0) -> str:
    if value is None:
        return "–"
    babel = babel_locale(locale)
    pattern = babel.percent_formats[None].pattern  # "#,##0 %" (with a no-break space) in nb, "#,##0%" in en
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1)
    return format_percent(value, format=pattern, locale=babel)


def day(value: date | datetime | None, locale: str, style: str = "medium") -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        # The day in the style asked for and the clock in hours and minutes, Oslo time: a reader
        # needs neither the seconds nor the zone's name ("24. desember 2026, 09:53").
        # A naive timestamp is UTC, as every stored one is (maturity.db.UTCDateTime).
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        local = aware.astimezone(ZoneInfo("Europe/Oslo"))
        babel = babel_locale(locale)
        return f"{format_date(local.date(), format=style, locale=babel)}, {format_time(local.time(), 'short', locale=babel)}"
    return format_date(value, format=style, locale=babel_locale(locale))


def text_in(mapping: Mapping[str, str] | None, locale: str) -> str:
    """Pick a text from an ``{nb: …, en: …}`` mapping, falling back to the other language."""
    if not mapping:
        return ""
    return mapping.get(locale) or next((v for v in mapping.values() if v), "")
