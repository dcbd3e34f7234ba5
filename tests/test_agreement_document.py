"""Drafting an agreement: validation messages, rendering, text and HTML output."""

import dataclasses
import datetime as dt
import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.agreements.document import (
    PLACEHOLDER_TOKENS,
    ClauseChoice,
    Draft,
    RenderError,
    add_new_clauses,
    default_draft,
    render,
    residents_needed,
    to_html,
    to_text,
    validate_draft,
)
from app.agreements.document_model import LadderTable
from app.agreements.library import load_library
from app.agreements.samples import DEMO_VALUES, HOSTILE_TEXTS, hostile_values
from app.agreements.variables import ILLEGAL_CHARS, Message


@pytest.fixture(scope="module")
def library():
    return load_library()


def demo_draft(library, **changes):
    return default_draft(library, **(DEMO_VALUES | changes))


def all_enabled(draft):
    for choice in draft.clauses:
        choice.enabled = True
    return draft


def problems(library, draft):
    return {
        field: [str(m) for m in messages]
        for field, messages in validate_draft(library, draft).items()
    }


def without_values(text, values):
    """Blank out the drafter's values, so what remains is text the templates produced."""
    for value in sorted(values, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    return text


def text_values(values):
    out = [v for v in values.values() if isinstance(v, str)]
    return out + [area for area in values.get("housing_areas", [])]


# --- validation --------------------------------------------------------------------------------


def test_demo_draft_is_valid(library):
    assert validate_draft(library, demo_draft(library)) == {}


def test_missing_required_values_are_named(library):
    draft = demo_draft(library, project_name="  ", client_name=None, housing_areas=[])
    found = problems(library, draft)
    assert found["project_name"] == ["This field is required."]
    assert found["client_name"] == ["This field is required."]
    assert found["housing_areas"] == ["Enter at least one housing area."]
    assert "main_contractor_name" not in found  # optional before the award


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("otte", "Enter a whole number."),
        (2.5, "Enter a whole number."),
        (True, "Enter a whole number."),
        (-1, "Enter a whole number of 0 or more."),
        ("-3", "Enter a whole number of 0 or more."),
        (10_001, "Enter a number no larger than 10000."),
        ("", "This field is required."),
    ],
)
def test_whole_numbers_only(library, raw, message):
    found = problems(library, demo_draft(library, wage_subsidy_months=raw))
    assert found["wage_subsidy_months"] == [message]


def test_numbers_from_a_form_are_accepted_as_text(library):
    draft = demo_draft(library, courses_min="10", apprenticeships_min=" 3 ")
    assert validate_draft(library, draft) == {}
    assert "mindst 10 beskæftigelsesforløb" in to_text(render(library, draft))


def test_course_target_cannot_be_below_apprenticeship_target(library):
    found = problems(library, demo_draft(library, apprenticeships_min=5, courses_min=4))
    assert found == {
        "courses_min": [
            "Every apprenticeship is also a course, so the course target cannot be below the "
            "apprenticeship target."
        ]
    }


def test_internship_weeks_must_be_in_order(library):
    found = problems(library, demo_draft(library, internship_weeks_min=7, internship_weeks_max=6))
    assert found == {
        "internship_weeks_max": ["The longest internship cannot be shorter than the shortest."]
    }


def test_execution_phase_cannot_end_before_it_starts(library):
    draft = demo_draft(library, execution_start="2027-05-01", execution_end=dt.date(2027, 4, 30))
    assert problems(library, draft) == {
        "execution_end": ["The execution phase cannot end before it starts."]
    }
    assert problems(library, demo_draft(library, execution_start="1. maj")) == {
        "execution_start": ["Enter a date as YYYY-MM-DD."]
    }


@pytest.mark.parametrize("bad", ["\x00", "\x0b", "\x1f", "\ufffe", "\ud800", "\ufdd0"])
def test_text_word_cannot_hold_is_rejected(library, bad):
    draft = demo_draft(library, client_name=f"Bolig{bad}forening", housing_areas=["A", f"B{bad}C"])
    draft.clauses[0].override = f"Tekst{bad}"
    found = problems(library, draft)
    expected = ["The text contains characters a Word document cannot hold."]
    assert found["client_name"] == expected
    assert found["housing_areas"] == expected
    assert found["override:parties"] == expected


def test_required_clause_cannot_be_switched_off(library):
    draft = demo_draft(library)
    next(c for c in draft.clauses if c.key == "ladder").enabled = False
    next(c for c in draft.clauses if c.key == "failed_match").enabled = False  # optional: fine
    assert problems(library, draft) == {
        "clauses": [
            "The clause Progressionsstigen og optælling is required and cannot be switched off."
        ]
    }


def test_unknown_duplicate_and_missing_clauses(library):
    draft = demo_draft(library)
    draft.clauses = [c for c in draft.clauses if c.key != "kickoff"]
    draft.clauses += [ClauseChoice("no_such_clause"), ClauseChoice("purpose")]
    assert problems(library, draft)["clauses"] == [
        "Unknown clause no_such_clause.",
        "The clause Formål appears twice.",
        "The required clause Opstartsmøde is missing.",
    ]


def test_values_of_switched_off_clauses_are_not_required(library):
    draft = demo_draft(library, apprentice_aarsvaerk=None)
    assert validate_draft(library, draft) == {}  # the årsværk clause is off by default
    next(c for c in draft.clauses if c.key == "aarsvaerk").enabled = True
    assert problems(library, draft) == {"apprentice_aarsvaerk": ["This field is required."]}


@pytest.mark.parametrize(
    "override",
    ["Se [[bilag]] her", "Tuborg { og } hver for sig", "<w:p>&amp; ]]> selv, 🏗️ عربي"],
)
def test_overrides_are_the_drafters_words_taken_literally(library, override):
    draft = demo_draft(library)
    next(c for c in draft.clauses if c.key == "kickoff").override = override
    assert validate_draft(library, draft) == {}
    section = next(s for s in render(library, draft).sections if s.key == "kickoff")
    assert " ".join(b.text for b in section.blocks) == " ".join(override.split())


@pytest.mark.parametrize(
    "override",
    [
        "Vi mødes {{ ugedag }}.",
        "Linje et\n{% if project_name %}\nuafsluttet",
        "Tuborg }} for meget",
        "{# note #}",
        "{{ ''.__class__.__mro__ }}",
        "{{ 'x' * 1000000000 }}",
        "{{ project_name.upper.__globals__ }}",
        "{{ main_contractor_known }}",
    ],
)
def test_an_override_with_other_template_code_is_refused_beside_the_field(library, override):
    draft = demo_draft(library)
    next(c for c in draft.clauses if c.key == "kickoff").override = override
    [message] = validate_draft(library, draft)["override:kickoff"]
    assert str(message).startswith("Curly braces can only insert a value, written as {{ name }}")
    assert "project_name, project_address" in str(message) and "ugedag" not in str(message)
    with pytest.raises(RenderError):
        render(library, draft)  # never written into a document, even without validation


def test_an_override_fills_in_known_variables(library):
    draft = demo_draft(library, apprenticeships_min=2, courses_min=9)
    next(c for c in draft.clauses if c.key == "kickoff").override = (
        "Mødet om {{project_name}} for {{ housing_areas }}: {{ residents_needed }} beboere, "
        "{{ courses_min }} forløb."
    )
    assert validate_draft(library, draft) == {}
    section = next(s for s in render(library, draft).sections if s.key == "kickoff")
    text = " ".join(b.text for b in section.blocks)
    assert text.startswith(f"Mødet om {draft.values['project_name']} for ")
    assert ": 3 beboere, 9 forløb." in text and "{{" not in text


def test_an_override_with_characters_word_cannot_hold_is_a_field_error(library):
    draft = demo_draft(library)
    next(c for c in draft.clauses if c.key == "kickoff").override = "Bip\x07"
    assert [str(m) for m in validate_draft(library, draft)["override:kickoff"]] == [
        "The text contains characters a Word document cannot hold."
    ]


def test_message_is_translated_before_parameters_are_filled():
    message = Message("Enter at most %(max)s characters.", {"max": 20})
    catalog = {"Enter at most %(max)s characters.": "Højst %(max)s tegn."}
    assert message.format(catalog.get) == "Højst 20 tegn."
    assert str(message) == "Enter at most 20 characters."


# --- rendering ---------------------------------------------------------------------------------


def test_default_draft_renders_enabled_clauses_numbered_in_order(library):
    draft = demo_draft(library)
    doc = render(library, draft)
    enabled = [c.key for c in draft.clauses if c.enabled]
    assert [s.key for s in doc.sections] == enabled
    assert [s.number for s in doc.sections] == list(range(1, len(enabled) + 1))
    assert "reporting" in enabled and "failed_match" in enabled  # both on by default
    assert "statutory" not in enabled and "aarsvaerk" not in enabled
    text = to_text(doc)
    assert "1. Parter og projekt" in text
    assert f"{len(enabled)}. Underskrifter" in text


def test_drafters_order_decides_numbering(library):
    draft = demo_draft(library)
    keys = [c.key for c in draft.clauses]
    draft.clauses.insert(0, draft.clauses.pop(keys.index("example")))  # the example first
    doc = render(library, draft)
    assert doc.sections[0].heading == "1. Regneeksempel"
    assert doc.sections[1].heading == "2. Parter og projekt"


def test_override_replaces_the_clause_text_with_bullets_and_a_marker(library):
    draft = demo_draft(library)
    choice = next(c for c in draft.clauses if c.key == "kickoff")
    choice.override = "Mødet holdes på pladsen.\n\n- punkt et\n- punkt to\n\n[[ladder_table]]"
    assert validate_draft(library, draft) == {}
    section = next(s for s in render(library, draft).sections if s.key == "kickoff")
    assert section.blocks[0].text == "Mødet holdes på pladsen."
    assert section.blocks[1].items == ("punkt et", "punkt to")
    assert isinstance(section.blocks[2], LadderTable)


def test_unknown_main_contractor_reads_as_a_neutral_phrase(library):
    text = to_text(render(library, demo_draft(library, main_contractor_name="")))
    assert "Boligforeningen Skovparken som bygherre og den vindende hovedentreprenør." in text
    assert "når kontrakten er tildelt" in text
    named = to_text(render(library, demo_draft(library, main_contractor_name="Murer A/S")))
    assert "og Murer A/S som hovedentreprenør." in named
    assert "den vindende hovedentreprenør" not in named
    for gap in ("  ", " .", " ,", "()"):
        assert gap not in text.replace("_", "")


def test_dates_are_written_the_danish_way(library):
    text = to_text(render(library, demo_draft(library)))
    assert "fra 1. marts 2027 til 30. september 2028" in text
    undated = to_text(
        render(library, demo_draft(library, execution_start=None, execution_end=None))
    )
    assert "Aftalen gælder i hele udførelsesfasen." in undated


def test_count_rule_changes_the_text(library):
    started = to_text(render(library, demo_draft(library, count_rule="started")))
    minimum = to_text(render(library, demo_draft(library, count_rule="min_duration")))
    assert "fra den dag, beboeren er startet på det" in started
    assert "når det har varet mindst den vejledende varighed" in minimum


def test_ladder_durations_come_from_the_values(library):
    draft = demo_draft(
        library,
        internship_weeks_min=3,
        internship_weeks_max=3,
        wage_subsidy_months=1,
        ordinary_months_min=6,
    )
    section = next(s for s in render(library, draft).sections if s.key == "ladder")
    table = section.blocks[1]
    assert [row[2] for row in table.rows] == [
        "3 uger",
        "1 måned",
        "Mindst 6 måneder",
        "Mindst en delaftale",
    ]


@pytest.mark.parametrize(
    ("apprenticeships", "courses", "needed", "sentence"),
    [
        (2, 8, 2, "kan nås med to beboere, hvis to beboere hver går hele stigen"),
        (3, 10, 3, "kan nås med tre beboere, hvis to beboere hver går hele stigen"),
        (2, 10, 3, "Det giver 10 beskæftigelsesforløb og 2 lærepladser."),
        (1, 1, 1, "hvis én beboer kommer direkte i en læreplads"),
        (0, 5, 2, "Måltallet på 5 beskæftigelsesforløb kan nås med to beboere"),
        (20, 20, 20, "hvis 20 beboere hver kommer direkte i en læreplads"),
    ],
)
def test_worked_example_is_computed_from_the_targets(
    library, apprenticeships, courses, needed, sentence
):
    assert residents_needed(apprenticeships, courses) == needed
    draft = demo_draft(library, apprenticeships_min=apprenticeships, courses_min=courses)
    example = next(s for s in render(library, draft).sections if s.key == "example")
    text = " ".join(block.text for block in example.blocks)
    assert sentence in text
    assert f"Det giver {max(courses, apprenticeships)} beskæftigelsesforløb" in text
    assert "tæller for tre beskæftigelsesforløb" in text


def test_worked_example_without_targets(library):
    draft = demo_draft(library, apprenticeships_min=0, courses_min=0)
    text = to_text(render(library, draft))
    assert "Da aftalen ikke fastsætter måltal" in text
    assert "Aftalen fastsætter ingen måltal." in text


def test_aarsvaerk_clause_computes_hours(library):
    draft = demo_draft(library, apprentice_aarsvaerk=3)
    next(c for c in draft.clauses if c.key == "aarsvaerk").enabled = True
    text = to_text(render(library, draft))
    assert "mindst 3 årsværk" in text
    assert "Ét årsværk regnes som 1.924 timer, så kravet svarer til 5.772 timer." in text


@pytest.mark.parametrize("key", [clause.key for clause in load_library().clauses])
@pytest.mark.parametrize("values", ["demo", "hostile"])
def test_no_clause_leaves_a_placeholder(library, key, values):
    chosen = DEMO_VALUES if values == "demo" else hostile_values()
    draft = all_enabled(default_draft(library, **chosen))
    doc = render(library, draft)
    section = next(s for s in doc.sections if s.key == key)
    one = dataclasses.replace(doc, sections=(section,))
    for output in (to_text(one), html.unescape(re.sub(r"<[^>]+>", " ", to_html(one)))):
        remains = without_values(output, text_values(chosen))
        for token in PLACEHOLDER_TOKENS:
            assert token not in remains, (key, token)
        assert "Undefined" not in remains
        assert "None" not in remains


def test_hostile_values_arrive_literally_and_are_not_evaluated(library):
    draft = all_enabled(default_draft(library, **hostile_values()))
    assert validate_draft(library, draft) == {}
    doc = render(library, draft)
    text = to_text(doc)
    for hostile in HOSTILE_TEXTS:
        assert hostile in text
    assert "49" not in text  # {{ 7*7 }} stayed text
    # A value that looks like markup does not become a bullet, heading or signature block.
    kinds = [type(block).__name__ for section in doc.sections for block in section.blocks]
    assert kinds.count("Signatures") == 1 and kinds.count("SubHeading") == 0


def test_html_escapes_hostile_values(library):
    page = to_html(render(library, default_draft(library, **hostile_values())))
    assert "<script>" not in page and "<w:p>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&amp;amp;" in page  # a typed "&amp;" shows as "&amp;", not "&"
    assert page.count("<h3>") == len([s for s in page.split('class="agreement-clause"')]) - 1


def _words_of_html(page: str) -> list[str]:
    return html.unescape(re.sub(r"<[^>]+>", " ", page)).split()


def test_text_and_html_carry_the_same_words(library):
    doc = render(library, all_enabled(demo_draft(library)))
    text_words = [w for w in to_text(doc).split() if w not in ("•", "|")]
    assert _words_of_html(to_html(doc)) == text_words


def test_html_has_a_heading_per_clause_and_the_ladder_table(library):
    doc = render(library, demo_draft(library))
    page = to_html(doc)
    assert page.count("<h3>") == len(doc.sections)
    assert page.count("<tr>") == 5
    assert "<html" not in page


def test_stored_drafts_round_trip_and_pick_up_new_clauses(library):
    draft = demo_draft(library)
    stored = draft.to_dict()
    assert stored["values"]["execution_start"] == "2027-03-01"
    restored = Draft.from_dict(stored)
    assert to_text(render(library, restored)) == to_text(render(library, draft))
    restored.clauses = [c for c in restored.clauses if c.key != "reporting"]
    upgraded = add_new_clauses(library, restored)
    assert [c.key for c in upgraded.clauses] == library.keys


# --- property ----------------------------------------------------------------------------------

safe_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
    max_size=60,
).filter(lambda s: not ILLEGAL_CHARS.search(s))


@st.composite
def valid_values(draw):
    apprenticeships = draw(st.integers(0, 60))
    low = draw(st.integers(0, 52))
    start = draw(st.dates(dt.date(2020, 1, 1), dt.date(2040, 1, 1)) | st.none())
    end = None if start is None else start + dt.timedelta(days=draw(st.integers(0, 2000)))
    return DEMO_VALUES | {
        "project_name": draw(safe_text.filter(str.strip)),
        "project_address": draw(safe_text),
        "client_name": draw(safe_text.filter(str.strip)),
        "main_contractor_name": draw(safe_text),
        "coordinator_name": draw(safe_text.filter(str.strip)),
        "coordinator_contact": draw(safe_text),
        "housing_areas": draw(st.lists(safe_text.filter(str.strip), min_size=1, max_size=4)),
        "apprenticeships_min": apprenticeships,
        "courses_min": apprenticeships + draw(st.integers(0, 200)),
        "internship_weeks_min": low,
        "internship_weeks_max": low + draw(st.integers(0, 10)),
        "wage_subsidy_months": draw(st.integers(0, 24)),
        "ordinary_months_min": draw(st.integers(0, 24)),
        "count_rule": draw(st.sampled_from(["started", "min_duration"])),
        "execution_start": start,
        "execution_end": end,
        "apprentice_aarsvaerk": draw(st.integers(0, 10_000)),
    }


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=valid_values())
def test_any_valid_draft_renders_without_placeholders(library, values):
    draft = all_enabled(default_draft(library, **values))
    assert validate_draft(library, draft) == {}
    doc = render(library, draft)
    remains = without_values(to_text(doc), [v.strip() for v in text_values(values)])
    for token in PLACEHOLDER_TOKENS:
        assert token not in remains
    assert "\ufdd4" not in to_text(doc)


# --- rendered clauses kept per text and values ---------------------------------------------------


def _counting_renders(monkeypatch) -> list:
    """Record every clause text that is rendered rather than taken from the library's keep."""
    import app.agreements.document as document

    rendered = []
    original = document._render_body

    def counting(library, template, context):
        rendered.append(template)
        return original(library, template, context)

    monkeypatch.setattr(document, "_render_body", counting)
    return rendered


def test_a_changed_value_renders_again_only_the_clauses_that_read_it(monkeypatch):
    """The live preview renders the whole agreement on every keystroke; a clause is rendered
    again only when its text or a value it reads changed, and the ladder table's clause when a
    duration its rows show changed."""
    kept = load_library()
    draft = all_enabled(demo_draft(kept))
    sections = len(render(kept, draft).sections)
    rendered = _counting_renders(monkeypatch)
    render(kept, draft)
    assert rendered == []  # nothing changed: every clause kept

    months = dataclasses.replace(draft, values=draft.values | {"wage_subsidy_months": 5})
    document = render(kept, months)
    assert 0 < len(rendered) < sections
    ladder = next(s for s in document.sections if s.key == "ladder")
    table = next(block for block in ladder.blocks if isinstance(block, LadderTable))
    assert table.rows[1][2] == "5 måneder"
    assert to_text(document) == to_text(render(load_library(), months))


def test_kept_clauses_read_as_a_fresh_rendering_after_any_change(monkeypatch):
    """A run of edits as a drafter makes them, each rendered with the keep and with a library
    that has never rendered anything: the texts are the same every time."""
    kept = load_library()
    draft = all_enabled(demo_draft(kept))
    edits = [
        {"project_name": "Ny boligblok i Bispehaven"},
        {"main_contractor_name": "Nordbyg A/S"},
        {"apprenticeships_min": 3, "courses_min": 10},
        {"internship_weeks_min": 2, "internship_weeks_max": 2},
        {"count_rule": "min_duration"},
        {"housing_areas": ["Bispehaven"]},
        {"execution_end": dt.date(2029, 1, 31)},
        {"client_name": "Boligforeningen Vestbo"},
        {"main_contractor_name": ""},
        {"project_name": "Renovering af Skovparken, etape 2"},
    ]
    for edit in edits:
        draft = dataclasses.replace(draft, values=draft.values | edit)
        assert to_text(render(kept, draft)) == to_text(render(load_library(), draft)), edit
    # An adapted clause, then its wording changed, then the library's text again.
    choice = next(c for c in draft.clauses if c.key == "legal_basis")
    for override in ("Vores egen tekst om {{ project_name }}.", "En anden tekst.", ""):
        choice.override = override
        text = to_text(render(kept, draft))
        assert text == to_text(render(load_library(), draft)), override
    assert "En anden tekst." not in text and "Vores egen tekst" not in text
