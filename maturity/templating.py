"""The Jinja set-up every template shares, on a page and in a PDF: the template and static
folders, StrictUndefined, translations, and the number, percent, day and text filters in the
reader's language. No web framework here, so the report workers get it without importing
Litestar and the web app (``maturity.web`` adds what pages need: flash messages, the user,
navigation)."""

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context

from maturity import i18n
from maturity.errors import Problem
from maturity.forms import choices_of, field_groups
from maturity.units.models import KIND_LABELS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS: list[Path | os.PathLike[Any] | str] = [
    d for d in (ROOT / pkg / "templates" for pkg in ("maturity", "surveys", "indicators", "reports")) if d.is_dir()
]
STATIC_DIR = Path(__file__).resolve().parent / "static"

LocaleOf = Callable[[Mapping[str, Any]], str]  # the language a template context is rendered in


def context_locale(ctx: Mapping[str, Any]) -> str:
    """Outside a request: the context's ``locale``."""
    return str(ctx.get("locale", "nb"))


def environment(locale_of: LocaleOf = context_locale) -> Environment:
    """A Jinja environment over the template folders, set up as ``configure`` says (autoescape
    as Litestar's engine sets it)."""
    env = Environment(loader=FileSystemLoader(searchpath=TEMPLATE_DIRS), autoescape=True)
    configure(env, locale_of)
    return env


def configure(env: Environment, locale_of: LocaleOf) -> None:
    """StrictUndefined, translations, filters and the globals that need no request."""

    @pass_context
    def gettext(ctx: Mapping[str, Any], message: str) -> str:
        return i18n.translations(locale_of(ctx)).ugettext(message)

    @pass_context
    def ngettext(ctx: Mapping[str, Any], singular: str, plural: str, n: int) -> str:
        return i18n.translations(locale_of(ctx)).ungettext(singular, plural, n)

    @pass_context
    def number(ctx: Mapping[str, Any], value: Any, decimals: int | None = None) -> str:
        return i18n.number(value, locale_of(ctx), decimals)

    @pass_context
    def percent(ctx: Mapping[str, Any], value: Any, decimals: int = 0) -> str:
        return i18n.percent(value, locale_of(ctx), decimals)

    @pass_context
    def day(ctx: Mapping[str, Any], value: Any, style: str = "medium") -> str:
        return i18n.day(value, locale_of(ctx), style)

    @pass_context
    def text(ctx: Mapping[str, Any], mapping: Mapping[str, str] | None) -> str:
        return i18n.text_in(mapping, locale_of(ctx))

    @pass_context
    def problem_text(ctx: Mapping[str, Any], problem: Problem) -> str:
        """A problem's message in the reader's language."""
        locale = locale_of(ctx)
        return problem.render(lambda message: i18n.translate(locale, message))

    @pass_context
    def page_locale(ctx: Mapping[str, Any]) -> str:
        return locale_of(ctx)

    env.undefined = StrictUndefined  # a typo in a template fails its test instead of rendering ""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    env.filters.update(number=number, percent=percent, day=day, text=text, problem_text=problem_text)
    env.globals.update(
        page_locale=page_locale,
        languages=i18n.LANGUAGE_NAMES,
        unit_kinds={str(k): v for k, v in KIND_LABELS.items()},
        field_groups=field_groups,  # the one form template's
        choices_of=choices_of,
    )
