"""Texts that users read exist in Norwegian bokmål and English, stored side by side."""

from typing import Any


class Bilingual:
    """Mixin for tables with ``<field>_nb`` / ``<field>_en`` column pairs."""

    def tr(self, field: str, locale: str) -> str:
        """The text in ``locale``, or in the other language when that one is empty."""
        primary: Any = getattr(self, f"{field}_{'en' if locale == 'en' else 'nb'}", "")
        if primary:
            return str(primary)
        return str(getattr(self, f"{field}_{'nb' if locale == 'en' else 'en'}", "") or "")
