"""Languages: which one a reader gets, numbers as Norwegians write them, and complete catalogs."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from maturity import i18n

ROOT = Path(__file__).resolve().parents[2]
# The same keywords as the Makefile's `messages` target passes to `pybabel extract` (with -k).
MAKEFILE_KEYWORDS = ["N_", "t:2", "translate:2", "translate_plural:2,3"]
PLACEHOLDER = re.compile(r"%\(\w+\)[a-zA-Z]|%%")


class TestNegotiate:
    @pytest.mark.parametrize(
        ("header", "locale"),
        [
            ("no", "nb"),  # what many browsers send for Norwegian
            ("nn", "nb"),  # nynorsk readers get bokmål, the closest we offer
            ("nb-NO", "nb"),
            ("nb_NO", "nb"),
            ("en-US", "en"),
            ("EN-gb", "en"),
            ("en-US,en;q=0.9,nb;q=0.8", "en"),
            ("en;q=0.5, nb;q=0.9", "nb"),  # quality decides, not order
            ("de-DE, nb;q=0.5, en;q=0.4", "nb"),  # the first language we offer, by quality
            ("nb;q=0, en;q=0.1", "en"),  # q=0 means "not this one"
            ("en, nb", "en"),  # equal quality: the browser's order
        ],
    )
    def test_it_picks_the_best_of_our_languages(self, header: str, locale: str) -> None:
        assert i18n.negotiate(header, "default") == locale

    @pytest.mark.parametrize(
        "header", ["", None, "*", "de, fr;q=0.8", "garbage;;;,,q=", "en;q=abc", ";q=1", ",,,", "nb;q=0"]
    )
    def test_anything_else_gives_the_default(self, header: str | None) -> None:
        assert i18n.negotiate(header, "default") == "default"


class TestChooseLocale:
    def test_the_users_own_choice_comes_first(self) -> None:
        assert i18n.choose_locale(user_locale="en", cookie_locale="nb", accept_language="nb", default="nb") == "en"

    def test_then_the_language_switch_cookie(self) -> None:
        assert i18n.choose_locale(user_locale=None, cookie_locale="en", accept_language="nb", default="nb") == "en"

    def test_then_the_browser(self) -> None:
        assert i18n.choose_locale(user_locale=None, cookie_locale=None, accept_language="en-GB", default="nb") == "en"

    def test_then_the_default(self) -> None:
        assert i18n.choose_locale(user_locale=None, cookie_locale=None, accept_language=None, default="en") == "en"

    def test_unknown_choices_are_skipped_not_trusted(self) -> None:
        chosen = i18n.choose_locale(user_locale="sv", cookie_locale="<script>", accept_language="en", default="nb")
        assert chosen == "en"


class TestFormatting:
    def test_norwegian_numbers_have_a_decimal_comma_and_no_break_space_grouping(self) -> None:
        assert i18n.number(1234567.5, "nb") == "1\u00a0234\u00a0567,5"
        assert i18n.number(Decimal("1234.5"), "nb", decimals=2) == "1\u00a0234,50"
        assert i18n.number(0.25, "nb", decimals=0) == "0"

    def test_norwegian_percentages_too(self) -> None:
        assert i18n.percent(0.125, "nb", decimals=1).startswith("12,5")
        assert i18n.percent(12.345, "nb", decimals=1).startswith("1\u00a0234,5")
        assert i18n.percent(0.5, "nb").endswith("%")

    def test_english_numbers_have_a_decimal_point_and_comma_grouping(self) -> None:
        assert i18n.number(1234567.5, "en") == "1,234,567.5"
        assert i18n.percent(0.125, "en", decimals=1).startswith("12.5")

    def test_a_missing_value_is_a_dash_not_zero(self) -> None:
        assert i18n.number(None, "nb") == i18n.percent(None, "nb") == i18n.day(None, "nb") == "–"

    def test_dates_are_written_per_language_and_times_in_oslo(self) -> None:
        assert i18n.day(date(2025, 3, 1), "nb") == "1. mars 2025"
        assert i18n.day(date(2025, 3, 1), "en") == "1 Mar 2025"
        assert "12:00" in i18n.day(datetime(2025, 6, 1, 10, 0, tzinfo=UTC), "nb")  # summer time in Oslo
        assert i18n.day(datetime(2025, 1, 1, 10, 0), "nb") == "1. jan. 2025, 11:00"  # naive = UTC, shown in Oslo time

    def test_messages_are_translated_with_their_parameters(self) -> None:
        assert i18n.translate("nb", "Log in") == "Logg inn"
        assert i18n.translate("en", "Log in") == "Log in"
        assert i18n.translate_plural("nb", "%(num)s unit shown", "%(num)s units shown", 1) == "1 enhet vises"
        assert i18n.translate_plural("nb", "%(num)s unit shown", "%(num)s units shown", 3) == "3 enheter vises"

    def test_text_in_falls_back_to_the_other_language(self) -> None:
        assert i18n.text_in({"nb": "Fakultet", "en": "Faculty"}, "en") == "Faculty"
        assert i18n.text_in({"nb": "Fakultet", "en": ""}, "en") == "Fakultet"
        assert i18n.text_in(None, "nb") == ""


# --- catalog completeness -------------------------------------------------------------------


@cache
def source_messages() -> dict[str, tuple[str, ...]]:
    """Every message id in the sources, extracted as `make messages` does: ``{msgid: (msgid[, plural])}``."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(MAKEFILE_KEYWORDS)}
    found: dict[str, tuple[str, ...]] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        ids = message if isinstance(message, tuple) else (message,)
        found[ids[0]] = ids
    return found


def catalog(locale: str) -> Catalog:
    with (ROOT / "maturity" / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def translations_of(message: Message) -> list[str]:
    forms = message.string if isinstance(message.string, tuple | list) else [message.string]
    return [form or "" for form in forms]


class TestCatalogs:
    def test_the_extraction_finds_the_messages_of_python_and_templates(self) -> None:
        messages = source_messages()
        assert "Unknown kind; use one of: %(kinds)s." in messages  # N_ in Python
        assert "The e-mail address or the password is wrong." in messages  # t(request, …) in a controller
        assert "Log in" in messages  # _() in a template
        assert messages["%(num)s unit shown"] == ("%(num)s unit shown", "%(num)s units shown")  # ngettext

    def test_every_message_has_a_norwegian_translation(self) -> None:
        nb = catalog("nb")
        missing = [
            msgid
            for msgid in source_messages()
            if (m := nb.get(msgid)) is None or m.fuzzy or not all(s.strip() for s in translations_of(m))
        ]
        assert missing == [], "run `make messages` and translate in maturity/locales/nb: " + repr(missing)

    def test_every_message_is_in_the_english_catalog(self) -> None:
        en = catalog("en")
        missing = [msgid for msgid in source_messages() if en.get(msgid) is None]
        assert missing == [], "run `make messages`; not in maturity/locales/en: " + repr(missing)

    def test_norwegian_translations_keep_the_placeholders(self) -> None:
        wrong = []
        for message in catalog("nb"):
            if not message.id or not message.string:
                continue
            ids = tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)
            for index, text in enumerate(translations_of(message)):
                source = ids[min(index, len(ids) - 1)]
                if text and sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                    wrong.append((source, text))
        assert wrong == [], f"placeholders differ between msgid and nb translation: {wrong!r}"
