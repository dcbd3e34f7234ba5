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
- **minimum duration** (`Durations.minimum`, a `Span`): the internship its shortest number of
  weeks (7 days each), the wage subsidy and ordinary employment their number of *calendar
  months*, the apprenticeship none. A rung whose minimum is N months is met when it has lasted
  from its start through the day before the same date N calendar months later (month ends
  clamp: 31 January + 1 month is 28/29 February), so a wage subsidy from 1 February to 30 April
  meets a 3 months' minimum. `Span.last_day` computes that day, and the planned-end default
  comes from the same function, so a placement that runs to its default planned end counts.
- **counted**, under the agreement's `count_rule`:
  - ``"started"``: counted from its start date;
  - ``"min_duration"``: counted from the day it meets its minimum duration (an apprenticeship
    from its start) and kept counted after it ends; one that ended before that day never counts.
- **completed**: the placement has ended (actual end on or before `today`) and either its outcome
  is ``next_rung`` or ``completed``, or its outcome is ``other_work`` after it had met the
  rung's minimum duration on a rung that has one (the person left for a job, the rung did its
  work). ``ended_early``, no outcome, or an apprenticeship left for other work is not completed.
- **the execution phase**: the agreement covers the project's execution phase, so only a
  placement that *starts* inside it (from `execution_start` to `execution_end`, both days
  included; a missing date leaves that side open) belongs to the agreement. A placement that
  starts before the phase begins or after it ends is left out of every figure here (started,
  counted, completed, residents, the series and the societal gain) and reported apart, as
  ``outside_phase`` (before / after), so the page can show it with the reason. A placement that
  starts inside the phase and runs past its end counts in full.
- **residents**: distinct candidates with at least one started placement.
- **fulfilled**: counted courses ≥ the target courses and counted apprenticeships ≥ the target
  apprenticeships; never without targets (no approved agreement).

Without targets the counted figures follow the ``"started"`` rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from app.enums import Rung
from app.placements.rules import Durations, Span

COUNT_RULES = ("started", "min_duration")

# KORA's estimate of the yearly gain to society when a vulnerable unemployed person holds
# ordinary employment for at least 14 weeks.
GAIN_MIN_DAYS = 14 * 7
GAIN_LOW_DKK = 122_000
GAIN_HIGH_DKK = 136_000
GAIN_SOURCE = "KORA"


def gain_as_dict(gain: tuple[int, int, int]) -> dict:
    """The societal-gain estimate for JSON: persons, the range, the rule and its source."""
    persons, low, high = gain
    return {
        "persons": persons,
        "low_dkk": low,
        "high_dkk": high,
        "min_weeks": GAIN_MIN_DAYS // 7,
        "per_person_dkk": {"low": GAIN_LOW_DKK, "high": GAIN_HIGH_DKK},
        "source": GAIN_SOURCE,
        "estimate": True,
    }


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
    minimums: Mapping[Rung, Span] = field(default_factory=dict)

    def __post_init__(self):
        if self.count_rule not in COUNT_RULES:
            raise ValueError(f"unknown count rule {self.count_rule!r}")

    def as_dict(self) -> dict:
        return {
            "apprenticeships": self.apprenticeships,
            "courses": self.courses,
            "count_rule": self.count_rule,
            # A list, so that the ladder's order survives any JSON encoder.
            "minimums": [{"rung": r.value, **self.minimums.get(r, Span()).as_dict()} for r in Rung],
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
        minimums={rung: durations.minimum(rung) for rung in Rung},
    )


@dataclass(frozen=True)
class ExecutionPhase:
    """The project's execution phase; a missing date leaves that side open."""

    start: date | None = None
    end: date | None = None

    def place(self, day: date) -> str | None:
        """Where `day` lies: "before" the phase, "after" it, or None inside it."""
        if self.start is not None and day < self.start:
            return "before"
        if self.end is not None and day > self.end:
            return "after"
        return None

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


OPEN_PHASE = ExecutionPhase()


def inside_phase(facts: Iterable[PlacementFact], phase: ExecutionPhase | None):
    """The placements that start inside the execution phase: those the agreement covers."""
    if phase is None or phase == OPEN_PHASE:
        return list(facts)
    return [fact for fact in facts if phase.place(fact.start) is None]


@dataclass(frozen=True)
class OutsidePhase:
    """Placements left out because they start outside the execution phase."""

    before: int = 0
    after: int = 0

    @property
    def total(self) -> int:
        return self.before + self.after

    def as_dict(self) -> dict:
        return {"before": self.before, "after": self.after}


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
    phase: ExecutionPhase = OPEN_PHASE
    outside_phase: OutsidePhase = OutsidePhase()

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
            # A list, so that the ladder's order survives any JSON encoder.
            "per_rung": [
                {"rung": r.value, "step": r.step, **self.per_rung[r].as_dict()} for r in Rung
            ],
            "residents": self.residents,
            "fulfilled": self.fulfilled,
            "execution_phase": self.phase.as_dict(),
            "outside_phase": self.outside_phase.as_dict(),
        }


# --- one placement ---------------------------------------------------------------------------


def lasted_days(fact: PlacementFact, today: date) -> int:
    """Days the placement has lasted by `today`, both ends included; 0 before it starts."""
    if fact.start > today:
        return 0
    last = min(fact.end, today) if fact.end is not None else today
    return max((last - fact.start).days + 1, 0)


def minimum_met_on(rung: Rung | str, start: date, targets: Targets | None = None) -> date:
    """The day a placement on `rung` from `start` meets its minimum duration (the start
    itself for a rung without one). Without targets, the handbook's default durations."""
    rung = Rung(rung)
    minimum = targets.minimums.get(rung, Span()) if targets else Durations().minimum(rung)
    return minimum.last_day(start)


def has_minimum(rung: Rung | str, targets: Targets | None = None) -> bool:
    rung = Rung(rung)
    return bool(targets.minimums.get(rung, Span()) if targets else Durations().minimum(rung))


def counts_from(fact: PlacementFact, targets: Targets | None) -> date | None:
    """The day the placement starts to count, or None when it never will (it ended too soon)."""
    if targets is None or targets.count_rule == "started":
        return fact.start
    day = minimum_met_on(fact.rung_enum, fact.start, targets)
    if fact.end is not None and fact.end < day:
        return None
    return day


def ends_too_soon(rung: Rung | str, start: date, end: date, targets: Targets | None) -> date | None:
    """When ending a placement on `end` means it will never count under the agreement's
    minimum-duration rule: the day it would have had to last to; else None."""
    if targets is None or targets.count_rule != "min_duration" or end < start:
        return None
    day = minimum_met_on(rung, start, targets)
    return day if end < day else None


def is_completed(fact: PlacementFact, targets: Targets | None, today: date) -> bool:
    if fact.start > today or fact.end is None or fact.end > today:
        return False
    if fact.outcome in COMPLETED_OUTCOMES:
        return True
    if fact.outcome == OTHER_WORK:
        # With no targets, the handbook's default durations decide.
        return has_minimum(fact.rung_enum, targets) and fact.end >= minimum_met_on(
            fact.rung_enum, fact.start, targets
        )
    return False


# --- a set of placements ---------------------------------------------------------------------


def count(
    facts: Iterable[PlacementFact],
    targets: Targets | None,
    today: date,
    phase: ExecutionPhase | None = None,
) -> Progress:
    """Count the placements (of one project) against `targets` as of `today`; those that
    start outside the execution `phase` are left out and reported apart."""
    phase = phase or OPEN_PHASE
    started: set[tuple[int, Rung]] = set()
    completed: set[tuple[int, Rung]] = set()
    counted: set[tuple[int, Rung]] = set()
    outside = {"before": 0, "after": 0}
    for fact in facts:
        if (place := phase.place(fact.start)) is not None:
            outside[place] += 1
            continue
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
        phase=phase,
        outside_phase=OutsidePhase(**outside),
    )


def cumulative(
    facts: Iterable[PlacementFact],
    targets: Targets | None,
    today: date,
    phase: ExecutionPhase | None = None,
) -> list[tuple[date, int]]:
    """Counted courses over time: one point at each day the total grows, up to `today`.

    A (candidate, rung) pair counts from the earliest day any of its placements counts, so the
    series is non-decreasing and ends at `count(...).courses_counted`."""
    first: dict[tuple[int, Rung], date] = {}
    for fact in inside_phase(facts, phase):
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


def societal_gain(
    facts: Iterable[PlacementFact], today: date, phase: ExecutionPhase | None = None
) -> tuple[int, int, int]:
    """KORA's estimate: (persons, low DKK, high DKK) per year.

    Persons are the candidates whose ordinary employments (rung ORDINARY, started inside the
    execution `phase`) add up to at least 14 weeks (98 days) by `today`; each is worth
    122,000-136,000 DKK a year."""
    days: dict[int, int] = {}
    for fact in inside_phase(facts, phase):
        if fact.rung_enum == Rung.ORDINARY:
            days[fact.candidate_id] = days.get(fact.candidate_id, 0) + lasted_days(fact, today)
    persons = sum(1 for total in days.values() if total >= GAIN_MIN_DAYS)
    return persons, persons * GAIN_LOW_DKK, persons * GAIN_HIGH_DKK
