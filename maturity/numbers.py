"""Numbers as people type them and files write them."""

import re
from decimal import Decimal

# A sign, an integer part (plain, or grouped in threes by one separator used throughout), and a
# fraction after one decimal separator. A lone "," or "." before digits is the decimal
# separator: Norwegians write "1,5" and systems export "1.5"; a repeated one groups thousands.
_NUMBER = re.compile(
    r"^(?P<sign>[+-])?"
    r"(?P<int>[0-9]+|[0-9]{1,3}(?P<sep>[ \u00a0\u2009\u202f.,'])[0-9]{3}(?:(?P=sep)[0-9]{3})*)?"
    r"(?:(?P<dec>[.,])(?P<frac>[0-9]+))?$"
)


def parse_number(text: str) -> Decimal:
    """A number as people write it: ``1 234,5``, ``1234.5``, ``1.234,5``, ``1,234.5``, ``-3``, ``−3``.

    Raises ValueError for anything else (``12,``, ``1,234,5``, ``abc``, ``1e3``).
    """
    match = _NUMBER.match(text.strip().replace("\u2212", "-"))
    if not match or not (match["int"] or match["frac"]) or (match["sep"] and match["sep"] == match["dec"]):
        raise ValueError(text)
    integer = re.sub(r"[^0-9]", "", match["int"] or "0")
    fraction = f".{match['frac']}" if match["frac"] else ""
    return Decimal(f"{match['sign'] or ''}{integer}{fraction}")
