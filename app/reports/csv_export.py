"""Placements as CSV for Danish Excel: UTF-8 with a byte-order mark, `;` between fields.

Each role gets its own columns, and never more than the progress page shows it: staff the full
names and outcomes, clients initials only, contractors the name and rung of their own company's
placements. Sensitive notes, conversation notes, contact details and the free-text reason for an
outcome are never exported: no column reads them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from app.models import Role, Rung
from app.placements.models import Outcome
from app.reports.data import ExportRow
from app.reports.word import danish_label
from app.sanitise import one_line

CSV_MIMETYPE = "text/csv; charset=utf-8"


def _day(value) -> str:
    return value.isoformat() if value else ""


def _outcome(value: str | None) -> str:
    return danish_label(Outcome(value)) if value else ""


Column = tuple[str, Callable[[ExportRow], str]]

STAFF_COLUMNS: tuple[Column, ...] = (
    ("Byggesag", lambda r: r.project),
    ("Bygherre", lambda r: r.client),
    ("Navn", lambda r: r.candidate.name),
    ("Trin", lambda r: danish_label(r.rung)),
    ("Virksomhed", lambda r: r.company),
    ("Startdato", lambda r: _day(r.start)),
    ("Planlagt slutdato", lambda r: _day(r.planned_end)),
    ("Slutdato", lambda r: _day(r.actual_end)),
    ("Udfald", lambda r: _outcome(r.outcome)),
)
CLIENT_COLUMNS: tuple[Column, ...] = (
    ("Byggesag", lambda r: r.project),
    ("Initialer", lambda r: r.candidate.initials),  # never the name
    ("Trin", lambda r: danish_label(r.rung)),
    ("Virksomhed", lambda r: r.company),
    ("Startdato", lambda r: _day(r.start)),
    ("Slutdato", lambda r: _day(r.actual_end)),
)
CONTRACTOR_COLUMNS: tuple[Column, ...] = (
    ("Byggesag", lambda r: r.project),
    ("Navn", lambda r: r.candidate.name),
    ("Trin", lambda r: danish_label(r.rung)),
)


def columns_for(user) -> tuple[Column, ...]:
    if user.is_staff:
        return STAFF_COLUMNS
    if user.role == Role.CLIENT:
        return CLIENT_COLUMNS
    if user.role == Role.CONTRACTOR:
        return CONTRACTOR_COLUMNS
    return ()


def _cell(text: str) -> str:
    # One record, one line: line breaks and control characters become a space (app.sanitise).
    text = one_line(text)
    # A cell starting like a formula would run in Excel (CSV injection); make it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def placements_csv(rows: Iterable[ExportRow], user, batch: int = 1000) -> Iterator[bytes]:
    """The CSV in pieces of `batch` rows: the first (the byte-order mark and the header) at
    once, so a download of any size starts at once and holds one piece in memory."""
    for member in (*Rung, *Outcome):  # the Danish labels looked up now, in the request (kept
        danish_label(member)  # per process): the pieces are made after it ended
    return _pieces(rows, columns_for(user), batch)  # the columns chosen now, while `user` loads


def _pieces(rows: Iterable[ExportRow], columns, batch: int) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def piece() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    buffer.write("\ufeff")
    writer.writerow([name for name, _ in columns])
    yield piece()
    for number, row in enumerate(rows, 1):
        writer.writerow([_cell(value(row)) for _, value in columns])
        if number % batch == 0:
            yield piece()
    if buffer.tell():
        yield piece()
