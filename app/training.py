"""The target calculator: training årsværk from a project's trades budget (plain Python).

The client decides the targets; this only advises. The figures, and the assumptions behind
them, are stated where they are shown and in the README:

- required training årsværk = trades budget in DKK million × the coefficient (training årsværk
  per DKK million; default Bygherreforeningen's conversion figure, about 6 apprentice årsværk per
  DKK 100 million, that is 0.06 per million);
- one person full time over the execution phase gives days of the phase × 37 / 7 hours ÷ 1,924
  hours = the phase's årsværk per person (the same method as the årsværk report), so the
  requirement as apprentices employed at once = required årsværk ÷ that;
- each apprenticeship in the drafted target is assumed to start on the phase's first day and to
  run for the rest of the phase or for an apprenticeship's usual length, whichever is shorter.
  The usual length is USUAL_APPRENTICESHIP_MONTHS (4 years: most construction trades' vocational
  educations run about four years, main course included);
- the suggestion is the fewest apprenticeships that cover the requirement; the courses target
  follows the ladder, so that each suggested apprenticeship is reached by a full climb of its four
  rungs (4 courses each), never lowering a courses target already higher.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.i18n import N_
from app.reports.aarsvaerk import HOURS_PER_AARSVAERK, HOURS_PER_WEEK

# Bygherreforeningen: about 6 apprentice årsværk per DKK 100 million of trades budget.
DEFAULT_COEFFICIENT = Decimal("0.06")
DEFAULT_SOURCE = (
    "Bygherreforeningens omregningsfaktor: ca. 6 lærlingeårsværk pr. 100 mio. kr. "
    "håndværkerudgifter (1 årsværk = 1.924 timer)."
)
USUAL_APPRENTICESHIP_MONTHS = 48
LADDER_RUNGS = 4
# LBF's support condition: at least 14 % of the people employed are persons in training.
LBF_TRAINING_SHARE = 14
MAX_BUDGET = 100_000_000_000  # DKK 100 billion: above any social-housing project
MAX_COEFFICIENT = Decimal("10")

_KRONER = re.compile(r"\d{1,3}(?:[. ]\d{3})+|\d+")


def parse_kroner(raw: str | None) -> tuple[int | None, str | None]:
    """Whole kroner from a form: digits, optionally grouped by '.' or spaces ('12.500.000').
    Returns (value, None), (None, None) for empty, or (None, an English msgid) when invalid."""
    text = (raw or "").strip().replace("\u00a0", " ")
    if text.lower().endswith("kr."):
        text = text[:-3].strip()
    elif text.lower().endswith("kr"):
        text = text[:-2].strip()
    if not text:
        return None, None
    if text.startswith("-"):
        return None, N_("Enter an amount of 0 kr. or more.")
    if "," in text:
        return None, N_("Enter whole kroner, without øre.")
    if not _KRONER.fullmatch(text):
        return None, N_("Enter the amount in whole kroner, for example 45.000.000.")
    value = int(re.sub(r"[. ]", "", text))
    if value > MAX_BUDGET:
        return None, N_("Enter an amount no larger than 100.000.000.000 kr.")
    return value, None


def format_kroner(value: int | None) -> str:
    """45000000 as '45.000.000' (Danish thousands separator); '' for None."""
    return "" if value is None else f"{value:,}".replace(",", ".")


def danish_decimal(value: float | Decimal, places: int | None = None) -> str:
    """2.7 as '2,7', 1234.5 as '1.234,5' (Danish separators); `places` fixed decimals, or as
    many as a Decimal has when None."""
    if places is None:
        text = format(Decimal(value).normalize(), ",f")
    else:
        text = f"{value:,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def parse_coefficient(raw: str | None) -> tuple[Decimal | None, str | None]:
    """A coefficient such as '0,06' or '0.06' (training årsværk per DKK million)."""
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return None, N_("Enter the coefficient, for example 0,06.")
    if not re.fullmatch(r"\d+(\.\d{1,4})?", text):
        return None, N_("Enter a number of 0 or more with at most four decimals, e.g. 0,06.")
    value = Decimal(text)
    if value > MAX_COEFFICIENT:
        return None, N_("Enter a coefficient no larger than 10.")
    return value, None


def phase_days(start: date | None, end: date | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).days + 1


def aarsvaerk_for_days(days: int) -> float:
    """One person full time for `days` calendar days, in årsværk (days × 37/7 ÷ 1,924)."""
    return days * HOURS_PER_WEEK / 7 / HOURS_PER_AARSVAERK


def usual_apprenticeship_days(start: date) -> int:
    """Days in an apprenticeship of the usual length starting on `start`."""
    months = start.month - 1 + USUAL_APPRENTICESHIP_MONTHS
    year, month = start.year + months // 12, months % 12 + 1
    day = min(start.day, 28)
    return (date(year, month, day) - start).days


def _ceil(value: float) -> int:
    """Round up, ignoring float noise (2.0000000001 is 2)."""
    return math.ceil(round(value, 6))


@dataclass(frozen=True)
class Calculation:
    budget: int | None
    coefficient: Decimal
    required: float | None  # training årsværk the budget asks for; None without a budget
    phase_days: int | None  # None without both dates
    per_person: float | None  # årsværk of one person full time over the whole phase
    at_once: float | None  # the requirement as apprentices employed at once
    per_apprenticeship: float | None  # årsværk one drafted apprenticeship gives
    apprenticeships: int
    covered: float | None  # årsværk the drafted apprenticeships give
    suggested_apprenticeships: int | None
    suggested_courses: int | None

    @property
    def short(self) -> bool:
        """The drafted apprenticeships give fewer årsværk than the requirement."""
        return (
            self.required is not None
            and self.covered is not None
            and round(self.covered, 6) < round(self.required, 6)
        )

    @property
    def shortfall(self) -> float:
        return max(0.0, (self.required or 0) - (self.covered or 0))

    @property
    def at_once_whole(self) -> int | None:
        return None if self.at_once is None else _ceil(self.at_once)


def calculate(
    budget: int | None,
    coefficient: Decimal,
    start: date | None,
    end: date | None,
    apprenticeships: int | None,
    courses: int | None = None,
) -> Calculation:
    """What the budget asks for, and what the drafted apprenticeship target covers of it."""
    apprenticeships = apprenticeships or 0
    required = None if budget is None else budget / 1_000_000 * float(coefficient)
    days = phase_days(start, end)
    per_person = at_once = per_apprenticeship = covered = None
    suggested = suggested_courses = None
    if days is not None:
        per_person = aarsvaerk_for_days(days)
        per_apprenticeship = aarsvaerk_for_days(min(days, usual_apprenticeship_days(start)))
        covered = apprenticeships * per_apprenticeship
        if required is not None:
            at_once = required / per_person
            suggested = _ceil(required / per_apprenticeship)
            suggested_courses = max(LADDER_RUNGS * suggested, courses or 0)
    return Calculation(
        budget=budget,
        coefficient=coefficient,
        required=required,
        phase_days=days,
        per_person=per_person,
        at_once=at_once,
        per_apprenticeship=per_apprenticeship,
        apprenticeships=apprenticeships,
        covered=covered,
        suggested_apprenticeships=suggested,
        suggested_courses=suggested_courses,
    )
