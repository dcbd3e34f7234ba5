"""Read the first sheet of an XLSX file with bounded memory and time: plain Python, no Flask.

An upload is hostile until shown otherwise. Before any XML is parsed, `inspect()` looks at the
zip's structure: the number of members, each member's declared unpacked size (zipfile never
inflates a member past it, and a member that would is a CRC error), the total, and the packing
ratio, so a deflate bomb is refused from its directory alone. It then streams every XML member
once and refuses a document type declaration (`<!DOCTYPE`, `<!ENTITY`): spreadsheets never
need one, and it is how billion-laughs and external-entity attacks begin. The parser is
defusedxml's besides, which refuses the same things if they slipped past.

The sheet itself is read as a stream (openpyxl is not used for reading: its loader parses the
styles whole, parses every sheet without a `<dimension>` to its end, and pads every row to the
declared width). Each cell is dropped from the tree as soon as it is read; only columns up to
`MAX_COLUMNS` are kept, and `rows()` stops at the row limit set by the caller, so memory holds
at most that many rows. The declared dimension is checked before the first row is read.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.utils.exceptions import CellCoordinatesException

MiB = 1024 * 1024
MAX_MEMBERS = 1_000
MAX_MEMBER_BYTES = 20 * MiB  # unpacked; a 5,000-row sheet is a few MB
MAX_TOTAL_BYTES = 50 * MiB  # unpacked, all members together
MAX_RATIO = 100  # unpacked / packed, for members over RATIO_FLOOR
RATIO_FLOOR = 1 * MiB
MAX_SHARED_STRINGS = 200_000
MAX_COLUMNS = 200  # cells right of this column are never kept
PRE_SCAN_CHUNK = 256 * 1024
MAX_DEPTH = 64  # XML nesting; a sheet needs about 6
MAX_RUNS = 10_000  # text runs in one cell or string
MAX_FORMATS = 10_000  # custom number formats
MAX_STYLES = 65_490  # cell formats, as in Excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
XML_SUFFIXES = (".xml", ".rels", ".vml")
ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
DIMENSION = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


class XlsxRefused(Exception):
    """The file is refused; `kind` names why, `params` fill the message."""

    def __init__(self, kind: str, **params):
        super().__init__(kind)
        self.kind = kind
        self.params = params


# Everything a damaged or hostile file can make the zip and XML layers raise.
BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ParseError,
    DefusedXmlException,
    KeyError,
    ValueError,
    IndexError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # an unsupported compression method
    OSError,
    UnicodeError,
    OverflowError,  # a date cell far outside the calendar
    CellCoordinatesException,  # a cell reference such as r="1A"
)


def inspect(archive: zipfile.ZipFile) -> None:
    """Refuse the zip from its structure, then scan its XML for DTDs; raises XlsxRefused."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise XlsxRefused("members", max=MAX_MEMBERS)
    total = 0
    for member in members:
        size = member.file_size
        total += size
        if size > MAX_MEMBER_BYTES:
            raise XlsxRefused("size", mb=MAX_MEMBER_BYTES // MiB)
        if total > MAX_TOTAL_BYTES:
            raise XlsxRefused("size", mb=MAX_TOTAL_BYTES // MiB)
        if size > RATIO_FLOOR and size > MAX_RATIO * max(member.compress_size, 1):
            raise XlsxRefused("ratio", ratio=size // max(member.compress_size, 1))
    for member in members:
        if member.filename.lower().endswith(XML_SUFFIXES):
            _scan(archive, member)


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Stream one XML member: UTF-8 (or ASCII) only, and no document type declaration.

    The encoding rule makes the byte search sound: in UTF-16 or UTF-7 `<!DOCTYPE` would not
    appear as these bytes. Reading to the end also checks the member's CRC."""
    tail = b""
    first = True
    with archive.open(member) as stream:
        while chunk := stream.read(PRE_SCAN_CHUNK):
            if first:
                start = chunk.removeprefix(b"\xef\xbb\xbf").lstrip()
                if start and not start.startswith(b"<"):
                    raise XlsxRefused("broken")
                if (match := ENCODING.match(start)) and match[1].lower() not in (
                    b"utf-8",
                    b"utf8",
                    b"us-ascii",
                    b"ascii",
                ):
                    raise XlsxRefused("broken")
                first = False
            window = tail + chunk
            if any(mark in window for mark in DTD_MARKS):
                raise XlsxRefused("dtd")
            tail = window[-16:]


# --- the package's parts ------------------------------------------------------------------


def _events(stream) -> Iterator[tuple[str, object]]:
    """iterparse that forgets: each element leaves the tree once the caller has seen its end.

    So memory holds only the open elements (at most MAX_DEPTH of them), never a subtree; the
    callers read attributes at "start" and an element's own text at "end"."""
    open_elements: list = []
    for event, element in iterparse(stream, events=("start", "end")):
        if event == "start":
            open_elements.append(element)
            if len(open_elements) > MAX_DEPTH:
                raise XlsxRefused("broken")
            yield event, element
            continue
        open_elements.pop()
        yield event, element
        if open_elements:
            open_elements[-1].remove(element)  # its only child: earlier ones are gone


def _part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The member of that name, or None (matched without case, as Excel does)."""
    wanted = name.lstrip("/").lower()
    return next((n for n in archive.namelist() if n.lower() == wanted), None)


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target member) of a part's relationships, targets resolved."""
    rels = _part(archive, _rels_of(part))
    if rels is None:
        return []
    found = []
    folder = posixpath.dirname(part)
    with archive.open(rels) as stream:
        for event, element in _events(stream):
            if event == "start" and element.tag == REL + "Relationship":
                target = element.get("Target", "")
                if element.get("TargetMode") != "External" and target:
                    if target.startswith("/"):
                        target = target[1:]
                    else:
                        target = posixpath.normpath(posixpath.join(folder, target))
                    found.append((element.get("Id", ""), element.get("Type", ""), target))
                    if len(found) > MAX_MEMBERS:
                        raise XlsxRefused("members", max=MAX_MEMBERS)
    return found


def _workbook_part(archive: zipfile.ZipFile) -> str:
    for _id, kind, target in _relationships(archive, ""):
        if kind.endswith("/officeDocument"):
            return target
    return "xl/workbook.xml"


class Workbook:
    """The first worksheet of an inspected archive, with what it takes to read its cells."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        workbook = _part(archive, _workbook_part(archive))
        if workbook is None:
            raise XlsxRefused("broken")
        relationships = _relationships(archive, workbook)
        by_id = {rid: (kind, target) for rid, kind, target in relationships}
        self.epoch = CALENDAR_WINDOWS_1900
        self.sheet = None
        with archive.open(workbook) as stream:
            for event, element in _events(stream):
                if event != "start":
                    continue
                if element.tag == MAIN + "workbookPr":
                    if element.get("date1904", "").lower() in ("1", "true"):
                        self.epoch = CALENDAR_MAC_1904
                elif element.tag == MAIN + "sheet" and self.sheet is None:
                    kind, target = by_id.get(element.get(OFFICE_REL + "id", ""), ("", ""))
                    if kind.endswith("/worksheet"):
                        self.sheet = _part(archive, target)
        if self.sheet is None:
            raise XlsxRefused("empty")
        self.strings: list[str] = []
        self.date_styles: set[int] = set()
        for _id, kind, target in relationships:
            if (name := _part(archive, target)) is None:
                continue
            if kind.endswith("/sharedStrings"):
                self.strings = _shared_strings(archive, name)
            elif kind.endswith("/styles"):
                self.date_styles = _date_styles(archive, name)

    def rows(self, max_line: int) -> Iterator[tuple[int, dict[int, object]]]:
        """(line number, {column index: value}) for each row with cells, streamed.

        Raises XlsxRefused("lines") as soon as the declared dimension or a row reaches past
        `max_line`; cells right of MAX_COLUMNS are skipped."""
        number = 0
        cells: dict[int, object] = {}
        cell = None  # (column, type, style) of the open cell
        raw: str | None = None
        texts: list[str] = []
        phonetic = 0
        with self.archive.open(self.sheet) as stream:
            for event, element in _events(stream):
                tag = element.tag
                if event == "start":
                    if tag == MAIN + "c":
                        column = _column(element.get("r"), max(cells, default=0) + 1)
                        cell = (column, element.get("t", "n"), element.get("s"))
                        raw, texts = None, []
                    elif tag == MAIN + "row":
                        number = int(element.get("r") or number + 1)
                        if number > max_line:
                            raise XlsxRefused("lines", row=number, max=max_line)
                        cells = {}
                    elif tag == MAIN + "rPh":
                        phonetic += 1
                    elif tag == MAIN + "dimension":
                        _check_dimension(element.get("ref", ""), max_line)
                elif tag == MAIN + "v" and cell is not None:
                    raw = element.text or ""
                elif tag == MAIN + "t" and cell is not None and not phonetic:
                    texts.append(element.text or "")
                    if len(texts) > MAX_RUNS:
                        raise XlsxRefused("broken")
                elif tag == MAIN + "rPh":
                    phonetic -= 1
                elif tag == MAIN + "c" and cell is not None:
                    column, kind, style = cell
                    if column <= MAX_COLUMNS:
                        value = self._value(kind, style, raw, texts)
                        if value is not None:
                            cells[column] = value
                    cell = None
                elif tag == MAIN + "row":
                    if cells:
                        yield number, cells
                    cells = {}

    def _value(self, kind: str, style: str | None, raw: str | None, texts: list[str]) -> object:
        if kind == "inlineStr":
            return "".join(texts)
        if raw is None:
            return None
        if kind == "s":
            return self.strings[int(raw)]
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            return datetime.fromisoformat(raw.strip().rstrip("Z"))
        number = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if int(style or 0) in self.date_styles:
            return from_excel(number, self.epoch)
        return number


def _column(reference: str | None, default: int) -> int:
    if not reference:
        return default
    letters, _row = coordinate_from_string(reference)
    return column_index_from_string(letters)


def _check_dimension(ref: str, max_line: int) -> None:
    """The sheet's own declaration of its extent: refuse it before reading a row."""
    match = DIMENSION.match(ref.strip().upper())
    if match is None:
        return  # a missing or odd dimension is only a hint; the rows are counted anyway
    last_row = int(match[4] or match[2])
    if last_row > max_line:
        raise XlsxRefused("lines", row=last_row, max=max_line)


def _shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    """The workbook's string table: each `<si>`'s `<t>` texts, without phonetic runs."""
    strings: list[str] = []
    texts: list[str] = []
    phonetic = 0
    with archive.open(name) as stream:
        for event, element in _events(stream):
            tag = element.tag
            if tag == MAIN + "rPh":
                phonetic += 1 if event == "start" else -1
            elif event == "start":
                if tag == MAIN + "si":
                    texts = []
            elif tag == MAIN + "t" and not phonetic:
                texts.append(element.text or "")
                if len(texts) > MAX_RUNS:
                    raise XlsxRefused("broken")
            elif tag == MAIN + "si":
                if len(strings) >= MAX_SHARED_STRINGS:
                    raise XlsxRefused("strings", max=MAX_SHARED_STRINGS)
                strings.append("".join(texts))
    return strings


def _date_styles(archive: zipfile.ZipFile, name: str) -> set[int]:
    """The indexes of the cell formats (`cellXfs`) that show a number as a date."""
    custom: dict[int, str] = {}
    dates: set[int] = set()
    index = 0
    in_cell_formats = False
    with archive.open(name) as stream:
        for event, element in _events(stream):
            tag = element.tag
            if tag == MAIN + "cellXfs":
                in_cell_formats = event == "start"
            elif event != "start":
                continue
            elif tag == MAIN + "numFmt" and len(custom) < MAX_FORMATS:
                custom[int(element.get("numFmtId") or -1)] = element.get("formatCode", "")
            elif tag == MAIN + "xf" and in_cell_formats:
                if index >= MAX_STYLES:
                    break  # Excel's own limit; no cell can name a later format
                number_format = int(element.get("numFmtId") or 0)
                code = custom.get(number_format) or BUILTIN_FORMATS.get(number_format, "")
                if code and is_date_format(code):
                    dates.add(index)
                index += 1
    return dates


def open_first_sheet(data_or_archive: zipfile.ZipFile) -> Workbook:
    """Inspect the archive (raises XlsxRefused) and open its first worksheet."""
    inspect(data_or_archive)
    return Workbook(data_or_archive)
