"""Read an uploaded spreadsheet into rows: plain Python, no Flask and no database.

CSV (UTF-8 with or without BOM, or Windows-1252 as older Excel writes it; `;` or `,` detected
from the header line) and XLSX (the first sheet) both become a list of `SheetRow`s whose
values are stripped strings keyed by the normalised Danish column name. Row numbers are the
spreadsheet's own line numbers (the header is line 1), so a user can find the row in Excel.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from app.agreements.variables import Message
from app.i18n import N_
from app.imports import xlsx

MAX_ROWS = 10_000  # non-empty rows below the header
MAX_LINES = 20_000  # the last line a file may reach, blank lines included
MAX_LINE_CHARS = 100_000  # one CSV line
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # the upload form and the CLI refuse larger files
XLSX_MAGIC = b"PK\x03\x04"
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
LINE = re.compile(r"[^\r\n]+")

# Why an XLSX file is refused (app.imports.xlsx.XlsxRefused.kind) -> the message for the user.
XLSX_REFUSALS = {
    "broken": N_("The XLSX file is damaged or incomplete and cannot be read."),
    "empty": N_("The file is empty or has no header row."),
    "members": N_("The XLSX file has more than %(max)d parts; it is not an ordinary spreadsheet."),
    "size": N_(
        "The XLSX file unpacks to more than %(mb)d MB; it is refused so it cannot overload "
        "the server."
    ),
    "ratio": N_(
        "The XLSX file is packed %(ratio)d times tighter than a spreadsheet can be; it looks "
        "like a compression bomb and is refused."
    ),
    "dtd": N_(
        "The XLSX file contains an XML document type declaration (DOCTYPE or ENTITY). "
        "Spreadsheets never need one, so it is refused for safety."
    ),
    "strings": N_("The XLSX file has more than %(max)d different texts."),
    "lines": N_(
        "The sheet reaches row %(row)d; a file may reach at most row %(max)d, blank rows "
        "included. Delete the empty rows at the bottom or split the file."
    ),
}


class ReadError(Exception):
    """The file as a whole cannot be read; carries a message for the user."""

    def __init__(self, msgid: str, **params):
        super().__init__(msgid % params if params else msgid)
        self.message = Message(msgid, params)


@dataclass(frozen=True)
class SheetRow:
    number: int  # the line in the spreadsheet; the header is line 1
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


def normalise_header(name: object) -> str:
    """`  Planlagt  SLUT ` -> `planlagt slut`: case- and space-insensitive column names."""
    text = str(name or "").replace("\ufeff", "").replace("_", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


def read_table(data: bytes, filename: str = "") -> tuple[list[str], list[SheetRow]]:
    """The normalised header and the non-empty rows of a CSV or XLSX file.

    Both kinds are read as a stream: reading stops with a ReadError at the first row past
    MAX_ROWS non-empty rows or past line MAX_LINES, so no more than MAX_ROWS + 1 rows are ever
    held, each with only the columns that have a name in the header."""
    kind = file_kind(data, filename)
    lines = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    header_line = next(lines, None)
    if header_line is None:
        raise ReadError(N_("The file is empty or has no header row."))
    number, header = header_line
    # Only the columns that have a name are read; the first of two equal names wins.
    columns: dict[int, str] = {}
    for index, name in sorted(header.items()):
        if (column := normalise_header(name)) and column not in columns.values():
            columns[index] = column
    if number != 1 or not columns:
        raise ReadError(N_("The file is empty or has no header row."))
    rows = []
    for number, cells in lines:
        values = {column: cell_text(cells.get(index)) for index, column in columns.items()}
        if any(values.values()):
            if len(rows) == MAX_ROWS:
                raise ReadError(N_("The file has more than %(max)d rows."), max=MAX_ROWS)
            rows.append(SheetRow(number, values))
    return list(columns.values()), rows


def file_kind(data: bytes, filename: str) -> str:
    """'xlsx' or 'csv', from the file name and a look at the content."""
    suffix = filename.lower().rpartition(".")[2] if "." in filename else ""
    if suffix and suffix not in ("csv", "txt", "xlsx", "xlsm"):
        raise ReadError(N_("Upload a CSV or XLSX file."))
    if data.startswith(XLSX_MAGIC):
        if suffix in ("csv", "txt"):
            raise ReadError(N_("The file is not a CSV file. Upload a CSV or XLSX file."))
        return "xlsx"
    if suffix in ("xlsx", "xlsm"):
        raise ReadError(N_("The XLSX file cannot be read."))
    if b"\x00" in data:
        raise ReadError(N_("Upload a CSV or XLSX file."))
    return "csv"


def _csv_rows(data: bytes):
    """(line, {column index: text}) for the header and each record, streamed."""
    text = _csv_text(data)
    # One pass over the lines (a pattern for an over-long run would retry at every character).
    too_long = (m for m in LINE.finditer(text) if m.end() - m.start() > MAX_LINE_CHARS)
    if match := next(too_long, None):
        line = text.count("\n", 0, match.start()) + 1
        raise ReadError(
            N_("Line %(line)d is longer than %(max)d characters; it is not a spreadsheet row."),
            line=line,
            max=MAX_LINE_CHARS,
        )
    first = text[: text.find("\n")] if "\n" in text else text
    if not first.strip():
        raise ReadError(N_("The file is empty or has no header row."))
    delimiter = ";" if first.count(";") >= max(first.count(","), 1) else ","
    if first.count("\t") > max(first.count(";"), first.count(",")):
        delimiter = "\t"
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    width = None
    number = 1
    try:
        for cells in records:
            if number > MAX_LINES:
                raise ReadError(XLSX_REFUSALS["lines"], row=number, max=MAX_LINES)
            if width is None:
                width = min(len(cells), xlsx.MAX_COLUMNS)
            yield number, dict(enumerate(cells[:width]))
            # csv.reader counts records, not lines; a quoted cell may span lines, but rarely
            # does here, so the next record's number is the next line's.
            number += 1
    except csv.Error as error:
        raise ReadError(N_("The CSV file cannot be read.")) from error


def _csv_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252; a file that mixes the two is refused."""
    try:
        text, mixed_at = data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        text = data.decode("cp1252", errors="replace")
        mixed_at = error.start if UTF8_SEQUENCE.search(data) else None
    # Binary data decodes as Windows-1252 too; text has next to no control characters.
    sample = text[:65536]
    if len(CONTROL.findall(sample)) > max(len(sample) // 100, 2):
        raise ReadError(N_("The file is not a text file. Upload a CSV or XLSX file."))
    if mixed_at is not None:
        raise ReadError(
            N_(
                "The file mixes two character encodings: line %(line)d is not UTF-8, but "
                "other lines are. Save the file again as “CSV UTF-8”."
            ),
            line=data.count(b"\n", 0, mixed_at) + 1,
        )
    return text


def _xlsx_rows(data: bytes):
    """(line, {column index: value}) for each row of the first sheet, streamed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet = xlsx.open_first_sheet(archive)
            yield from sheet.rows(MAX_LINES)
    except xlsx.XlsxRefused as refusal:
        raise ReadError(XLSX_REFUSALS[refusal.kind], **refusal.params) from refusal
    except xlsx.BROKEN as error:
        raise ReadError(XLSX_REFUSALS["broken"]) from error


def cell_text(value: object) -> str:
    """A cell as text: dates as ISO, whole numbers without `.0`, everything stripped."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


DANISH_DATE = re.compile(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(text: str) -> date | None:
    """dd.mm.yyyy (also with - or /) or ISO yyyy-mm-dd; None for an empty cell.

    Raises ValueError for anything else, including dates that do not exist (31.02.2026)."""
    text = text.strip()
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]  # "2026-03-01 00:00:00" from a spreadsheet
    if match := ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := DANISH_DATE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(text)
    return date(year, month, day)
