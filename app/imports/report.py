"""The result of checking an import file: one `RowResult` per row, the people they are about,
and the problems with the file as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.agreements.variables import Message
from app.imports.columns import normalise_phone
from app.models import Project, Rung
from app.placements.models import Outcome
from app.placements.rules import Period


@dataclass(eq=False)
class Person:
    """One person in the file: an existing candidate, or a new one made from their first row."""

    first_name: str
    last_name: str
    phone: str
    email: str
    first_row: int
    candidate_id: int | None = None  # an existing candidate
    eligible: bool = True
    association_id: int | None = None
    area_id: int | None = None
    referral_source: str = "other"
    periods: list[Period] = field(default_factory=list)  # existing placements
    conversation_dates: list[date] = field(default_factory=list)  # existing pre-match ones
    new_conversation_dates: list[date] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.candidate_id is None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def folded_name(self) -> tuple[str, str]:
        return self.first_name.casefold(), self.last_name.casefold()

    def same(self, first: str, last: str, phone: str, email: str) -> bool:
        """Same first and last name, and the same phone number or email address."""
        if (first.casefold(), last.casefold()) != self.folded_name:
            return False
        same_phone = bool(phone) and normalise_phone(phone) == normalise_phone(self.phone)
        same_email = bool(email) and email.casefold() == self.email.casefold()
        return same_phone or same_email


@dataclass(eq=False)
class RowResult:
    number: int
    name: str = ""
    project_name: str = ""
    company_name: str = ""
    rung: Rung | None = None
    start: date | None = None
    planned_end: date | None = None
    actual_end: date | None = None
    outcome: Outcome | None = None
    errors: dict[str, list[Message]] = field(default_factory=dict)
    # Saved all the same, but worth knowing: e.g. a start outside the execution phase.
    warnings: dict[str, list[Message]] = field(default_factory=dict)
    person: Person | None = None
    project: Project | None = None
    company_id: int | None = None
    wanted_conversations: int = 1

    def error(self, column: str, msgid: str, **params) -> None:
        self.errors.setdefault(column, []).append(Message(msgid, params))

    def warn(self, column: str, message: Message) -> None:
        self.warnings.setdefault(column, []).append(message)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[Message] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def new_candidates(self) -> int:
        return sum(1 for p in self.people if p.is_new)

    @property
    def placements(self) -> int:
        return len(self.rows)

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for r in self.rows if not r.ok)

    @property
    def rows_with_warnings(self) -> int:
        return sum(1 for r in self.rows if r.warnings)
