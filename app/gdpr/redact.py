"""Find and redact a person in free text: meeting agendas, minutes and decisions (kickoff and
monthly), action items, the kickoff's questions and answers, opening notes and the report
comment. These are shown to clients and contractors, so erasing a candidate must reach them.

What counts as a mention (case-insensitive, whole words, any spacing between the words):
- the full name as registered ("Anna Marie Jensen") and the first and last name as written
  ("Anna Jensen"); only names of two or more words, so a lone first name is never redacted;
- the e-mail address;
- the phone number, compared digit by digit: "+45 71 23 45 67", "71234567" and "71-23-45-67"
  are the same number (at least 6 digits).

Each mention becomes MARKER. Rows with a version column get version + 1 (an edit form still
open on the old text gets a conflict, not an overwrite); a meeting whose agenda changes also
gets a new calendar sequence, so calendars replace the invitation's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import or_, select, update

from app.candidates.models import Candidate
from app.extensions import db
from app.i18n import N_
from app.meetings.models import ActionItem, KickoffQuestion, Meeting, MeetingKind
from app.models import Project
from app.openings.models import Opening
from app.reports.models import ReportNarrative

MARKER = "[slettet person]"
MIN_PHONE_DIGITS = 6
_SEPARATORS = r"[\s.\-/]*"

# The free-text columns searched, per model; the labels are msgids.
FIELD_LABELS = {
    ("kickoff", "agenda"): N_("Kickoff meeting: agenda"),
    ("kickoff", "minutes"): N_("Kickoff meeting: minutes"),
    ("kickoff", "decisions"): N_("Kickoff meeting: decisions"),
    ("monthly", "agenda"): N_("Monthly meeting: agenda"),
    ("monthly", "minutes"): N_("Monthly meeting: minutes"),
    ("monthly", "decisions"): N_("Monthly meeting: decisions"),
    ("action", "text"): N_("Action item"),
    ("action", "owner"): N_("Action item: owner"),
    ("question", "question"): N_("Kickoff Q&A: question"),
    ("question", "answer"): N_("Kickoff Q&A: answer"),
    ("opening", "note"): N_("Opening: note"),
    ("report", "text"): N_("Progress report: comment"),
}


@dataclass(frozen=True)
class Person:
    """What identifies a candidate in free text."""

    candidate_id: int
    pattern: re.Pattern | None

    def count(self, text: str) -> int:
        return len(self.pattern.findall(text)) if self.pattern and text else 0


@dataclass(frozen=True)
class Mention:
    """One free-text field that mentions the person, for the erase page."""

    project_name: str
    label: str  # msgid from FIELD_LABELS
    day: datetime | None
    url: str
    count: int


def _words(*parts: str) -> list[str]:
    return [word for part in parts for word in (part or "").split()]


def _phrase(words: list[str]) -> str:
    return r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)"


def _national_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0045") and len(digits) > 10:
        digits = digits[4:]
    elif digits.startswith("45") and len(digits) > 8:
        digits = digits[2:]
    return digits


def person_pattern(first_name: str, last_name: str, phone: str, email: str) -> re.Pattern | None:
    """One pattern for every way the person may be written; None when nothing identifies."""
    alternatives: list[str] = []
    full = _words(first_name, last_name)
    if len(full) >= 2:
        alternatives.append(_phrase(full))
        short = [_words(first_name)[0], _words(last_name)[-1]] if _words(last_name) else []
        if short and short != full:
            alternatives.append(_phrase(short))
    email = (email or "").strip()
    if "@" in email:
        alternatives.append(r"(?<![\w.+-])" + re.escape(email) + r"(?![\w-])")
    digits = _national_digits(phone)
    if len(digits) >= MIN_PHONE_DIGITS:
        number = _SEPARATORS.join(re.escape(d) for d in digits)
        alternatives.append(rf"(?<![\d+])(?:(?:\+|00)45{_SEPARATORS})?{number}(?!\d)")
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)  # the longest form first: "Anna Marie Jensen"
    return re.compile("|".join(f"(?:{alt})" for alt in alternatives), re.IGNORECASE)


def people(candidate_ids: Iterable[int]) -> list[Person]:
    rows = db.session.execute(
        select(
            Candidate.id,
            Candidate.first_name,
            Candidate.last_name,
            Candidate.phone,
            Candidate.email,
        ).where(Candidate.id.in_(list(candidate_ids)), Candidate.anonymised_at.is_(None))
    ).all()
    return [Person(row.id, person_pattern(*row[1:])) for row in rows]


# --- the rows with free text ---------------------------------------------------------------------


@dataclass
class _Row:
    model: type
    key: dict  # primary key columns and values
    kind: str
    project_id: int
    day: datetime | None
    url_args: tuple[str, dict]
    texts: dict[str, str]


def _meeting_rows() -> Iterable[_Row]:
    rows = db.session.execute(
        select(
            Meeting.id,
            Meeting.project_id,
            Meeting.kind,
            Meeting.starts_at,
            Meeting.agenda,
            Meeting.minutes,
            Meeting.decisions,
        ).where(or_(Meeting.agenda != "", Meeting.minutes != "", Meeting.decisions != ""))
    )
    for row in rows:
        kickoff = row.kind == MeetingKind.KICKOFF
        yield _Row(
            Meeting,
            {"id": row.id},
            "kickoff" if kickoff else "monthly",
            row.project_id,
            row.starts_at,
            ("meetings.kickoff_page", {"project_id": row.project_id})
            if kickoff
            else ("meetings.meeting_page", {"project_id": row.project_id, "meeting_id": row.id}),
            {"agenda": row.agenda, "minutes": row.minutes, "decisions": row.decisions},
        )


def _action_rows() -> Iterable[_Row]:
    rows = db.session.execute(
        select(
            ActionItem.id,
            ActionItem.project_id,
            ActionItem.meeting_id,
            ActionItem.created_at,
            ActionItem.text,
            ActionItem.owner,
            Meeting.kind,
        ).outerjoin(Meeting, Meeting.id == ActionItem.meeting_id)
    )
    for row in rows:
        if row.meeting_id is not None and row.kind == MeetingKind.MONTHLY:
            url = (
                "meetings.meeting_page",
                {"project_id": row.project_id, "meeting_id": row.meeting_id},
            )
        else:
            url = ("meetings.index", {"project_id": row.project_id})
        yield _Row(
            ActionItem,
            {"id": row.id},
            "action",
            row.project_id,
            row.created_at,
            url,
            {"text": row.text, "owner": row.owner},
        )


def _question_rows() -> Iterable[_Row]:
    rows = db.session.execute(
        select(
            KickoffQuestion.id,
            KickoffQuestion.project_id,
            KickoffQuestion.asked_at,
            KickoffQuestion.question,
            KickoffQuestion.answer,
        )
    )
    for row in rows:
        yield _Row(
            KickoffQuestion,
            {"id": row.id},
            "question",
            row.project_id,
            row.asked_at,
            ("meetings.kickoff_page", {"project_id": row.project_id}),
            {"question": row.question, "answer": row.answer},
        )


def _opening_rows() -> Iterable[_Row]:
    rows = db.session.execute(
        select(Opening.id, Opening.project_id, Opening.created_at, Opening.note).where(
            Opening.note != ""
        )
    )
    for row in rows:
        yield _Row(
            Opening,
            {"id": row.id},
            "opening",
            row.project_id,
            row.created_at,
            ("openings.index", {"project_id": row.project_id}),
            {"note": row.note},
        )


def _report_rows() -> Iterable[_Row]:
    rows = db.session.execute(
        select(ReportNarrative.project_id, ReportNarrative.updated_at, ReportNarrative.text).where(
            ReportNarrative.text != ""
        )
    )
    for row in rows:
        yield _Row(
            ReportNarrative,
            {"project_id": row.project_id},
            "report",
            row.project_id,
            row.updated_at,
            ("reports.project_page", {"project_id": row.project_id}),
            {"text": row.text},
        )


def _rows() -> Iterable[_Row]:
    for source in (_meeting_rows, _action_rows, _question_rows, _opening_rows, _report_rows):
        yield from source()


# --- finding and redacting -----------------------------------------------------------------------


def mentions(candidate_id: int) -> list[Mention]:
    """Every free-text field that mentions the candidate, with a link, for the erase page."""
    found = people([candidate_id])
    if not found or found[0].pattern is None:
        return []
    person = found[0]
    hits: list[tuple[_Row, str, int]] = []
    for row in _rows():
        for column, text in row.texts.items():
            if count := person.count(text):
                hits.append((row, column, count))
    if not hits:
        return []
    names = dict(
        db.session.execute(
            select(Project.id, Project.name).where(
                Project.id.in_({row.project_id for row, _, _ in hits})
            )
        ).all()
    )
    result = [
        Mention(
            project_name=names.get(row.project_id, ""),
            label=FIELD_LABELS[(row.kind, column)],
            day=row.day,
            url=url_for(row.url_args[0], **row.url_args[1]),
            count=count,
        )
        for row, column, count in hits
    ]
    result.sort(key=lambda m: (m.project_name, m.day.isoformat() if m.day else "", m.label))
    return result


def redact(candidate_ids: Iterable[int]) -> dict[int, int]:
    """Replace every mention of the candidates in free text with MARKER; return, per candidate,
    the number of fields changed (only candidates with any). Nothing is committed."""
    persons = [person for person in people(candidate_ids) if person.pattern is not None]
    if not persons:
        return {}
    combined = re.compile("|".join(f"(?:{p.pattern.pattern})" for p in persons), re.IGNORECASE)
    places: dict[int, int] = {}
    for row in list(_rows()):
        changed: dict[str, str] = {}
        for column, text in row.texts.items():
            if not text or not combined.search(text):
                continue
            new = text
            for person in persons:
                new, count = person.pattern.subn(MARKER, new)
                if count:
                    places[person.candidate_id] = places.get(person.candidate_id, 0) + 1
            if new != text:
                changed[column] = new
        if changed:
            _update(row, changed)
    return places


def _update(row: _Row, values: dict[str, str]) -> None:
    model = row.model
    statement = update(model).where(*(getattr(model, k) == v for k, v in row.key.items()))
    extra = {}
    if "version" in model.__table__.columns:
        extra["version"] = model.version + 1
    if model is Meeting and "agenda" in values:
        extra["sequence"] = Meeting.sequence + 1
    db.session.execute(
        statement.values(**values, **extra).execution_options(synchronize_session=False)
    )
