"""Counting placements against the agreement's targets: the handbook's rule, in plain Python."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models import Rung
from app.placements import counting
from app.placements.counting import PlacementFact, make_targets
from app.placements.rules import Durations, Span, add_months

TODAY = date(2027, 6, 1)
HANDBOOK = make_targets(2, 8, "started", Durations())
STRICT = make_targets(2, 8, "min_duration", Durations())


def climb(candidate: int, rungs, start: date = date(2026, 1, 5), end_last: bool = False):
    """One resident climbing `rungs` in turn, each rung lasting its usual time."""
    facts, day = [], start
    rungs = list(rungs)
    for i, rung in enumerate(rungs):
        last = i == len(rungs) - 1
        end = Durations().planned_end(rung, day)
        if last and not end_last:
            facts.append(PlacementFact(candidate, rung, day, None, None))
        else:
            facts.append(PlacementFact(candidate, rung, day, end, "next_rung"))
            day = end + timedelta(days=1)
    return facts


def test_two_residents_climbing_all_four_rungs_fulfil_the_handbook_example():
    facts = climb(1, Rung) + climb(2, Rung, start=date(2026, 3, 2))
    progress = counting.count(facts, HANDBOOK, TODAY)
    assert progress.courses_counted == progress.courses_started == 8
    assert progress.apprenticeships_counted == 2
    assert progress.residents == 2
    assert progress.fulfilled
    assert progress.courses_completed == 6  # the apprenticeships still run
    assert progress.per_rung[Rung.WAGE_SUBSIDY].counted == 2


def test_a_resident_stopping_in_ordinary_employment_counts_three_courses():
    facts = climb(1, [Rung.INTERNSHIP, Rung.WAGE_SUBSIDY, Rung.ORDINARY])
    progress = counting.count(facts, HANDBOOK, TODAY)
    assert (progress.courses_counted, progress.apprenticeships_counted) == (3, 0)
    assert not progress.fulfilled


def test_a_short_wage_subsidy_counts_when_started_but_not_under_the_minimum_duration_rule():
    start = date(2027, 1, 1)
    two_months = PlacementFact(1, Rung.WAGE_SUBSIDY, start, date(2027, 2, 28), "ended_early")
    assert counting.count([two_months], HANDBOOK, TODAY).courses_counted == 1
    strict = counting.count([two_months], STRICT, TODAY)
    assert (strict.courses_started, strict.courses_counted) == (1, 0)
    # Three whole months (1 January to 31 March) reach the minimum.
    three_months = PlacementFact(1, Rung.WAGE_SUBSIDY, start, date(2027, 3, 31), "completed")
    assert counting.count([three_months], STRICT, TODAY).courses_counted == 1


def test_a_running_placement_counts_on_the_day_it_reaches_its_minimum():
    internship = PlacementFact(1, Rung.INTERNSHIP, date(2027, 5, 1), None, None)  # 28 days
    assert counting.count([internship], STRICT, date(2027, 5, 27)).courses_counted == 0
    assert counting.count([internship], STRICT, date(2027, 5, 28)).courses_counted == 1
    apprenticeship = PlacementFact(1, Rung.APPRENTICESHIP, date(2027, 5, 1), None, None)
    assert counting.count([apprenticeship], STRICT, date(2027, 5, 1)).apprenticeships_counted == 1


def test_future_placements_do_not_count_yet():
    facts = [PlacementFact(1, Rung.INTERNSHIP, TODAY + timedelta(days=1), None, None)]
    progress = counting.count(facts, HANDBOOK, TODAY)
    assert (progress.courses_started, progress.courses_counted, progress.residents) == (0, 0, 0)
    assert counting.cumulative(facts, HANDBOOK, TODAY) == []


def test_the_same_rung_twice_counts_once_per_person():
    facts = [
        PlacementFact(1, Rung.INTERNSHIP, date(2027, 1, 4), date(2027, 1, 29), "ended_early"),
        PlacementFact(1, Rung.INTERNSHIP, date(2027, 3, 1), date(2027, 4, 9), "next_rung"),
        PlacementFact(2, Rung.INTERNSHIP, date(2027, 3, 1), None, None),
    ]
    progress = counting.count(facts, HANDBOOK, TODAY)
    assert progress.courses_started == progress.courses_counted == 2
    assert progress.courses_completed == 1
    assert progress.residents == 2


def test_completed_means_ended_with_a_good_outcome_or_left_for_work_after_the_minimum():
    start = date(2027, 1, 1)
    assert (
        counting.count(
            [PlacementFact(1, Rung.ORDINARY, start, date(2027, 5, 15), "other_work")], STRICT, TODAY
        ).courses_completed
        == 1
    )  # Mads: found another job after four months
    assert (
        counting.count(
            [PlacementFact(1, Rung.ORDINARY, start, date(2027, 2, 1), "other_work")], STRICT, TODAY
        ).courses_completed
        == 0
    )
    assert (
        counting.count(
            [PlacementFact(1, Rung.APPRENTICESHIP, start, date(2027, 5, 1), "other_work")],
            STRICT,
            TODAY,
        ).apprenticeships_completed
        == 0
    )
    assert (
        counting.count(
            [PlacementFact(1, Rung.INTERNSHIP, start, None, "completed")], STRICT, TODAY
        ).courses_completed
        == 0
    )  # still running: not completed whatever the outcome says


def test_without_targets_nothing_is_fulfilled_and_the_started_rule_applies():
    facts = climb(1, Rung)
    progress = counting.count(facts, None, TODAY)
    assert progress.targets is None
    assert progress.courses_counted == 4
    assert not progress.fulfilled
    assert progress.as_dict()["targets"] is None


def test_as_dict_has_stable_keys_and_rungs_as_strings():
    data = counting.count(climb(1, [Rung.INTERNSHIP]), HANDBOOK, TODAY).as_dict()
    # Lists, so that the ladder's order survives a JSON encoder that sorts keys.
    assert [r["rung"] for r in data["per_rung"]] == [
        "internship",
        "wage_subsidy",
        "ordinary",
        "apprenticeship",
    ]
    assert data["per_rung"][0] == {
        "rung": "internship",
        "step": 1,
        "started": 1,
        "completed": 0,
        "counted": 1,
    }
    assert data["targets"] == {
        "apprenticeships": 2,
        "courses": 8,
        "count_rule": "started",
        "minimums": [
            {"rung": "internship", "months": 0, "weeks": 4},
            {"rung": "wage_subsidy", "months": 3, "weeks": 0},
            {"rung": "ordinary", "months": 4, "weeks": 0},
            {"rung": "apprenticeship", "months": 0, "weeks": 0},
        ],
    }
    assert data["execution_phase"] == {"start": None, "end": None}
    assert data["outside_phase"] == {"before": 0, "after": 0}
    assert set(data) >= {"courses_started", "courses_counted", "residents", "fulfilled"}


def test_targets_take_the_minimums_from_the_agreements_durations():
    targets = make_targets(1, 4, "min_duration", Durations.from_values({"wage_subsidy_months": 6}))
    assert targets.minimums[Rung.WAGE_SUBSIDY] == Span(months=6)
    # Six calendar months from 1 January: met on 30 June.
    assert counting.minimum_met_on(Rung.WAGE_SUBSIDY, date(2027, 1, 1), targets) == date(
        2027, 6, 30
    )
    with pytest.raises(ValueError):
        make_targets(1, 4, "whenever", Durations())


def test_cumulative_series_steps_on_the_days_courses_start_to_count():
    facts = [
        PlacementFact(1, Rung.INTERNSHIP, date(2027, 1, 4), None, None),
        PlacementFact(2, Rung.INTERNSHIP, date(2027, 1, 4), None, None),
        PlacementFact(3, Rung.INTERNSHIP, date(2027, 2, 1), None, None),
    ]
    assert counting.cumulative(facts, HANDBOOK, TODAY) == [
        (date(2027, 1, 4), 2),
        (date(2027, 2, 1), 3),
    ]
    assert counting.cumulative(facts, STRICT, TODAY) == [
        (date(2027, 1, 31), 2),
        (date(2027, 2, 28), 3),
    ]


def test_forecast_extends_the_pace_to_the_execution_end():
    series = [(date(2027, 1, 1), 2), (date(2027, 3, 1), 4)]
    # 4 courses over the 100 days since 1 January (inclusive), 100 more days to go: 8.
    today = date(2027, 4, 10)
    assert counting.forecast(series, date(2027, 1, 1), today + timedelta(days=100), today) == 8
    assert counting.forecast(series, None, None, today) is None
    assert counting.forecast([], date(2027, 1, 1), date(2028, 1, 1), today) is None
    # Too little history for a pace.
    assert counting.forecast([(date(2027, 4, 1), 1)], None, date(2028, 1, 1), today) is None
    # After the end: what was counted by the end.
    assert counting.forecast(series, date(2027, 1, 1), date(2027, 2, 1), today) == 2


def test_societal_gain_counts_persons_with_fourteen_weeks_of_ordinary_employment():
    facts = [
        PlacementFact(1, Rung.ORDINARY, date(2027, 1, 1), date(2027, 4, 8), "completed"),  # 98 d
        PlacementFact(2, Rung.ORDINARY, date(2027, 1, 1), date(2027, 4, 7), "ended_early"),  # 97
        # Two shorter ordinary jobs add up.
        PlacementFact(3, Rung.ORDINARY, date(2026, 1, 1), date(2026, 2, 18), "other_work"),  # 49
        PlacementFact(3, Rung.ORDINARY, date(2027, 1, 1), None, None),  # 49 by 18 February
        PlacementFact(4, Rung.APPRENTICESHIP, date(2026, 1, 1), None, None),
    ]
    assert counting.societal_gain(facts, date(2027, 2, 18)) == (1, 122_000, 136_000)
    assert counting.societal_gain(facts, date(2027, 2, 17)) == (0, 0, 0)
    assert counting.societal_gain(facts, TODAY) == (2, 244_000, 272_000)


# --- invariants ------------------------------------------------------------------------------

facts_strategy = st.lists(
    st.builds(
        lambda candidate, rung, start_offset, length, outcome: PlacementFact(
            candidate,
            rung,
            TODAY + timedelta(days=start_offset),
            None if length is None else TODAY + timedelta(days=start_offset + length),
            outcome,
        ),
        st.integers(1, 6),
        st.sampled_from(list(Rung)),
        st.integers(-600, 60),
        st.one_of(st.none(), st.integers(0, 400)),
        st.sampled_from([None, "next_rung", "completed", "ended_early", "other_work"]),
    ),
    max_size=25,
)
targets_strategy = st.one_of(
    st.none(),
    st.builds(
        lambda a, c, rule, weeks, months: make_targets(
            a, c, rule, Durations(internship_weeks_min=weeks, wage_subsidy_months=months)
        ),
        st.integers(0, 4),
        st.integers(0, 12),
        st.sampled_from(counting.COUNT_RULES),
        st.integers(1, 8),
        st.integers(1, 6),
    ),
)


@settings(max_examples=200, deadline=None)
@given(facts_strategy, targets_strategy)
def test_invariants_of_the_counts(facts, targets):
    p = counting.count(facts, targets, TODAY)
    assert p.courses_counted <= p.courses_started
    assert p.courses_completed <= p.courses_started
    assert p.courses_started <= len(Rung) * p.residents
    assert p.apprenticeships_started <= p.residents
    assert p.apprenticeships_counted <= p.courses_counted
    for kind in ("started", "completed", "counted"):
        total = sum(getattr(c, kind) for c in p.per_rung.values())
        assert total == getattr(p, f"courses_{kind}")
        assert getattr(p.per_rung[Rung.APPRENTICESHIP], kind) == getattr(
            p, f"apprenticeships_{kind}"
        )
    if targets is None or targets.count_rule == "started":
        assert p.courses_counted == p.courses_started
    assert p.fulfilled == bool(
        targets
        and p.courses_counted >= targets.courses
        and p.apprenticeships_counted >= targets.apprenticeships
    )


@settings(max_examples=200, deadline=None)
@given(facts_strategy, facts_strategy, targets_strategy)
def test_adding_placements_never_lowers_a_count(facts, more, targets):
    before = counting.count(facts, targets, TODAY)
    after = counting.count(facts + more, targets, TODAY)
    for name in (
        "courses_started",
        "courses_completed",
        "courses_counted",
        "apprenticeships_started",
        "apprenticeships_counted",
        "residents",
    ):
        assert getattr(after, name) >= getattr(before, name), name


@settings(max_examples=200, deadline=None)
@given(facts_strategy, targets_strategy, st.randoms(use_true_random=False))
def test_the_order_of_the_placements_does_not_matter(facts, targets, rnd: random.Random):
    shuffled = list(facts)
    rnd.shuffle(shuffled)
    assert counting.count(shuffled, targets, TODAY) == counting.count(facts, targets, TODAY)
    assert counting.cumulative(shuffled, targets, TODAY) == counting.cumulative(
        facts, targets, TODAY
    )


@settings(max_examples=200, deadline=None)
@given(facts_strategy, targets_strategy, st.integers(0, 400))
def test_the_cumulative_series_rises_to_the_counted_total(facts, targets, days_later):
    series = counting.cumulative(facts, targets, TODAY)
    days = [day for day, _ in series]
    totals = [total for _, total in series]
    assert days == sorted(set(days))
    assert all(day <= TODAY for day in days)
    assert totals == sorted(totals)
    assert (totals[-1] if totals else 0) == counting.count(facts, targets, TODAY).courses_counted
    # Time only adds: a later day never counts fewer courses.
    later = counting.count(facts, targets, TODAY + timedelta(days=days_later))
    assert later.courses_counted >= (totals[-1] if totals else 0)


# --- minimum durations in calendar months ------------------------------------------------------


def test_a_wage_subsidy_from_february_to_april_meets_three_months():
    # 1 February to 30 April is 89 days, but three calendar months: it counts.
    february = PlacementFact(1, Rung.WAGE_SUBSIDY, date(2026, 2, 1), date(2026, 4, 30), "next_rung")
    assert counting.count([february], STRICT, TODAY).courses_counted == 1
    assert counting.counts_from(february, STRICT) == date(2026, 4, 30)
    # One day short of the three months never counts.
    short = PlacementFact(1, Rung.WAGE_SUBSIDY, date(2026, 2, 1), date(2026, 4, 29), "ended_early")
    assert counting.count([short], STRICT, TODAY).courses_counted == 0
    # The product's own default planned end is that same day.
    assert Durations().planned_end(Rung.WAGE_SUBSIDY, date(2026, 2, 1)) == date(2026, 4, 30)


def test_month_ends_clamp_and_weeks_stay_seven_days():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    # One month from 31 January is met on 27 February (the day before 28 February).
    assert Span(months=1).last_day(date(2027, 1, 31)) == date(2027, 2, 27)
    assert Span(weeks=4).last_day(date(2027, 2, 1)) == date(2027, 2, 28)
    assert Span().last_day(date(2027, 2, 1)) == date(2027, 2, 1)


def test_two_residents_climbing_in_the_usual_durations_fulfil_the_strict_rule():
    # The handbook's example under the minimum-duration rule. The first resident's wage
    # subsidy runs 15 February to 14 May: three calendar months, but only 89 days.
    facts = climb(1, Rung, start=date(2026, 1, 4)) + climb(2, Rung, start=date(2025, 12, 7))
    progress = counting.count(facts, STRICT, TODAY)
    assert [f.start for f in facts if f.rung == Rung.WAGE_SUBSIDY] == [
        date(2026, 2, 15),
        date(2026, 1, 18),
    ]
    assert (progress.courses_counted, progress.apprenticeships_counted) == (8, 2)
    assert progress.fulfilled


def test_ending_before_the_minimum_is_flagged_only_when_it_will_not_count():
    start = date(2026, 2, 1)
    assert counting.ends_too_soon(Rung.WAGE_SUBSIDY, start, date(2026, 4, 29), STRICT) == date(
        2026, 4, 30
    )
    assert counting.ends_too_soon(Rung.WAGE_SUBSIDY, start, date(2026, 4, 30), STRICT) is None
    # Under the "started" rule, or without an agreement, it counts anyway.
    assert counting.ends_too_soon(Rung.WAGE_SUBSIDY, start, date(2026, 3, 1), HANDBOOK) is None
    assert counting.ends_too_soon(Rung.WAGE_SUBSIDY, start, date(2026, 3, 1), None) is None
    assert counting.ends_too_soon(Rung.APPRENTICESHIP, start, start, STRICT) is None


durations_strategy = st.builds(
    lambda weeks_min, extra, months, ordinary: Durations(
        internship_weeks_min=weeks_min,
        internship_weeks_max=weeks_min + extra,
        wage_subsidy_months=months,
        ordinary_months_min=ordinary,
    ),
    st.integers(1, 12),
    st.integers(0, 6),
    st.integers(1, 24),
    st.integers(1, 24),
)
# Every day from 2000 to 2100, with the month ends and 29 February made likely.
start_strategy = st.one_of(
    st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    st.builds(
        lambda year, month: date(year, month, 1) - timedelta(days=1),
        st.integers(2000, 2100),
        st.integers(1, 12),
    ),
    st.sampled_from([date(2024, 2, 29), date(2028, 2, 29), date(2000, 2, 29)]),
)


@settings(max_examples=300, deadline=None)
@given(start_strategy, durations_strategy, st.sampled_from(list(Rung)))
def test_a_placement_running_to_its_default_planned_end_always_counts(start, durations, rung):
    targets = make_targets(1, 1, "min_duration", durations)
    end = durations.planned_end(rung, start)
    fact = PlacementFact(1, rung, start, end, "completed")
    assert counting.count([fact], targets, date(2200, 1, 1)).courses_counted == 1
    assert counting.ends_too_soon(rung, start, end or start, targets) is None
    if end is not None:
        # Never a day early, and no more than the minimum: one day less would not count.
        assert end >= start
        if (
            rung != Rung.INTERNSHIP
            or durations.internship_weeks_max == durations.internship_weeks_min
        ):
            shorter = PlacementFact(1, rung, start, end - timedelta(days=1), "ended_early")
            assert counting.count([shorter], targets, date(2200, 1, 1)).courses_counted == 0


# --- the execution phase -------------------------------------------------------------------


def test_only_placements_that_start_inside_the_execution_phase_count():
    phase = counting.ExecutionPhase(date(2026, 3, 1), date(2027, 2, 28))
    facts = [
        PlacementFact(1, Rung.INTERNSHIP, date(2026, 2, 28), None, None),  # the day before
        PlacementFact(2, Rung.INTERNSHIP, date(2026, 3, 1), None, None),  # the first day
        PlacementFact(3, Rung.ORDINARY, date(2027, 2, 28), None, None),  # the last day
        PlacementFact(4, Rung.ORDINARY, date(2027, 3, 1), None, None),  # the day after
    ]
    progress = counting.count(facts, HANDBOOK, TODAY, phase)
    assert (progress.courses_started, progress.courses_counted, progress.residents) == (2, 2, 2)
    assert progress.outside_phase == counting.OutsidePhase(before=1, after=1)
    assert progress.as_dict()["execution_phase"] == {"start": "2026-03-01", "end": "2027-02-28"}
    assert counting.cumulative(facts, HANDBOOK, TODAY, phase) == [
        (date(2026, 3, 1), 1),
        (date(2027, 2, 28), 2),
    ]
    # By 1 July both ordinary jobs have run 14 weeks; only the one inside the phase (from its
    # last day) adds a person to the societal gain.
    assert counting.societal_gain(facts, date(2027, 7, 1), phase) == (1, 122_000, 136_000)
    assert counting.societal_gain(facts, date(2027, 7, 1)) == (2, 244_000, 272_000)
    # Without phase dates every placement counts.
    assert counting.count(facts, HANDBOOK, TODAY).courses_counted == 4
    open_end = counting.ExecutionPhase(date(2026, 3, 1), None)
    assert counting.count(facts, HANDBOOK, TODAY, open_end).outside_phase.total == 1


@settings(max_examples=200, deadline=None)
@given(
    facts_strategy,
    targets_strategy,
    st.one_of(st.none(), st.integers(-700, 0)),
    st.one_of(st.none(), st.integers(-400, 100)),
)
def test_the_phase_only_leaves_out_what_starts_outside_it(facts, targets, start, end):
    phase = counting.ExecutionPhase(
        None if start is None else TODAY + timedelta(days=start),
        None if end is None else TODAY + timedelta(days=end),
    )
    inside = [f for f in facts if phase.place(f.start) is None]
    with_phase = counting.count(facts, targets, TODAY, phase)
    assert replace(
        with_phase, phase=counting.OPEN_PHASE, outside_phase=counting.OutsidePhase()
    ) == (counting.count(inside, targets, TODAY))
    assert with_phase.outside_phase.total == len(facts) - len(inside)
    assert counting.cumulative(facts, targets, TODAY, phase) == counting.cumulative(
        inside, targets, TODAY
    )
