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
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from app.agreements.variables import Message
from app.i18n import N_

MAX_ROWS = 5_000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # the upload form and the CLI refuse larger files
XLSX_MAGIC = b"PK\x03\x04"


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
    """The normalised header and the non-empty rows of a CSV or XLSX file."""
    kind = file_kind(data, filename)
    if kind == "xlsx":
        header, body = _xlsx_rows(data)
    else:
        header, body = _csv_rows(data)
    columns = [normalise_header(h) for h in header]
    rows = []
    for number, cells in body:
        values = {}
        for column, cell in zip(columns, cells, strict=False):
            if column and column not in values:
                values[column] = cell_text(cell)
        if any(values.values()):
            rows.append(SheetRow(number, values))
        if len(rows) > MAX_ROWS:
            raise ReadError(N_("The file has more than %(max)d rows."), max=MAX_ROWS)
    return [c for c in columns if c], rows


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
    if b"\x00" in data[:4096]:
        raise ReadError(N_("Upload a CSV or XLSX file."))
    return "csv"


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ReadError(N_("The file is empty or has no header row."))
    first = lines[0]
    delimiter = ";" if first.count(";") >= max(first.count(","), 1) else ","
    if first.count("\t") > max(first.count(";"), first.count(",")):
        delimiter = "\t"
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ReadError(N_("The CSV file cannot be read.")) from error
    # csv.reader counts records, not lines; a quoted cell may span lines, but rarely does here.
    return records[0], [(i + 2, cells) for i, cells in enumerate(records[1:])]


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it drops (data validation, styles); harmless.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            records = [list(r) for r in sheet.iter_rows(values_only=True)]
            workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError) as error:
        raise ReadError(N_("The XLSX file cannot be read.")) from error
    if not records or not any(records[0]):
        raise ReadError(N_("The file is empty or has no header row."))
    return records[0], [(i + 2, cells) for i, cells in enumerate(records[1:])]


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
