"""Counting placements against the agreement's targets: one rule, one place.

Plain Python (no Flask, no database): the progress page, the JSON endpoint, the start page,
exports and the CLI all count through this module.

The handbook's counting rule: each rung of the progression ladder one resident climbs on a project
counts as one employment course; an apprenticeship also counts towards the apprenticeship target.
Two residents climbing all four rungs give 8 courses and 2 apprenticeships.

Exact definitions, all "as of `today`", per (candidate, rung) pair, so that two internships of
the same person on the same project count once. A pair is started/completed/counted when at
least one of its placements is:

- **started**: the placement's start date is on or before `today`.
- **lasted (days)**: from the start to the actual end, or to `today` while it runs (and never past
  `today`), both days included. A placement from 1 to 31 March has lasted 31 days.
- **counted**, under the agreement's `count_rule`:
  - ``"started"``: counted from its start date;
  - ``"min_duration"``: counted once it has lasted the rung's minimum duration
    (`Durations.minimum_days`: internship its shortest weeks, wage subsidy and ordinary employment
    their months, apprenticeship 0, so an apprenticeship counts when it starts). It counts on
    the day it reaches the minimum (start + minimum - 1 days) and keeps counting after it ends.
- **completed**: the placement has ended (actual end on or before `today`) and either its outcome
  is ``next_rung`` or ``completed``, or its outcome is ``other_work`` after it had lasted the
  rung's minimum duration on a rung that has one (the person left for a job, the rung did its
  work). ``ended_early``, no outcome, or an apprenticeship left for other work is not completed.
- **residents**: distinct candidates with at least one started placement.
- **fulfilled**: counted courses ≥ the target courses and counted apprenticeships ≥ the target
  apprenticeships; never without targets (no approved agreement).

Without targets the counted figures follow the ``"started"`` rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.enums import Rung
from app.placements.rules import Durations

COUNT_RULES = ("started", "min_duration")

# KORA's estimate of the yearly gain to society when a vulnerable unemployed person holds
# ordinary employment for at least 14 weeks.
GAIN_MIN_DAYS = 14 * 7
GAIN_LOW_DKK = 122_000
GAIN_HIGH_DKK = 136_000

# A pace measured over less history than this is noise, not a forecast.
FORECAST_MIN_DAYS = 28

COMPLETED_OUTCOMES = frozenset({"next_rung", "completed"})
OTHER_WORK = "other_work"


@dataclass(frozen=True)
class PlacementFact:
    """What counting needs to know about one placement."""

    candidate_id: int
    rung: Rung | str
    start: date
    end: date | None  # the actual end; None while the placement runs
    outcome: str | None
    company_id: int | None = None

    @property
    def rung_enum(self) -> Rung:
        return Rung(self.rung)


@dataclass(frozen=True)
class Targets:
    """The approved agreement's targets and counting rule."""

    apprenticeships: int
    courses: int
    count_rule: str  # "started" | "min_duration"
    minimum_days: Mapping[Rung, int] = field(default_factory=dict)

    def __post_init__(self):
        if self.count_rule not in COUNT_RULES:
            raise ValueError(f"unknown count rule {self.count_rule!r}")

    def as_dict(self) -> dict:
        return {
            "apprenticeships": self.apprenticeships,
            "courses": self.courses,
            "count_rule": self.count_rule,
            "minimum_days": {r.value: self.minimum_days.get(r, 0) for r in Rung},
        }


def make_targets(
    apprenticeships: int, courses: int, count_rule: str, durations: Durations | None = None
) -> Targets:
    """Targets from an agreement's figures; minimum durations from its ladder values."""
    durations = durations or Durations()
    return Targets(
        apprenticeships=int(apprenticeships),
        courses=int(courses),
        count_rule=count_rule,
        minimum_days={rung: durations.minimum_days(rung) for rung in Rung},
    )


@dataclass(frozen=True)
class RungCount:
    started: int = 0
    completed: int = 0
    counted: int = 0

    def as_dict(self) -> dict:
        return {"started": self.started, "completed": self.completed, "counted": self.counted}


@dataclass(frozen=True)
class Progress:
    """A project's (or a set of placements') progress against its targets, as of one day."""

    targets: Targets | None
    courses_started: int
    courses_completed: int
    courses_counted: int
    apprenticeships_started: int
    apprenticeships_completed: int
    apprenticeships_counted: int
    per_rung: dict[Rung, RungCount]
    residents: int
    fulfilled: bool

    def as_dict(self) -> dict:
        """For JSON: stable keys, rungs by their value in ladder order."""
        return {
            "targets": self.targets.as_dict() if self.targets else None,
            "courses_started": self.courses_started,
            "courses_completed": self.courses_completed,
            "courses_counted": self.courses_counted,
            "apprenticeships_started": self.apprenticeships_started,
            "apprenticeships_completed": self.apprenticeships_completed,
            "apprenticeships_counted": self.apprenticeships_counted,
            "per_rung": {r.value: self.per_rung[r].as_dict() for r in Rung},
            "residents": self.residents,
            "fulfilled": self.fulfilled,
        }


# --- one placement ---------------------------------------------------------------------------


def lasted_days(fact: PlacementFact, today: date) -> int:
    """Days the placement has lasted by `today`, both ends included; 0 before it starts."""
    if fact.start > today:
        return 0
    last = min(fact.end, today) if fact.end is not None else today
    return max((last - fact.start).days + 1, 0)


def _minimum(targets: Targets | None, rung: Rung) -> int:
    if targets is None:
        return 0
    return targets.minimum_days.get(rung, 0)


def counts_from(fact: PlacementFact, targets: Targets | None) -> date | None:
    """The day the placement starts to count, or None when it never will (it ended too soon)."""
    if targets is None or targets.count_rule == "started":
        return fact.start
    minimum = _minimum(targets, fact.rung_enum)
    day = fact.start + timedelta(days=max(minimum - 1, 0))
    if fact.end is not None and fact.end < day:
        return None
    return day


def is_completed(fact: PlacementFact, targets: Targets | None, today: date) -> bool:
    if fact.start > today or fact.end is None or fact.end > today:
        return False
    if fact.outcome in COMPLETED_OUTCOMES:
        return True
    if fact.outcome == OTHER_WORK:
        # With no targets, the handbook's default durations decide.
        minimum = (
            _minimum(targets, fact.rung_enum)
            if targets
            else Durations().minimum_days(fact.rung_enum)
        )
        return minimum > 0 and lasted_days(fact, today) >= minimum
    return False


# --- a set of placements ---------------------------------------------------------------------


def count(facts: Iterable[PlacementFact], targets: Targets | None, today: date) -> Progress:
    """Count the placements (of one project) against `targets` as of `today`."""
    started: set[tuple[int, Rung]] = set()
    completed: set[tuple[int, Rung]] = set()
    counted: set[tuple[int, Rung]] = set()
    for fact in facts:
        if fact.start > today:
            continue
        pair = (fact.candidate_id, fact.rung_enum)
        started.add(pair)
        if is_completed(fact, targets, today):
            completed.add(pair)
        day = counts_from(fact, targets)
        if day is not None and day <= today:
            counted.add(pair)

    def of(pairs, rung):
        return sum(1 for _, r in pairs if r == rung)

    per_rung = {
        rung: RungCount(of(started, rung), of(completed, rung), of(counted, rung)) for rung in Rung
    }
    apprenticeship = per_rung[Rung.APPRENTICESHIP]
    fulfilled = bool(
        targets
        and len(counted) >= targets.courses
        and apprenticeship.counted >= targets.apprenticeships
    )
    return Progress(
        targets=targets,
        courses_started=len(started),
        courses_completed=len(completed),
        courses_counted=len(counted),
        apprenticeships_started=apprenticeship.started,
        apprenticeships_completed=apprenticeship.completed,
        apprenticeships_counted=apprenticeship.counted,
        per_rung=per_rung,
        residents=len({candidate for candidate, _ in started}),
        fulfilled=fulfilled,
    )


def cumulative(
    facts: Iterable[PlacementFact], targets: Targets | None, today: date
) -> list[tuple[date, int]]:
    """Counted courses over time: one point at each day the total grows, up to `today`.

    A (candidate, rung) pair counts from the earliest day any of its placements counts, so the
    series is non-decreasing and ends at `count(...).courses_counted`."""
    first: dict[tuple[int, Rung], date] = {}
    for fact in facts:
        day = counts_from(fact, targets)
        if day is None or day > today or fact.start > today:
            continue
        pair = (fact.candidate_id, fact.rung_enum)
        if pair not in first or day < first[pair]:
            first[pair] = day
    series: list[tuple[date, int]] = []
    total = 0
    for day in sorted(first.values()):
        total += 1
        if series and series[-1][0] == day:
            series[-1] = (day, total)
        else:
            series.append((day, total))
    return series


def forecast(
    series: list[tuple[date, int]], start: date | None, end: date | None, today: date
) -> int | None:
    """Counted courses projected at `end`, at the pace so far.

    Method: a straight line. The pace is the courses counted by `today` divided by the days
    since the earlier of the execution start and the first counted course (both days included);
    the projection adds that pace times the days left until `end`, rounded down. Once `end` has
    passed, the answer is what was counted by `end`. None without an end date, without any
    counted course, or with less than FORECAST_MIN_DAYS of history."""
    if end is None or not series:
        return None
    if today >= end:
        return max((total for day, total in series if day <= end), default=0)
    origin = series[0][0] if start is None else min(start, series[0][0])
    elapsed = (today - origin).days + 1
    if elapsed < FORECAST_MIN_DAYS:
        return None
    current = max((total for day, total in series if day <= today), default=0)
    remaining = (end - today).days
    return current + (current * remaining) // elapsed


def societal_gain(facts: Iterable[PlacementFact], today: date) -> tuple[int, int, int]:
    """KORA's estimate: (persons, low DKK, high DKK) per year.

    Persons are the candidates whose ordinary employments (rung ORDINARY) add up to at least
    14 weeks (98 days) by `today`; each is worth 122,000-136,000 DKK a year."""
    days: dict[int, int] = {}
    for fact in facts:
        if fact.rung_enum == Rung.ORDINARY:
            days[fact.candidate_id] = days.get(fact.candidate_id, 0) + lasted_days(fact, today)
    persons = sum(1 for total in days.values() if total >= GAIN_MIN_DAYS)
    return persons, persons * GAIN_LOW_DKK, persons * GAIN_HIGH_DKK
