"""Apprentice årsværk (full-time equivalents) per project and calendar year, from placement dates.

Plain Python (no Flask, no database), for the annual apprenticeship reporting.

The method, stated on the page and in the file because it is an assumption, not a time sheet:

- an apprentice works full time, 37 hours a week, every day of the placement counted alike:
  hours = calendar days of the placement within the year × 37 / 7;
- 1 årsværk = 1,924 hours, so årsværk = hours / 1,924;
- a placement runs from its start date to its actual end, both days included; one still
  running (or ending after `today`) is counted up to `today`, so a year is never counted ahead;
- overlapping apprenticeship placements of the same person on the same project count once.

An apprenticeship from 1 July 2026 to 30 June 2027 gives 184 days in 2026:
184 × 37 / 7 ≈ 972.57 hours ≈ 0.5055 årsværk.

The yearly report to Landsbyggefonden (`training_year`) counts persons in training the same way,
with two differences: each placement counts its own weekly hours (37 unless the coordinator set
fewer: hours = days × hours per week / 7), and apprentices are counted apart from the other
persons in training (placements the coordinator marked as training). A day of one person on one
project counts once per group: where two placements of the same group overlap, the one that
started first counts the shared days, so that each placement's share adds up to the total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

HOURS_PER_WEEK = 37
HOURS_PER_AARSVAERK = 1924


@dataclass(frozen=True)
class ApprenticeshipPeriod:
    """One apprenticeship placement's dates."""

    project_id: int
    candidate_id: int
    start: date
    end: date | None  # the actual end; None while it runs


@dataclass(frozen=True)
class AarsvaerkRow:
    """One project's apprentices in one calendar year."""

    project_id: int
    year: int
    apprentices: int  # distinct persons with at least one day in the year
    days: int
    hours: float
    aarsvaerk: float


def hours_for_days(days: int) -> float:
    """Full-time hours for `days` calendar days: days × 37 / 7."""
    return days * HOURS_PER_WEEK / 7


def aarsvaerk_for_hours(hours: float) -> float:
    return hours / HOURS_PER_AARSVAERK


def _merged(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Join overlapping or touching spans so no day counts twice."""
    out: list[tuple[date, date]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def days_per_year(start: date, end: date) -> dict[int, int]:
    """Calendar days from `start` to `end` (both included), split by year."""
    days: dict[int, int] = {}
    for year in range(start.year, end.year + 1):
        first = max(start, date(year, 1, 1))
        last = min(end, date(year, 12, 31))
        if last >= first:
            days[year] = (last - first).days + 1
    return days


def aarsvaerk(periods: Iterable[ApprenticeshipPeriod], today: date) -> list[AarsvaerkRow]:
    """Årsværk per (project, year), sorted by project and year, as of `today`."""
    spans: dict[tuple[int, int], list[tuple[date, date]]] = defaultdict(list)
    for period in periods:
        end = today if period.end is None else min(period.end, today)
        if period.start <= end:
            spans[(period.project_id, period.candidate_id)].append((period.start, end))

    days: dict[tuple[int, int], int] = defaultdict(int)
    people: dict[tuple[int, int], set[int]] = defaultdict(set)
    for (project_id, candidate_id), person_spans in spans.items():
        for start, end in _merged(person_spans):
            for year, n in days_per_year(start, end).items():
                days[(project_id, year)] += n
                people[(project_id, year)].add(candidate_id)

    rows = []
    for key in sorted(days):
        hours = hours_for_days(days[key])
        rows.append(
            AarsvaerkRow(
                project_id=key[0],
                year=key[1],
                apprentices=len(people[key]),
                days=days[key],
                hours=hours,
                aarsvaerk=aarsvaerk_for_hours(hours),
            )
        )
    return rows


def totals_per_year(rows: Iterable[AarsvaerkRow]) -> list[AarsvaerkRow]:
    """The rows summed per year across projects (project_id 0); apprentices are summed too,
    so a person on two projects counts on each."""
    summed: dict[int, list[float]] = {}
    for row in rows:
        total = summed.setdefault(row.year, [0, 0, 0.0])
        total[0] += row.apprentices
        total[1] += row.days
        total[2] += row.hours
    return [
        AarsvaerkRow(0, year, int(a), int(d), h, aarsvaerk_for_hours(h))
        for year, (a, d, h) in sorted(summed.items())
    ]


# --- persons in training, for the yearly report ---------------------------------------------------


@dataclass(frozen=True)
class TrainingPeriod:
    """One placement of a person in training."""

    placement_id: int
    project_id: int
    candidate_id: int
    apprentice: bool  # an apprenticeship; else a placement marked as training
    start: date
    end: date | None  # the actual end; None while it runs
    hours_per_week: int = HOURS_PER_WEEK


@dataclass(frozen=True)
class PlacementShare:
    """The part of one year's figure that one placement gives: the trace behind a figure."""

    period: TrainingPeriod
    days: int
    hours: float
    aarsvaerk: float


@dataclass(frozen=True)
class TrainingYear:
    """One project's persons in training in one calendar year."""

    project_id: int
    year: int
    apprentices: tuple[PlacementShare, ...]
    others: tuple[PlacementShare, ...]

    @property
    def apprentice_aarsvaerk(self) -> float:
        return sum(share.aarsvaerk for share in self.apprentices)

    @property
    def other_aarsvaerk(self) -> float:
        return sum(share.aarsvaerk for share in self.others)


def training_year(
    periods: Iterable[TrainingPeriod], year: int, today: date
) -> dict[int, TrainingYear]:
    """Per project: the apprentices' and the other persons in training's årsværk in `year`,
    each with the placements behind it, counted up to `today` at the latest."""
    first, last = date(year, 1, 1), min(date(year, 12, 31), today)
    counted: dict[tuple[int, int, bool], set[int]] = defaultdict(set)
    shares: dict[int, dict[bool, list[PlacementShare]]] = defaultdict(lambda: defaultdict(list))
    for period in sorted(periods, key=lambda p: (p.start, p.placement_id)):
        start = max(period.start, first)
        end = last if period.end is None else min(period.end, last)
        if start > end:
            continue
        seen = counted[(period.project_id, period.candidate_id, period.apprentice)]
        days = set(range(start.toordinal(), end.toordinal() + 1)) - seen
        seen |= days
        if not days:
            continue
        hours = len(days) * period.hours_per_week / 7
        shares[period.project_id][period.apprentice].append(
            PlacementShare(period, len(days), hours, aarsvaerk_for_hours(hours))
        )
    return {
        project_id: TrainingYear(
            project_id, year, tuple(groups.get(True, ())), tuple(groups.get(False, ()))
        )
        for project_id, groups in shares.items()
    }
