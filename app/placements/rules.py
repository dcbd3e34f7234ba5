"""The rules for placements, in plain Python: usual durations, and why a placement is refused.

Used by the placement forms, the "next rung" action and the import alike. Messages are English
msgids (N_) that the web layer translates."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from app.agreements.variables import Message
from app.enums import Rung
from app.i18n import N_

# Pre-match conversations a candidate must have had before a placement (config MIN_PRE_MATCH).
DEFAULT_MIN_PRE_MATCH = 1


@dataclass(frozen=True)
class Durations:
    """The ladder's usual durations, from the agreement (defaults: the handbook's)."""

    internship_weeks_min: int = 4
    internship_weeks_max: int = 6
    wage_subsidy_months: int = 3
    ordinary_months_min: int = 4

    @classmethod
    def from_values(cls, values: dict | None) -> Durations:
        """The durations an agreement's values give (its `ladder`, or all its values)."""
        return cls(**cls.ladder_of(values))

    @classmethod
    def ladder_of(cls, values: dict | None) -> dict[str, int]:
        """Of an agreement's values, those that set the ladder's durations: what an agreement
        version keeps in its `ladder` column when it is saved."""
        values = values or {}
        fields = cls.__dataclass_fields__
        return {k: int(values[k]) for k in fields if isinstance(values.get(k), int)}

    def usual(self, rung: Rung | str) -> Span | None:
        """How long a placement on `rung` usually lasts; an apprenticeship has no usual end."""
        rung = Rung(rung)
        if rung == Rung.INTERNSHIP:
            return Span(weeks=self.internship_weeks_max)
        if rung == Rung.WAGE_SUBSIDY:
            return Span(months=self.wage_subsidy_months)
        if rung == Rung.ORDINARY:
            return Span(months=self.ordinary_months_min)
        return None

    def minimum(self, rung: Rung | str) -> Span:
        """How long a rung must last to count under the 'min_duration' rule."""
        rung = Rung(rung)
        if rung == Rung.INTERNSHIP:
            return Span(weeks=self.internship_weeks_min)
        if rung == Rung.APPRENTICESHIP:
            return Span()  # counts once at least a partial agreement is signed
        return self.usual(rung)

    def planned_end(self, rung: Rung | str, start: date) -> date | None:
        """The end a placement on `rung` usually has; an apprenticeship has none."""
        usual = self.usual(rung)
        return None if usual is None else usual.last_day(start)


@dataclass(frozen=True)
class Span:
    """A length of time in calendar months or in weeks (7 days each), as the ladder gives it.

    A span of N months that begins on a day ends on the day before the same date N calendar
    months later (month ends clamp: 31 January + 1 month is 28/29 February), so a wage subsidy
    of 3 months from 1 February ends on 30 April. The planned-end default and the minimum
    duration both come from `last_day`, so a placement that runs from its start to its default
    planned end always lasts its minimum."""

    months: int = 0
    weeks: int = 0

    def __bool__(self) -> bool:
        return bool(self.months or self.weeks)

    def last_day(self, start: date) -> date:
        """The last day of this span when it begins on `start` (both days included); the start
        itself for an empty span."""
        if not self:
            return start
        return add_months(start, self.months) + timedelta(weeks=self.weeks) - timedelta(days=1)

    def as_dict(self) -> dict:
        return {"months": self.months, "weeks": self.weeks}


def add_months(day: date, months: int) -> date:
    """The same date `months` calendar months later; a day the month lacks becomes its last."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """An existing placement's dates, for the overlap check."""

    id: int | None
    start: date
    end: date | None  # actual end, or None while it runs


def phase_warning(start: date, phase_start: date | None, phase_end: date | None) -> Message | None:
    """Why a placement from `start` will not count because it starts outside the execution
    phase (see `app.placements.counting`); None when it starts inside. A warning, not a
    refusal: the placement happened and is kept, it just lies outside the agreement."""
    if phase_start is not None and start < phase_start:
        return Message(
            N_(
                "The placement starts before the execution phase begins on %(day)s, so it will "
                "not count towards the agreement."
            ),
            {"day": phase_start.strftime("%d.%m.%Y")},
        )
    if phase_end is not None and start > phase_end:
        return Message(
            N_(
                "The placement starts after the execution phase ended on %(day)s, so it will not "
                "count towards the agreement."
            ),
            {"day": phase_end.strftime("%d.%m.%Y")},
        )
    return None


def overlaps(start: date, end: date | None, other: Period) -> bool:
    far = date.max
    return start <= (other.end or far) and other.start <= (end or far)


def refusals(
    *,
    eligible: bool,
    pre_match_conversations: int,
    company_on_project: bool,
    start: date | None,
    planned_end: date | None,
    actual_end: date | None = None,
    others: Iterable[Period] = (),
    min_pre_match: int = DEFAULT_MIN_PRE_MATCH,
) -> dict[str, list[Message]]:
    """Every reason to refuse this placement, by form field; empty means it may be saved."""
    problems: dict[str, list[Message]] = {}

    def refuse(field: str, msgid: str, **params) -> None:
        problems.setdefault(field, []).append(Message(msgid, params))

    if not eligible:
        refuse(
            "candidate",
            N_(
                "The candidate does not live in social housing under a registered housing "
                "association, so a match is not possible."
            ),
        )
    if pre_match_conversations < min_pre_match:
        refuse(
            "candidate",
            N_(
                "A match needs at least %(min)d conversation before the match; the candidate "
                "has had %(count)d. Log the conversation first."
            ),
            min=min_pre_match,
            count=pre_match_conversations,
        )
    if not company_on_project:
        refuse("company_id", N_("The company does not take part in the project."))
    if start is None:
        return problems
    if planned_end is not None and planned_end < start:
        refuse("planned_end", N_("The planned end cannot be before the start."))
    if actual_end is not None and actual_end < start:
        refuse("actual_end", N_("The end cannot be before the start."))
    # A placement without an actual end is still running, so it reaches into the future.
    for other in others:
        if overlaps(start, actual_end, other):
            refuse(
                "start_date",
                N_(
                    "The candidate already has a placement in this period (from %(start)s). "
                    "One person cannot hold two placements at once."
                ),
                start=other.start.strftime("%d.%m.%Y"),
            )
            break
    return problems
