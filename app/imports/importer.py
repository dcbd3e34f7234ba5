"""Check an import file row by row, then save all of it in one transaction or nothing.

`check(data, filename)` reads the file, resolves names against the database and applies the
placement rules (`app.placements.rules`) to every row; it writes nothing. `save(report, user)`
turns a clean report into candidates, pre-match conversations and placements, and commits once.
Error messages are English msgids keyed by the Danish column they concern (problems with the
file as a whole go to `report.file_errors`); the web layer and the CLI translate them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import current_app, has_request_context
from flask_babel import force_locale, gettext

from app.agreements.variables import Message
from app.audit.log import record_many
from app.bulk import insert_rows
from app.candidates import service as candidates_service
from app.candidates.models import Conversation, ConversationKind
from app.extensions import db
from app.i18n import N_
from app.imports.columns import (
    AREA,
    ASSOCIATION,
    COMPANY,
    CONVERSATIONS,
    EMAIL,
    END,
    FIRST_NAME,
    LAST_NAME,
    MAX_CONVERSATIONS,
    MAX_LENGTHS,
    OUTCOME,
    OUTCOME_NAMES,
    PHONE,
    PLANNED_END,
    PROJECT,
    REFERRAL,
    REQUIRED_COLUMNS,
    RUNG,
    RUNG_NAMES,
    START,
    canonical_column,
)
from app.imports.lookup import Lookup
from app.imports.reader import ReadError, SheetRow, parse_date, read_table
from app.imports.report import ImportReport, Person, RowResult
from app.placements import service as placement_service
from app.placements.rules import Period, overlaps, phase_warning, refusals
from app.placements.service import durations_for, min_pre_match
from app.sanitise import single_line_problem

# --- checking ----------------------------------------------------------------------------


def check(data: bytes, filename: str = "") -> ImportReport:
    """Read and check the whole file; nothing is written."""
    report = ImportReport()
    try:
        header, sheet_rows = read_table(data, filename)
    except ReadError as error:
        report.file_errors.append(error.message)
        return report
    header = [canonical_column(h) for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.file_errors.append(
            Message(N_("The file lacks the columns: %(columns)s."), {"columns": ", ".join(missing)})
        )
        return report
    if not sheet_rows:
        report.file_errors.append(Message(N_("The file has no rows below the header.")))
        return report
    sheet_rows = [
        SheetRow(r.number, {canonical_column(k): v for k, v in r.values.items()})
        for r in sheet_rows
    ]
    lookup = Lookup.load(sheet_rows)
    for sheet_row in sheet_rows:
        report.rows.append(_check_fields(sheet_row, lookup, report.people))
    _check_placements(report)
    return report


def _check_fields(sheet_row: SheetRow, lookup: Lookup, people: list[Person]) -> RowResult:
    """Check one row's own values and find its person, project and company."""
    row = RowResult(sheet_row.number)
    value = sheet_row.get
    first, last = value(FIRST_NAME), value(LAST_NAME)
    phone, email = value(PHONE), value(EMAIL)
    row.name = f"{first} {last}".strip()
    for column in (FIRST_NAME, LAST_NAME):
        if not value(column):
            row.error(column, N_("Missing."))
    # Every column holds one line: a line break (Alt+Enter in Excel) or another control
    # character would follow the name into file names, headers and spreadsheets.
    for column in sheet_row.values:
        if single_line_problem(value(column)):
            row.error(
                column, N_("Contains a line break or a control character; write it on one line.")
            )
    for column, limit in MAX_LENGTHS.items():
        if len(value(column)) > limit:
            row.error(column, N_("At most %(max)d characters."), max=limit)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        row.error(EMAIL, N_("Not a valid email address."))
    if not phone and not email:
        row.error(
            PHONE, N_("Give a phone number or an email address, so the person can be recognised.")
        )

    association = area = None
    if name := value(ASSOCIATION):
        association = lookup.associations.get(name.casefold())
        if association is None:
            row.error(ASSOCIATION, N_("No housing association is called “%(name)s”."), name=name)
        elif area_name := value(AREA):
            area = next(
                (a for a in association.areas if a.name.casefold() == area_name.casefold()), None
            )
            if area is None:
                row.error(
                    AREA,
                    N_("%(association)s has no housing area called “%(name)s”."),
                    association=association.name,
                    name=area_name,
                )
    referral = "other"
    if text := value(REFERRAL):
        referral = lookup.referrals.get(text.casefold())
        if referral is None:
            row.error(REFERRAL, N_("Unknown referral source “%(name)s”."), name=text)

    row.project_name = value(PROJECT)
    if row.project_name:
        found = lookup.project(row.project_name)
        if not found:
            row.error(PROJECT, N_("No project is called “%(name)s”."), name=row.project_name)
        elif len(found) > 1:
            row.error(
                PROJECT,
                N_("Several projects are called “%(name)s”; give the project's id."),
                name=row.project_name,
            )
        else:
            row.project = found[0]
    else:
        row.error(PROJECT, N_("Missing."))

    row.company_name = value(COMPANY)
    company = lookup.companies.get(row.company_name.casefold()) if row.company_name else None
    if not row.company_name:
        row.error(COMPANY, N_("Missing."))
    elif company is None:
        row.error(COMPANY, N_("No company is called “%(name)s”."), name=row.company_name)
    else:
        row.company_id = company.id

    if text := value(RUNG):
        row.rung = RUNG_NAMES.get(text.casefold())
        if row.rung is None:
            row.error(
                RUNG,
                N_("Unknown rung “%(name)s”; use praktik, løntilskud, ordinær or læreplads."),
                name=text,
            )
    else:
        row.error(RUNG, N_("Missing."))

    row.start = _date(row, value, START, required=True)
    row.planned_end = _date(row, value, PLANNED_END)
    row.actual_end = _date(row, value, END)
    if text := value(OUTCOME):
        row.outcome = OUTCOME_NAMES.get(text.casefold())
        if row.outcome is None:
            row.error(
                OUTCOME,
                N_(
                    "Unknown outcome “%(name)s”; use næste trin, gennemført, stoppet før tid or "
                    "andet arbejde."
                ),
                name=text,
            )
    if text := value(CONVERSATIONS):
        if text.isdigit() and int(text) <= MAX_CONVERSATIONS:
            row.wanted_conversations = int(text)
        else:
            row.error(
                CONVERSATIONS,
                N_("Give a whole number from 0 to %(max)d."),
                max=MAX_CONVERSATIONS,
            )

    if first and last and (phone or email):
        row.person = _find_or_add_person(row, lookup, people, first, last, phone, email)
        if row.person.is_new and row.person.first_row == row.number:
            row.person.association_id = association.id if association else None
            row.person.area_id = area.id if area else None
            row.person.eligible = bool(value(ASSOCIATION))
            row.person.referral_source = referral or "other"
        elif (
            row.person.is_new
            and association is not None
            and row.person.association_id not in (None, association.id)
        ):
            row.error(
                ASSOCIATION,
                N_("Row %(row)d gives this person another housing association."),
                row=row.person.first_row,
            )
    return row


def _date(row: RowResult, value, column: str, required: bool = False) -> date | None:
    text = value(column)
    if not text:
        if required:
            row.error(column, N_("Missing."))
        return None
    try:
        return parse_date(text)
    except ValueError:
        row.error(
            column,
            N_("“%(value)s” is not a date; write it as 31.01.2026 or 2026-01-31."),
            value=text,
        )
        return None


def _find_or_add_person(row, lookup, people, first, last, phone, email) -> Person:
    """The person this row is about: someone earlier in the file, an existing candidate, or new."""
    name = (first.casefold(), last.casefold())
    seen = lookup.in_file.setdefault(name, [])
    for person in seen:
        if person.same(first, last, phone, email):
            person.phone = person.phone or phone
            person.email = person.email or email
            return person
    person = next(
        (p for p in lookup.candidates.get(name, ()) if p.same(first, last, phone, email)),
        None,
    ) or Person(first, last, phone, email, first_row=row.number)
    person.first_row = row.number
    seen.append(person)
    people.append(person)
    return person


def _check_placements(report: ImportReport) -> None:
    """The placement rules for every row whose fields are readable; each person's rows in the
    order of their start dates, so the conversations planned for one row count for the next."""
    minimum = min_pre_match()
    durations = {}  # by project id: the approved agreement's ladder, looked up once
    checkable = [r for r in report.rows if r.person and r.start and r.rung]
    for row in sorted(checkable, key=lambda r: (r.start, r.number)):
        person = row.person
        had = sum(
            1 for d in person.conversation_dates + person.new_conversation_dates if d < row.start
        )
        for days in range(1, row.wanted_conversations - had + 1):
            person.new_conversation_dates.append(row.start - timedelta(days=days))
        if row.project is not None and row.planned_end is None:
            if row.project.id not in durations:
                durations[row.project.id] = durations_for(row.project)
            row.planned_end = durations[row.project.id].planned_end(row.rung, row.start)
        company_on_project = row.project is None or row.company_id is None
        if not company_on_project:
            company_on_project = any(
                pc.company_id == row.company_id for pc in row.project.companies
            )
        problems = refusals(
            eligible=person.eligible,
            pre_match_conversations=max(had, row.wanted_conversations),
            company_on_project=company_on_project,
            start=row.start,
            planned_end=row.planned_end,
            actual_end=row.actual_end,
            others=person.periods,
            min_pre_match=minimum,
        )
        for key, messages in problems.items():
            for message in messages:
                row.errors.setdefault(_column_for(key, message), []).append(message)
        # A warning, not an error: the placement happened and belongs in the person's history,
        # so it is imported; it just lies outside the agreement, and the count leaves it out.
        if row.project is not None:
            project = row.project
            warning = phase_warning(row.start, project.execution_start, project.execution_end)
            if warning is not None:
                row.warn(START, warning)
    # Two rows of the same person whose periods overlap: the later row in the file is refused.
    earlier_rows: dict[int, list[RowResult]] = {}
    for row in report.rows:
        if not (row.person and row.start and row.rung):
            continue
        earlier = earlier_rows.setdefault(id(row.person), [])
        clash = next(
            (
                other
                for other in earlier
                if overlaps(row.start, row.actual_end, Period(None, other.start, other.actual_end))
            ),
            None,
        )
        if clash is not None:
            row.error(
                START,
                N_("The placement overlaps the one in row %(row)d for the same person."),
                row=clash.number,
            )
        earlier.append(row)


def _column_for(key: str, message: Message) -> str:
    """The file's column for a key of `refusals()`."""
    if key == "candidate":
        # refusals() reports eligibility and missing pre-match conversations under one key.
        return CONVERSATIONS if "min" in message.params else ASSOCIATION
    return {
        "company_id": COMPANY,
        "planned_end": PLANNED_END,
        "actual_end": END,
        "start_date": START,
    }.get(key, key)


# --- saving ------------------------------------------------------------------------------


def save(report: ImportReport, user) -> tuple[int, int]:
    """Save a clean report in one transaction: all of it, or (on any failure) nothing.

    Returns the number of new candidates and of placements."""
    if not report.ok:
        raise ValueError("only a report without errors can be saved")
    user_id = getattr(user, "id", None)
    try:
        # In bulk: one multi-row INSERT per table, each through the service that keeps its
        # derived columns (the search text; the retention days and progress stamps).
        new_people = [person for person in report.people if person.is_new]
        new_ids = candidates_service.insert_many(
            [
                dict(
                    first_name=person.first_name,
                    last_name=person.last_name,
                    phone=person.phone,
                    email=person.email,
                    association_id=person.association_id,
                    area_id=person.area_id,
                    referral_source=person.referral_source,
                    created_by_id=user_id,
                )
                for person in new_people
            ]
        )
        candidate_ids = {id(person): person.candidate_id for person in report.people}
        candidate_ids.update(
            (id(person), new) for person, new in zip(new_people, new_ids, strict=True)
        )
        note = _default_locale_text(N_("Registered by the import; the date is approximate."))
        # Pre-match conversations: no placement's retention day depends on them.
        conversations = [
            dict(
                candidate_id=candidate_ids[id(person)],
                held_on=held_on,
                kind=ConversationKind.PRE_MATCH,
                notes=note,
                created_by_id=user_id,
            )
            for person in report.people
            for held_on in person.new_conversation_dates
        ]
        if conversations:
            insert_rows(db.session.connection(), Conversation.__table__, conversations)
        placement_service.insert_many(
            [
                dict(
                    candidate_id=candidate_ids[id(row.person)],
                    project_id=row.project.id,
                    company_id=row.company_id,
                    rung=row.rung,
                    start_date=row.start,
                    planned_end=row.planned_end,
                    actual_end=row.actual_end,
                    outcome=row.outcome,
                    created_by_id=user_id,
                )
                for row in sorted(report.rows, key=lambda r: (r.start, r.number))
            ]
        )
        record_many(
            "import", [candidate_ids[id(person)] for person in report.people], "import", user
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report.new_candidates, report.placements


def _default_locale_text(msgid: str) -> str:
    """Translated for the request, or (from the CLI) into the app's default language."""
    if has_request_context():
        return gettext(msgid)
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "da")):
        return gettext(msgid)
