"""One search, Unicode-aware on both databases: æ, ø and å at the start and inside names are
found in every search box, whatever their case."""

import re

import pytest

from app.models import Phase
from app.search import like_pattern, search_term

HX = {"HX-Request": "true"}


def test_the_fold_is_unicode_aware_and_literal():
    assert search_term("  ØRESTAD   Syd ") == "ørestad syd"
    assert search_term("ÆBLE Å") == "æble å"
    assert like_pattern("100%_") == "%100\\%\\_%"


PROJECTS = ["Ørestad Syd", "Ærøvej Nord", "Åbyhøj Skole", "Vænget", "Gårdhaven", "Toveshøj"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("ørestad", {"Ørestad Syd"}),
        ("ØRESTAD", {"Ørestad Syd"}),
        ("ærø", {"Ærøvej Nord"}),
        ("ÆRØVEJ", {"Ærøvej Nord"}),
        ("åby", {"Åbyhøj Skole"}),
        ("Å", {"Åbyhøj Skole", "Gårdhaven"}),
        ("ÆNGET", {"Vænget"}),
        ("høj", {"Åbyhøj Skole", "Toveshøj"}),
        ("HØJ", {"Åbyhøj Skole", "Toveshøj"}),
    ],
)
def test_project_search_finds_danish_letters_in_any_case(client, make, coordinator, term, expected):
    association = make.association()
    for name in PROJECTS:
        make.project(association, name, Phase.TENDER)
    html = client.get("/projects/", query_string={"q": term}, headers=HX).get_data(as_text=True)
    assert set(re.findall(r'href="/projects/\d+">([^<]+)</a>', html)) == expected


PEOPLE = [("Øjvind", "Ærenlund"), ("Åse", "Bøgh"), ("Mads", "Holm")]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("øjvind", {"Øjvind Ærenlund"}),
        ("ØJVIND", {"Øjvind Ærenlund"}),
        ("ÆRENLUND", {"Øjvind Ærenlund"}),
        ("åse", {"Åse Bøgh"}),
        ("BØGH", {"Åse Bøgh"}),
        ("holm", {"Mads Holm"}),
    ],
)
def test_candidate_search_and_match_picker_find_danish_letters(
    client, make, coordinator, term, expected
):
    association = make.association()
    for first, last in PEOPLE:
        make.candidate(first, last, association)
    listing = client.get("/candidates/", query_string={"q": term}, headers=HX)
    found = set(re.findall(r'href="/candidates/\d+">([^<]+)</a>', listing.get_data(as_text=True)))
    assert found == expected
    picker = client.get("/placements/candidate-options", query_string={"q": term})
    options = set(re.findall(r"<span>([^<]+)</span>", picker.get_data(as_text=True)))
    assert options == expected
