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
        values = values or {}
        fields = cls.__dataclass_fields__
        return cls(**{k: int(values[k]) for k in fields if isinstance(values.get(k), int)})

    def planned_end(self, rung: Rung | str, start: date) -> date | None:
        """The end a placement on `rung` usually has; an apprenticeship has none."""
        rung = Rung(rung)
        if rung == Rung.INTERNSHIP:
            return start + timedelta(weeks=self.internship_weeks_max) - timedelta(days=1)
        if rung == Rung.WAGE_SUBSIDY:
            return add_months(start, self.wage_subsidy_months) - timedelta(days=1)
        if rung == Rung.ORDINARY:
            return add_months(start, self.ordinary_months_min) - timedelta(days=1)
        return None

    def minimum_days(self, rung: Rung | str) -> int:
        """Days a rung must last to count under the 'min_duration' rule."""
        rung = Rung(rung)
        start = date(2001, 1, 1)
        if rung == Rung.INTERNSHIP:
            return self.internship_weeks_min * 7
        if rung == Rung.WAGE_SUBSIDY:
            return (add_months(start, self.wage_subsidy_months) - start).days
        if rung == Rung.ORDINARY:
            return (add_months(start, self.ordinary_months_min) - start).days
        return 0  # an apprenticeship counts once at least a partial agreement is signed


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """An existing placement's dates, for the overlap check."""

    id: int | None
    start: date
    end: date | None  # actual end, or None while it runs


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
