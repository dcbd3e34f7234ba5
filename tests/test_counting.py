"""Counting placements against the agreement's targets: the handbook's rule, in plain Python."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models import Rung
from app.placements import counting
from app.placements.counting import PlacementFact, make_targets
from app.placements.rules import Durations

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
    assert list(data["per_rung"]) == ["internship", "wage_subsidy", "ordinary", "apprenticeship"]
    assert data["per_rung"]["internship"] == {"started": 1, "completed": 0, "counted": 1}
    assert data["targets"] == {
        "apprenticeships": 2,
        "courses": 8,
        "count_rule": "started",
        "minimum_days": {
            "internship": 28,
            "wage_subsidy": 90,
            "ordinary": 120,
            "apprenticeship": 0,
        },
    }
    assert set(data) >= {"courses_started", "courses_counted", "residents", "fulfilled"}


def test_targets_take_the_minimums_from_the_agreements_durations():
    targets = make_targets(1, 4, "min_duration", Durations.from_values({"wage_subsidy_months": 6}))
    assert targets.minimum_days[Rung.WAGE_SUBSIDY] == 181
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
