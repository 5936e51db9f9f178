"""How a response count reads: exact from k up, "fewer than k" below, "not shown" where a
disclosure decision hides it."""

from dataclasses import dataclass

from maturity import i18n


@dataclass(frozen=True, slots=True)
class Participation:
    """A response count as its reader may see it: exact, or "fewer than k" (``count`` None).
    ``rate`` (0–1) is what a response-rate bar may draw: None when the count is not shown or
    there is no headcount, so a bar never gives a hidden count away."""

    count: int | None
    k: int
    rate: float | None = None
    suppressed: bool = False  # hidden by a disclosure decision (it would give a smaller count away), not for k

    @property
    def below_k(self) -> bool:
        return self.count is None

    def label(self, locale: str) -> str:
        """The count in words for ``locale``: "12", "fewer than 5", or "not shown"."""
        if self.suppressed:
            return i18n.translate(locale, "not shown")
        if self.count is None:
            return i18n.translate(locale, "fewer than %(k)s", k=i18n.number(self.k, locale))
        return i18n.number(self.count, locale)


def participation(count: int, k: int, *, headcount: int | None = None, exact: bool = False) -> Participation:
    """How a unit's or group's response count reads: exact from k up (and at 0: nobody to
    protect); below k "fewer than k", unless ``exact`` (the strategy office following up a round
    that lets it: ``surveys.rates.sees_exact_counts``). Every page, API answer and report that shows a
    response count or a response-rate bar goes through this one function."""
    if 0 < count < k and not exact:
        return Participation(None, k)
    return Participation(count, k, count / headcount if headcount else None)
