"""Excel workbooks: the project progress report, the portfolio and the apprentice årsværk.

Danish, like the Word report. Figures are written as numbers (not text) straight from the
counting module's results, so a board member can sum and chart them; dates are real dates.
"""

from __future__ import annotations

import functools
import io
import tempfile
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from app.models import Project, Rung
from app.placements.counting import GAIN_HIGH_DKK, GAIN_LOW_DKK, GAIN_MIN_DAYS
from app.reports import aarsvaerk as method
from app.reports.aarsvaerk import AarsvaerkRow
from app.reports.data import PortfolioRow, ProjectReport
from app.reports.word import COUNT_RULES, KORA_SOURCE, danish_label
from app.sanitise import xml_text

HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14, color="1F4E79")
NOTE = Font(italic=True, color="555555")
DATE_FORMAT = "dd-mm-yyyy"  # the one Danish date format of every workbook
DATETIME_FORMAT = "dd-mm-yyyy hh:mm"
INT_FORMAT = "#,##0"
KR_FORMAT = '#,##0 "kr."'
MAX_CELL = 32_767  # the most characters an Excel cell holds
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _append(sheet: Worksheet, values: Sequence = ()) -> None:
    """Append a row; text as XML can hold it (app.sanitise), and text that starts with "="
    stays text, never a formula."""
    sheet.append([xml_text(v)[:MAX_CELL] if isinstance(v, str) else v for v in values])
    if not values:  # an empty row adds no cells: leave the row above alone
        return
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def _workbook(title: str, subject: str) -> Workbook:
    book = Workbook()
    props = book.properties
    props.title, props.subject = xml_text(title), xml_text(subject)
    props.creator = props.lastModifiedBy = "Byg Op"
    props.language = "da-DK"
    return book


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def print_setup(sheet: Worksheet, header_row: int, *, landscape: bool = False) -> None:
    """Print on A4 fitted to one page wide (as many pages down as needed), with the header
    row repeated on every printed page and frozen on screen."""
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.freeze_panes = f"A{header_row + 1}"  # a coordinate: write-only sheets have no cells
    sheet.print_options.gridLines = False


def totals_table(
    sheet: Worksheet,
    name: str,
    header_row: int,
    totals: Sequence[str | None],
) -> None:
    """Make the header row and the data rows below it an Excel table, and add its totals row
    after the last data row: ``"sum"`` for a SUBTOTAL(109, …) of the column (which leaves out
    rows a filter hides), text for a label, None for nothing. The totals row belongs to the
    table, so sorting or filtering the data never moves it."""
    last = sheet.max_row
    columns = len(totals)
    header = [sheet.cell(header_row, c).value for c in range(1, columns + 1)]
    if last <= header_row:  # a table needs at least one data row
        return
    cells = []
    table_columns = []
    for index, (title, total) in enumerate(zip(header, totals, strict=True), 1):
        letter = get_column_letter(index)
        column = TableColumn(id=index, name=str(title))
        if total == "sum":
            column.totalsRowFunction = "sum"
            cells.append(f"=SUBTOTAL(109,{letter}{header_row + 1}:{letter}{last})")
        elif total:
            column.totalsRowLabel = total
            cells.append(total)
        else:
            cells.append(None)
        table_columns.append(column)
    sheet.append(cells)  # our own labels and formulas: no text-from-a-user protection here
    table = Table(
        displayName=name,
        ref=f"A{header_row}:{get_column_letter(columns)}{last + 1}",
        totalsRowCount=1,
    )
    table._initialise_columns()
    table.tableColumns = table_columns
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)
    _total(sheet)


def data_table(sheet: Worksheet, name: str, header_row: int, columns: int) -> None:
    """An Excel table over the header and data rows (no totals), for sorting and filtering."""
    if sheet.max_row <= header_row:
        return
    table = Table(
        displayName=name,
        ref=f"A{header_row}:{get_column_letter(columns)}{sheet.max_row}",
    )
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)


def _title(sheet: Worksheet, title: str, today: date, *dated: tuple[str, date]) -> None:
    """The title, then "Opgjort pr." and any other (label, day) rows as a label beside a real
    date cell (Danish display format), then an empty row."""
    _append(sheet, [title])
    sheet["A1"].font = TITLE
    for label, day in ((AS_OF, today), *dated):
        _append(sheet, [label, day])
        _date_cell(sheet.cell(sheet.max_row, 2))
    _append(sheet)


def _date_cell(cell) -> None:
    """A date cell shown the Danish way, left-aligned like the text beside it."""
    cell.number_format = DATETIME_FORMAT if isinstance(cell.value, datetime) else DATE_FORMAT
    cell.alignment = Alignment(horizontal="left")


def _header(sheet: Worksheet, cells: Sequence[str]) -> int:
    _append(sheet, cells)
    row = sheet.max_row
    for cell in sheet[row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return row


def _total(sheet: Worksheet) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = BOLD, TOTAL_FILL


def _note(sheet: Worksheet, text: str) -> None:
    _append(sheet, [text])
    sheet.cell(sheet.max_row, 1).font = NOTE


def _formats(sheet: Worksheet, first_row: int, formats: dict[int, str]) -> None:
    """Number formats by column (1-based) from `first_row` down."""
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if cell.column in formats and cell.value is not None:
                cell.number_format = formats[cell.column]


def _widths(sheet: Worksheet, widths: Iterable[int]) -> None:
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width


AS_OF = "Opgjort pr."


# --- the project progress report ---------------------------------------------------------------


def project_workbook(report: ProjectReport) -> bytes:
    project, p, overview = report.project, report.progress, report.overview
    t = p.targets
    book = _workbook(f"Fremdriftsrapport – {project.name}", "Fremdriftsrapport")

    status = book.active
    status.title = "Status"
    _title(status, f"Fremdriftsrapport – {project.name}", overview.today)
    main = project.main_contractor
    for label, value in (
        ("Bygherre", project.client.name),
        ("Hovedentreprenør", main.name if main else ""),
        ("Fase", danish_label(project.phase_enum)),
        ("Udførelse start", project.execution_start),
        ("Udførelse slut", project.execution_end),
        ("Tælleregel", COUNT_RULES[t.count_rule] if t else "Ingen godkendt aftale"),
    ):
        _append(status, [label, value])
        status.cell(status.max_row, 1).font = BOLD
    _append(status)
    first = _header(status, ["", "Måltal", "Startet", "Talt med", "Afsluttet"]) + 1
    _append(
        status,
        [
            "Beskæftigelsesforløb",
            t.courses if t else None,
            p.courses_started,
            p.courses_counted,
            p.courses_completed,
        ],
    )
    _append(
        status,
        [
            "Lærepladser",
            t.apprenticeships if t else None,
            p.apprenticeships_started,
            p.apprenticeships_counted,
            p.apprenticeships_completed,
        ],
    )
    _formats(status, first, {n: INT_FORMAT for n in range(2, 6)})
    _append(status)
    _append(status, ["Beboere på stigen", p.residents])
    _append(status, ["Aftalen opfyldt", ("Ja" if p.fulfilled else "Nej") if t else "–"])
    if overview.forecast is not None:
        _append(status, ["Prognose ved udførelsens slut (talte forløb)", overview.forecast])
    _append(status)
    persons, low, high = overview.gain
    _append(status, [f"Personer med mindst {GAIN_MIN_DAYS // 7} ugers ordinær ansættelse", persons])
    _append(status, ["Samfundsøkonomisk gevinst, skøn, lav (kr. om året)", low])
    status.cell(status.max_row, 2).number_format = KR_FORMAT
    _append(status, ["Samfundsøkonomisk gevinst, skøn, høj (kr. om året)", high])
    status.cell(status.max_row, 2).number_format = KR_FORMAT
    _note(status, KORA_SOURCE)
    if report.narrative.strip():
        _append(status)
        _append(status, ["Koordinatorens kommentar"])
        status.cell(status.max_row, 1).font = BOLD
        _append(status, [report.narrative.strip()])
        status.cell(status.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        status.merge_cells(
            start_row=status.max_row, start_column=1, end_row=status.max_row, end_column=5
        )
        status.row_dimensions[status.max_row].height = 15 * min(
            40, 2 + report.narrative.count("\n") + len(report.narrative) // 90
        )
    _widths(status, (52, 14, 14, 14, 14))
    print_setup(status, first - 1)
    for row in status.iter_rows(min_row=4, max_row=10, min_col=2, max_col=2):
        for cell in row:
            if isinstance(cell.value, date):
                _date_cell(cell)

    rungs = book.create_sheet("Pr. trin")
    _header(rungs, ["Trin", "Startet", "Talt med", "Afsluttet"])
    for rung in Rung:
        c = p.per_rung[rung]
        _append(rungs, [f"{rung.step}. {danish_label(rung)}", c.started, c.counted, c.completed])
    totals_table(rungs, "PrTrin", 1, ["I alt", "sum", "sum", "sum"])
    _widths(rungs, (30, 12, 12, 12))
    print_setup(rungs, 1)

    companies = book.create_sheet("Pr. virksomhed")
    _header(companies, ["Virksomhed", *(danish_label(r) for r in Rung), "Talte forløb i alt"])
    for company in report.companies:
        cp = company.progress
        _append(
            companies, [company.name, *(cp.per_rung[r].counted for r in Rung), cp.courses_counted]
        )
    data_table(companies, "PrVirksomhed", 1, 2 + len(Rung))
    _note(companies, "Talte forløb; en beboer på samme trin hos to virksomheder tæller hos begge.")
    _widths(companies, (34, 18, 14, 18, 12, 16))
    print_setup(companies, 1, landscape=True)

    journeys = book.create_sheet("Beboernes forløb")
    _header(journeys, ["Nr.", "Initialer", "Trin", "Virksomhed", "Fra", "Til"])
    for step in report.journeys:
        _append(
            journeys,
            [
                step.person,
                step.initials,
                danish_label(step.rung),
                step.company,
                step.start,
                step.end or "i gang",
            ],
        )
    _formats(journeys, 2, {5: DATE_FORMAT, 6: DATE_FORMAT})
    data_table(journeys, "Forloeb", 1, 6)
    _widths(journeys, (6, 10, 22, 30, 12, 12))
    print_setup(journeys, 1)

    over_time = book.create_sheet("Udvikling")
    _header(over_time, ["Dato", "Talte forløb i alt", "Mål"])
    for day, total in overview.series:
        _append(over_time, [day, total, t.courses if t else None])
    _formats(over_time, 2, {1: DATE_FORMAT})
    _widths(over_time, (12, 18, 8))
    print_setup(over_time, 1)
    return _save(book)


# --- the portfolio ----------------------------------------------------------------------------

PORTFOLIO_HEADER = (
    "Byggesag",
    "Bygherre",
    "Fase",
    "Mål: beskæftigelsesforløb",
    "Mål: lærepladser",
    "Talte beskæftigelsesforløb",
    "Talte lærepladser",
    "Beboere",
    "Aftalen opfyldt",
    f"Personer med mindst {GAIN_MIN_DAYS // 7} ugers ordinær ansættelse",
    "Samfundsøkonomisk gevinst, skøn, lav (kr. om året)",
    "Samfundsøkonomisk gevinst, skøn, høj (kr. om året)",
)


def fulfilled_text(row: PortfolioRow) -> str:
    if row.progress.targets is None:
        return "Ingen godkendt aftale"
    return "Ja" if row.progress.fulfilled else "Nej"


PORTFOLIO_WIDTHS = (34, 28, 12, 14, 12, 14, 12, 10, 14, 16, 18, 18)
PORTFOLIO_FORMATS = {**{n: INT_FORMAT for n in range(4, 11)}, 11: KR_FORMAT, 12: KR_FORMAT}
STREAM_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class PortfolioLine:
    """One project's row of the portfolio as the workbook shows it: its 12 values, and what
    the totals row counts (whether it has targets, whether they are met)."""

    values: tuple
    has_targets: bool
    fulfilled: bool


def portfolio_line(row: PortfolioRow) -> PortfolioLine:
    p, t = row.progress, row.progress.targets
    persons, low, high = row.gain
    values = (
        row.project.name,
        row.project.client.name,
        danish_label(row.project.phase_enum),
        t.courses if t else None,
        t.apprenticeships if t else None,
        p.courses_counted,
        p.apprenticeships_counted,
        p.residents,
        fulfilled_text(row),
        persons,
        low,
        high,
    )
    return PortfolioLine(values, t is not None, bool(p.fulfilled))


# Finished portfolio files per worker, by the day and every line they show; the file of 504
# projects is 40 KB, its key (the lines) about 0.4 MB.
PORTFOLIOS_KEPT = 8
_portfolios: OrderedDict[tuple[date, tuple[PortfolioLine, ...]], bytes] = OrderedDict()
_portfolios_lock = threading.Lock()


def forget_portfolios() -> None:
    """Drop every kept portfolio file (tests)."""
    with _portfolios_lock:
        _portfolios.clear()


def portfolio_workbook(rows: list[PortfolioRow], today: date) -> Iterator[bytes]:
    """The portfolio workbook in pieces. Kept per worker by exactly what it shows (the day and
    each project's line, `PortfolioLine`): a download with the same lines as a kept file sends
    that file; any other is written anew and kept once it was sent whole. The file's core
    properties carry the time it was written."""
    lines = tuple(portfolio_line(row) for row in rows)
    key = (today, lines)
    with _portfolios_lock:
        kept = _portfolios.get(key)
        if kept is not None:
            _portfolios.move_to_end(key)
    if kept is not None:
        return _pieces(kept)
    return _keeping(key, _streamed(_portfolio_book(lines, today)))


def _pieces(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), STREAM_CHUNK):
        yield body[start : start + STREAM_CHUNK]


def _keeping(key, pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Pass the pieces on, and keep the whole file once the last one was sent (a download
    abandoned halfway keeps nothing)."""
    sent = []
    for piece in pieces:
        sent.append(piece)
        yield piece
    with _portfolios_lock:
        _portfolios[key] = b"".join(sent)
        _portfolios.move_to_end(key)
        while len(_portfolios) > PORTFOLIOS_KEPT:
            _portfolios.popitem(last=False)


def _portfolio_book(lines: tuple[PortfolioLine, ...], today: date) -> Workbook:
    """The portfolio workbook, written with openpyxl's write-only mode (each row goes to a
    temporary file as it comes, so memory stays flat however many projects there are). The
    same cells, styles, table and print setup as a workbook built in memory."""
    book = Workbook(write_only=True)
    props = book.properties
    props.title = xml_text("Portefølje – sociale partnerskabsaftaler")
    props.subject = "Porteføljerapport"
    props.creator = props.lastModifiedBy = "Byg Op"
    props.language = "da-DK"
    sheet = book.create_sheet("Portefølje")
    header_row = 4
    # Everything above the rows is written with the first row, so it is set first.
    for index, width in enumerate(PORTFOLIO_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[header_row].height = 48
    print_setup(sheet, header_row, landscape=True)
    sheet.freeze_panes = f"B{header_row + 1}"

    def cell(value, font=None, fill=None, alignment=None, number_format=None):
        if isinstance(value, str):
            value = xml_text(value)[:MAX_CELL]
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            written.data_type = "s"  # text that starts with "=" stays text, never a formula
        if font is not None:
            written.font = font
        if fill is not None:
            written.fill = fill
        if alignment is not None:
            written.alignment = alignment
        if number_format is not None and value is not None:
            written._style = copy(number_styles(number_format))
        return written

    @functools.cache
    def number_styles(number_format: str):
        # Setting `number_format` looks the format up in the workbook's tables on every cell;
        # a plain cell with only a number format takes a copy of the style made once.
        proto = WriteOnlyCell(sheet)
        proto.number_format = number_format
        return proto._style

    sheet.append([cell("Sociale partnerskabsaftaler – portefølje", font=TITLE)])
    sheet.append(
        [
            cell(AS_OF),
            cell(today, number_format=DATE_FORMAT, alignment=Alignment(horizontal="left")),
        ]
    )
    sheet.append([])
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([cell(h, font=BOLD, fill=HEADER_FILL, alignment=wrap) for h in PORTFOLIO_HEADER])
    for line in lines:
        sheet.append(
            [
                cell(value, number_format=PORTFOLIO_FORMATS.get(column))
                for column, value in enumerate(line.values, 1)
            ]
        )
    if lines:  # an Excel table with its totals row (as `totals_table` makes it)
        last = header_row + len(lines)
        with_targets = sum(1 for line in lines if line.has_targets)
        totals = [
            f"I alt ({len(lines)} {'byggesag' if len(lines) == 1 else 'byggesager'})",
            None,
            None,
            *(["sum"] * 5),
            f"{sum(line.fulfilled for line in lines)} af {with_targets}",
            *(["sum"] * 3),
        ]
        table_columns, cells = [], []
        for index, (title, total) in enumerate(zip(PORTFOLIO_HEADER, totals, strict=True), 1):
            letter = get_column_letter(index)
            column = TableColumn(id=index, name=title)
            value = None
            if total == "sum":
                column.totalsRowFunction = "sum"
                value = f"=SUBTOTAL(109,{letter}{header_row + 1}:{letter}{last})"
            elif total:
                column.totalsRowLabel = value = total
            table_columns.append(column)
            written = WriteOnlyCell(sheet, value=value)  # our own labels and formulas
            written.font, written.fill = BOLD, TOTAL_FILL
            if value is not None and index in PORTFOLIO_FORMATS:
                written.number_format = PORTFOLIO_FORMATS[index]
            cells.append(written)
        sheet.append(cells)
        table = Table(
            displayName="Portefoelje",
            ref=f"A{header_row}:{get_column_letter(len(totals))}{last + 1}",
            totalsRowCount=1,
        )
        table._initialise_columns()
        table.tableColumns = table_columns
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        with warnings.catch_warnings():  # "add table columns manually": they are, above
            warnings.filterwarnings("ignore", "In write-only mode", UserWarning)
            sheet.add_table(table)
    sheet.append([])
    for text in (
        "Samfundsøkonomisk gevinst er et skøn, ikke en opgørelse.",
        KORA_SOURCE,
        f"Beregning: antal personer med mindst {GAIN_MIN_DAYS // 7} ugers ordinær ansættelse "
        f"på byggesagen × {GAIN_LOW_DKK:,}–{GAIN_HIGH_DKK:,} kr.".replace(",", "."),
        "Hvert trin, en beboer går op ad progressionsstigen, tæller som ét "
        "beskæftigelsesforløb; en læreplads tæller også mod målet for lærepladser.",
        "Totalen er summen af byggesagerne; en beboer på flere byggesager tæller på hver.",
    ):
        sheet.append([cell(text, font=NOTE)])
    return book


def _streamed(book: Workbook) -> Iterator[bytes]:
    """Save a write-only workbook to a temporary file and yield it in pieces; the file is
    removed when the download ends or is abandoned."""
    with tempfile.TemporaryFile() as spool:
        book.save(spool)
        spool.seek(0)
        while piece := spool.read(STREAM_CHUNK):
            yield piece


# --- apprentice årsværk -------------------------------------------------------------------------

METHOD_NOTES = (
    "Beregnet ud fra læreplads-forløbenes datoer, ikke fra timesedler.",
    f"Antagelse: fuld tid, {method.HOURS_PER_WEEK} timer om ugen. Timer = kalenderdage i årets "
    f"del af forløbet × {method.HOURS_PER_WEEK}/7.",
    f"1 årsværk = {method.HOURS_PER_AARSVAERK:,} timer; årsværk = timer / "
    f"{method.HOURS_PER_AARSVAERK:,}.".replace(",", "."),
    "Et forløb, der stadig er i gang, tælles til og med i dag.",
)


def aarsvaerk_workbook(
    rows: list[AarsvaerkRow],
    totals: list[AarsvaerkRow],
    projects: dict[int, Project],
    today: date,
    targets: dict[int, int | None] | None = None,
) -> bytes:
    """Årsværk per project and year, per year, and per project beside the target.

    ``targets`` maps a project to the årsværk its approved agreement requires (None when the
    agreement has no årsværk clause or nothing is approved)."""
    targets = targets or {}
    book = _workbook("Lærlinge – årsværk", "Årsværk for lærlinge")
    per_project = book.active
    per_project.title = "Pr. byggesag"
    _title(per_project, "Lærlinge pr. byggesag – mål og opnået", today)
    achieved: dict[int, float] = {}
    for row in rows:
        achieved[row.project_id] = achieved.get(row.project_id, 0.0) + row.aarsvaerk
    header = _header(
        per_project,
        ["Byggesag", "Bygherre", "Mål (årsværk)", "Opnået (årsværk)", "Mangler (årsværk)"],
    )
    for project in sorted(projects.values(), key=lambda p: p.name):
        target, done = targets.get(project.id), achieved.get(project.id, 0.0)
        _append(
            per_project,
            [
                project.name,
                project.client.name,
                target,
                round(done, 2),
                round(max(0.0, target - done), 2) if target is not None else None,
            ],
        )
    totals_table(per_project, "PrByggesag", header, ["I alt", None, "sum", "sum", "sum"])
    _formats(per_project, header + 1, {3: "0.00", 4: "0.00", 5: "0.00"})
    _note(
        per_project,
        "Målet er årsværket i den godkendte aftales klausul om lærepladser opgjort i årsværk; "
        "tomt, når aftalen ikke har den.",
    )
    _widths(per_project, (34, 28, 14, 16, 16))
    print_setup(per_project, header, landscape=True)

    sheet = book.create_sheet("Årsværk")
    _title(sheet, "Lærlinge på byggesagerne – årsværk", today)
    for text in METHOD_NOTES:
        _note(sheet, text)
    _append(sheet)
    first = _header(
        sheet, ["År", "Byggesag", "Bygherre", "Lærlinge", "Dage", "Timer", "Årsværk", "Mål"]
    )
    for row in rows:
        project = projects[row.project_id]
        _append(
            sheet,
            [
                row.year,
                project.name,
                project.client.name,
                row.apprentices,
                row.days,
                row.hours,
                row.aarsvaerk,
                targets.get(row.project_id),
            ],
        )
    totals_table(sheet, "Aarsvaerk", first, ["I alt", None, None, None, "sum", "sum", "sum", None])
    _formats(sheet, first + 1, {5: INT_FORMAT, 6: "#,##0.0", 7: "0.00", 8: "0.00"})
    _widths(sheet, (8, 34, 28, 10, 10, 12, 10, 10))
    print_setup(sheet, first, landscape=True)

    per_year = book.create_sheet("Pr. år")
    _header(per_year, ["År", "Lærlinge", "Dage", "Timer", "Årsværk"])
    for row in totals:
        _append(per_year, [row.year, row.apprentices, row.days, row.hours, row.aarsvaerk])
    totals_table(per_year, "PrAar", 1, ["I alt", None, "sum", "sum", "sum"])
    _formats(per_year, 2, {3: INT_FORMAT, 4: "#,##0.0", 5: "0.00"})
    _note(per_year, "Summen af byggesagerne; en lærling på flere byggesager tæller på hver.")
    _widths(per_year, (8, 10, 10, 12, 10))
    print_setup(per_year, 1)
    return _save(book)
