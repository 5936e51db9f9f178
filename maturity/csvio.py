"""Reading the CSV files people export from Excel and institutional systems.

UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), or Windows-1252; ``;``,
``,`` or tab delimited; blank trailing lines; a size cap. Every cell is a typed text under the one
rule of ``maturity.forms``: normalised, and refused with a control character. Problems are located by line, column and value; nothing is returned unless
the whole file could be read.
"""

import csv
import io
import re
from dataclasses import dataclass

from maturity.errors import N_, InvalidInput, Problem
from maturity.forms import CONTROL_MESSAGE, control_character, normalise_text

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def problem(self, column: str, message: str, **params: object) -> Problem:
        return Problem(message, params, line=self.line, column=column, value=self.get(column))


@dataclass(frozen=True, slots=True)
class CsvTable:
    columns: list[str]
    rows: list[CsvRow]
    encoding: str
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with; raises InvalidInput for binary data."""
    text, encoding = _decode(data)
    return normalise_text(text), encoding


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):  # Excel's "Unicode text": UTF-16 with a byte order mark, tab delimited
            try:
                return data[2:].decode(encoding), "utf-16"
            except UnicodeDecodeError:
                raise InvalidInput([Problem(N_("The file is not a text (CSV) file."))]) from None
    if b"\x00" in data[:65536]:
        raise InvalidInput([Problem(N_("The file is not a text (CSV) file."))])
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InvalidInput([_encoding_problem(data, exc)]) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InvalidInput([_encoding_problem(data, exc)]) from None
    # Control characters other than tab and line breaks mean this is not text.
    if re.search(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise InvalidInput([Problem(N_("The file is not a text (CSV) file."))])
    return text, "cp1252"


def _encoding_problem(data: bytes, exc: UnicodeDecodeError) -> Problem:
    line = data[: exc.start].count(b"\n") + 1
    return Problem(
        N_("The file is neither UTF-8 nor Windows-1252 text (byte %(byte)s)."),
        {"byte": f"0x{data[exc.start]:02X}"},
        line=line,
    )


def _alias(name: str, aliases: dict[str, str]) -> str:
    """The canonical column name; an alias ending in ``_`` renames a prefix (``ansatte_2024``)."""
    if name in aliases:
        return aliases[name]
    for alias, canonical in aliases.items():
        if alias.endswith("_") and name.startswith(alias):
            return canonical + name.removeprefix(alias)
    return name


def sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(
    data: bytes,
    *,
    required: list[str],
    optional: list[str] | None = None,
    column_pattern: re.Pattern[str] | None = None,
    aliases: dict[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> CsvTable:
    """Parse a whole CSV file. Column names are matched case-insensitively and trimmed.

    ``column_pattern`` admits extra columns by name (for example ``headcount_2024``);
    ``aliases`` maps other accepted names (say, Norwegian ones) to the canonical ones.
    """
    if len(data) > max_bytes:
        raise InvalidInput(
            [Problem(N_("The file is larger than the limit of %(limit)s MB."), {"limit": max_bytes // (1024 * 1024)})]
        )
    text, encoding = decode(data)
    # Only CR and LF end a line; str.splitlines would also break at U+2028, NEL and form feeds
    # that pasted text can carry inside a name.
    lines = re.split(r"\r\n|\r|\n", text)
    while lines and not lines[-1].strip(" \t;,"):
        lines.pop()
    if not lines or not lines[0].strip():
        raise InvalidInput([Problem(N_("The file is empty."))])
    delimiter = sniff_delimiter(lines[0])
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
        header = [_alias(name, aliases or {}) for name in header]
        while header and not header[-1]:
            header.pop()  # Excel writes a delimiter after the last column
    except csv.Error as exc:
        raise InvalidInput(
            [Problem(N_("Line %(line)s cannot be read: %(error)s"), {"line": 1, "error": str(exc)}, line=1)]
        ) from None
    known = set(required) | set(optional or [])
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(N_("Column %(column)s appears twice."), {"column": name}, line=1, column=name))
        seen.add(name)
        if name not in known and not (column_pattern and column_pattern.fullmatch(name)):
            problems.append(Problem(N_("Unknown column %(column)s."), {"column": name}, line=1, column=name))
    for name in required:
        if name not in seen:
            problems.append(
                Problem(N_("Required column %(column)s is missing."), {"column": name}, line=1, column=name)
            )
    if problems:
        raise InvalidInput(problems)

    rows: list[CsvRow] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            while len(record) > len(header) and not record[-1].strip():
                record.pop()  # empty cells under the header's trailing delimiter
            if len(record) != len(header):
                problems.append(
                    Problem(
                        N_("Line %(line)s has %(found)s fields; the header has %(expected)s."),
                        {"line": line, "found": len(record), "expected": len(header)},
                        line=line,
                    )
                )
                continue
            row = CsvRow(line, dict(zip(header, record, strict=True)))
            for column, cell in row.values.items():
                char = control_character(cell)
                if char:
                    problems.append(row.problem(column, CONTROL_MESSAGE, char=char))
            rows.append(row)
    except csv.Error as exc:
        problems.append(
            Problem(
                N_("Line %(line)s cannot be read: %(error)s"),
                {"line": reader.line_num, "error": str(exc)},
                line=reader.line_num,
            )
        )
    if problems:
        raise InvalidInput(problems)
    if not rows:
        raise InvalidInput([Problem(N_("The file has a header but no rows."))])
    return CsvTable(header, rows, encoding, delimiter)
