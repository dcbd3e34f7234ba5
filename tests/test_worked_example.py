"""The worked example in the agreement and the briefing: checked against a brute-force search."""

from itertools import combinations_with_replacement

import pytest

from app.agreements.document import default_draft, render, to_text
from app.agreements.example import Climb, describe, worked_example
from app.agreements.library import load_library

# Every run of rungs a resident can climb: from a start rung up to an end rung (1..4).
ALL_CLIMBS = [(first, last) for first in range(1, 5) for last in range(first, 5)]


def _signature(climbs):
    """Rule 4 of the definition: the climbs, longest first, as (courses, apprenticeship)."""
    return tuple(sorted(((last - first + 1, last == 4) for first, last in climbs), reverse=True))


@pytest.fixture(scope="module")
def best_by_totals():
    """For every (residents, courses, apprenticeships) any set of up to 10 climbs reaches, the
    largest signature among those sets. 10 residents cover every target up to 10 × 30."""
    best = {}
    for residents in range(11):
        for climbs in combinations_with_replacement(ALL_CLIMBS, residents):
            courses = sum(last - first + 1 for first, last in climbs)
            apprenticeships = sum(last == 4 for _first, last in climbs)
            key = (residents, courses, apprenticeships)
            signature = _signature(climbs)
            if key not in best or signature > best[key]:
                best[key] = signature
    return sorted(best.items())


def test_the_example_is_the_smallest_set_for_every_target(best_by_totals):
    for apprenticeships in range(11):
        for courses in range(31):
            (residents, total, apps), signature = next(
                (key, sig)
                for key, sig in best_by_totals
                if key[2] >= apprenticeships and key[1] >= courses
            )
            example = worked_example(apprenticeships, courses)
            target = (apprenticeships, courses)
            assert (example.residents, example.courses, example.apprenticeships) == (
                residents,
                total,
                apps,
            ), target
            assert _signature((c.first, c.last) for c in example.climbs) == signature, target
            assert all(1 <= c.first <= c.last <= 4 for c in example.climbs), target


@pytest.mark.parametrize(
    ("apprenticeships", "courses", "words"),
    [
        (2, 8, "to beboere hver går hele stigen fra virksomhedspraktik til læreplads"),
        (
            2,
            9,
            "to beboere hver går hele stigen fra virksomhedspraktik til læreplads og én beboer "
            "kommer i virksomhedspraktik",
        ),
        (1, 1, "én beboer kommer direkte i en læreplads"),
        (
            0,
            5,
            "én beboer går fra virksomhedspraktik til ordinær ansættelse og én beboer går fra "
            "virksomhedspraktik til løntilskud",
        ),
        (
            3,
            10,
            "to beboere hver går hele stigen fra virksomhedspraktik til læreplads og én beboer "
            "går fra ordinær ansættelse til læreplads",
        ),
    ],
)
def test_the_example_in_words(apprenticeships, courses, words):
    assert describe(worked_example(apprenticeships, courses)) == words


def test_the_words_name_every_climb():
    """Each phrase's count adds up to the residents, and each names its rungs."""
    numbers = {"én": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7, "otte": 8}
    numbers |= {"ni": 9, "ti": 10}
    for apprenticeships in range(11):
        for courses in range(apprenticeships, 31):
            example = worked_example(apprenticeships, courses)
            text = describe(example)
            phrases = text.replace(" og ", ", ").split(", ") if text else []
            assert sum(numbers[p.split()[0]] for p in phrases) == example.residents


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.mark.parametrize(
    ("apprenticeships", "courses", "sentence"),
    [
        (
            1,
            1,
            "kan nås med én beboer, hvis én beboer kommer direkte i en læreplads. "
            "Det giver 1 beskæftigelsesforløb og 1 læreplads.",
        ),
        (2, 9, "kan nås med tre beboere, hvis to beboere hver går hele stigen"),
        (2, 9, "Det giver 9 beskæftigelsesforløb og 2 lærepladser."),
        (0, 5, "Det giver 5 beskæftigelsesforløb og ingen lærepladser."),
        (0, 8, "Det giver 8 beskæftigelsesforløb og 2 lærepladser."),
    ],
)
def test_the_agreement_states_the_example(library, apprenticeships, courses, sentence):
    draft = default_draft(library, project_name="P", client_name="B", housing_areas=["Gellerup"])
    draft.values.update(apprenticeships_min=apprenticeships, courses_min=courses)
    text = to_text(render(library, draft))
    assert sentence in " ".join(text.split())
    assert "12 beskæftigelsesforløb" not in text


def test_a_climb_counts_its_rungs():
    assert Climb(1, 4).courses == 4 and Climb(1, 4).apprenticeship
    assert Climb(4, 4).courses == 1 and Climb(4, 4).apprenticeship
    assert Climb(1, 3).courses == 3 and not Climb(1, 3).apprenticeship
