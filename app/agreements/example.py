"""The agreement's worked example: the smallest set of climbs that meets both targets.

No Flask here; the agreement, the kickoff briefing and the kickoff Q&A all use this one rule.

The model
    The ladder has four rungs: 1 virksomhedspraktik, 2 løntilskud, 3 ordinær ansættelse,
    4 læreplads. A resident *climbs* a contiguous run of rungs, from the rung they start on up to
    the rung they end on (the agreement's ladder clause lets a resident start on the rung that
    suits them). Every rung climbed counts as one employment course; a climb that reaches rung 4
    also counts as one apprenticeship.

"Smallest", in order of priority
    1. the fewest residents;
    2. then the fewest courses in total (every apprenticeship is also a course, so the course
       target is taken as at least the apprenticeship target);
    3. then the fewest apprenticeships in total;
    4. then as many residents as possible as far as possible: compare each set's climbs sorted
       longest first, as (courses, ends in an apprenticeship) pairs, and take the largest.

A climb that ends in an apprenticeship is written from the rung it has to start on to reach
rung 4; any other climb starts at the bottom, on virksomhedspraktik (where it starts changes no
count, and the bottom is the usual way in).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from app.agreements.danish import number_words

RUNGS = 4
RUNG_NAMES = ("virksomhedspraktik", "løntilskud", "ordinær ansættelse", "læreplads")

# The kinds of climb from the largest to the smallest under rule 4: (courses, apprenticeship).
_ORDER = ((4, True), (3, True), (3, False), (2, True), (2, False), (1, True), (1, False))


@dataclass(frozen=True)
class Climb:
    """One resident's run of rungs, first..last (1-based, inclusive)."""

    first: int
    last: int

    @property
    def courses(self) -> int:
        return self.last - self.first + 1

    @property
    def apprenticeship(self) -> bool:
        return self.last == RUNGS


@dataclass(frozen=True)
class WorkedExample:
    climbs: tuple[Climb, ...]

    @property
    def residents(self) -> int:
        return len(self.climbs)

    @property
    def courses(self) -> int:
        return sum(c.courses for c in self.climbs)

    @property
    def apprenticeships(self) -> int:
        return sum(c.apprenticeship for c in self.climbs)


def worked_example(apprenticeships: int, courses: int) -> WorkedExample:
    """The smallest set of climbs (see the module docstring) that meets both targets."""
    apprenticeships, courses = max(apprenticeships, 0), max(courses, apprenticeships, 0)
    residents = max(apprenticeships, math.ceil(courses / RUNGS))
    # With that many residents the courses can always be met exactly (1 to 4 each); a resident
    # who does not end in an apprenticeship gives at most 3, so more apprenticeships are needed
    # only when the others cannot carry the rest.
    with_apprenticeship = max(apprenticeships, courses - 3 * residents)
    left = {True: with_apprenticeship, False: residents - with_apprenticeship}
    remaining, climbs = courses, []
    for length, ends_on_top in _ORDER:
        while left[ends_on_top] and remaining - length >= left[True] + left[False] - 1:
            left[ends_on_top] -= 1
            remaining -= length
            climbs.append(Climb(RUNGS - length + 1, RUNGS) if ends_on_top else Climb(1, length))
    assert remaining == 0 and not any(left.values()), (apprenticeships, courses)
    return WorkedExample(tuple(climbs))


def _count(n: int, one: str, many: str) -> str:
    return f"{number_words(n)} {one if n == 1 else many}"


def _phrase(climb: Climb, times: int) -> str:
    who = _count(times, "beboer", "beboere")
    each = "hver " if times > 1 else ""
    first, last = RUNG_NAMES[climb.first - 1], RUNG_NAMES[climb.last - 1]
    if climb.courses == RUNGS:
        return f"{who} {each}går hele stigen fra {first} til {last}"
    if climb.courses == 1:
        if climb.apprenticeship:
            return f"{who} {each}kommer direkte i en læreplads"
        return f"{who} {each}kommer i {first}"
    return f"{who} {each}går fra {first} til {last}"


def describe(example: WorkedExample) -> str:
    """The climbs in Danish words, worded to follow "hvis": 'to beboere hver går hele stigen
    fra virksomhedspraktik til læreplads og én beboer kommer i virksomhedspraktik'."""
    groups = Counter(example.climbs)
    ordered = sorted(groups, key=lambda c: (c.courses, c.apprenticeship), reverse=True)
    phrases = [_phrase(climb, groups[climb]) for climb in ordered]
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " og " + phrases[-1]
