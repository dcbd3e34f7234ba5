"""The candidate search: what finds a candidate after each way of writing one, the bounded
count ("more than N"), and the index the search walks."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select, text

from app.candidates import queries
from app.candidates import service as candidates_service
from app.candidates.models import Candidate, search_text
from app.demo import load_demo
from app.extensions import db
from app.gdpr import service as gdpr
from app.imports import importer
from app.models import HousingArea, Role
from tests.import_files import CLEAN_ROWS, csv_file, import_site

HX = {"HX-Request": "true"}


def add(make, first, last, area=None, **fields) -> Candidate:
    """A candidate in a new association with `area` (none without one)."""
    return make.resident(first, last, area, **fields)


def results(client, q: str = "", page: int = 1) -> str:
    response = client.get("/candidates/", query_string={"q": q, "page": page}, headers=HX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def found(client, q: str) -> list[str]:
    """The names listed for the search, in order."""
    return re.findall(r'<a href="/candidates/\d+">([^<]*)</a>', results(client, q))


def count_text(html: str) -> str:
    return re.search(r'result-count">([^<]*)<', html).group(1)


def form(**changes) -> dict:
    data = dict.fromkeys(
        ("phone", "email", "address", "referral_contact", "certificates", "driving_licence"),
        "",
    )
    data |= dict.fromkeys(("languages", "wishes", "availability", "trades"), "")
    data |= {"first_name": "Ahmed", "last_name": "Yousef", "phone": "28 44 55 66"}
    data |= {"association_id": "0", "area_id": "0", "referral_source": "job_centre"}
    return data | changes


# --- what finds a candidate ---------------------------------------------------------------------


def test_names_areas_and_skills_are_found_not_words_across_two_fields(client, make, coordinator):
    add(make, "Mette", "Hansen", "Nordparken", trades="Tømrer", languages="Dansk, arabisk")
    add(make, "Jens", "Mettesen", None, certificates="Truckcertifikat", driving_licence="B, C")
    assert found(client, "mette hansen") == ["Mette Hansen"]
    assert found(client, "  METTE   Hansen ") == ["Mette Hansen"]  # case and spaces ignored
    assert found(client, "mette") == ["Jens Mettesen", "Mette Hansen"]
    assert found(client, "nordpark") == ["Mette Hansen"]
    assert found(client, "tømrer") == ["Mette Hansen"]
    assert found(client, "arabisk") == ["Mette Hansen"]
    assert found(client, "truck") == ["Jens Mettesen"]
    assert found(client, "b, c") == ["Jens Mettesen"]
    # The end of one field and the start of the next are not one phrase.
    assert found(client, "hansen nordparken") == []
    assert found(client, "nordparken tømrer") == []
    assert found(client, "%") == found(client, "_") == []  # literal, not wildcards


def test_danish_capital_letters_are_found_in_lower_case(client, make, coordinator):
    """SQLite's lower() leaves Æ, Ø and Å alone; the search text is lowercased by Python."""
    add(make, "Åse", "Ærø", "Østerbo")
    assert found(client, "åse ærø") == ["Åse Ærø"]
    assert found(client, "østerbo") == ["Åse Ærø"]
    assert found(client, "ØSTER") == ["Åse Ærø"]


def test_a_candidate_registered_and_edited_with_the_form_is_found_by_the_new_trade(
    client, make, coordinator
):
    assoc = make.association("Vestbo", areas=["Toveshøj"])
    area_id = assoc.areas[0].id
    created = client.post(
        "/candidates/new",
        data=form(association_id=assoc.id, area_id=area_id, trades="Pladsmand"),
    )
    assert created.status_code == 303
    assert found(client, "pladsmand") == ["Ahmed Yousef"]
    assert found(client, "toveshøj") == ["Ahmed Yousef"]

    person = db.session.scalar(select(Candidate))
    edited = client.post(
        f"/candidates/{person.id}/edit",
        data=form(trades="Stilladsmontør", version=str(person.version)),
    )
    assert edited.status_code == 303
    assert found(client, "stilladsmontør") == ["Ahmed Yousef"]
    assert found(client, "pladsmand") == []
    assert found(client, "toveshøj") == []  # the area was taken off in the edit


def test_renaming_a_housing_area_finds_its_candidates_by_the_new_name(client, make, coordinator):
    add(make, "Mads", "Holm", "Gellerupparken", trades="Lager")
    add(make, "Ida", "Berg", "Bispehaven")
    area = db.session.scalar(select(HousingArea).filter_by(name="Gellerupparken"))
    candidates_service.rename_area(area, "Gellerup   Øst")
    db.session.commit()
    assert found(client, "gellerup øst") == ["Mads Holm"]
    assert found(client, "gellerupparken") == []
    assert found(client, "mads holm") == ["Mads Holm"]  # the rest is untouched
    assert found(client, "lager") == ["Mads Holm"]
    assert found(client, "bispehaven") == ["Ida Berg"]
    person = db.session.scalar(select(Candidate).filter_by(first_name="Mads"))
    assert person.search_text == search_text("Gellerup Øst", "Mads", "Holm", trades="Lager")


def test_moving_a_candidate_by_the_relationship_or_the_id_moves_them_in_the_search(
    client, make, coordinator
):
    person = add(make, "Mads", "Holm", "Gellerupparken")
    other = make.association(areas=["Bispehaven", "Toveshøj"])
    person.area = other.areas[0]  # an object
    candidates_service.save(person)
    db.session.commit()
    assert found(client, "bispehaven") == ["Mads Holm"]
    assert found(client, "gellerupparken") == []
    person.area_id = other.areas[1].id  # an id, the area not loaded
    candidates_service.save(person)
    db.session.commit()
    assert found(client, "toveshøj") == ["Mads Holm"]
    person.area = None
    candidates_service.save(person)
    db.session.commit()
    assert found(client, "toveshøj") == [] and found(client, "mads") == ["Mads Holm"]


def test_an_erased_candidate_is_not_found_by_their_old_name(client, make, coordinator):
    mads = add(make, "Mads", "Holm", "Gellerupparken", trades="Murer")
    add(make, "Mads", "Berg", "Gellerupparken", trades="Murer")
    assert found(client, "mads") == ["Mads Berg", "Mads Holm"]
    response = client.post(f"/gdpr/candidates/{mads.id}/erase", data={"confirm": "SLET"})
    assert response.status_code == 303
    assert found(client, "mads") == ["Mads Berg"]
    assert found(client, "holm") == []
    assert found(client, gdpr.ANONYMISED_NAME) == []
    assert db.session.get(Candidate, mads.id).search_text == ""


def test_imported_candidates_are_found(client, make, coordinator):
    import_site(make)
    report = importer.check(csv_file(*CLEAN_ROWS), "data.csv")
    assert importer.save(report, make.user(Role.COORDINATOR)) == (2, 3)
    db.session.commit()
    assert found(client, "amira hassan") == ["Amira Hassan"]
    assert found(client, "toveshøj") == ["Jonas Berg"]


def test_the_demo_candidates_are_found(client, coordinator):
    load_demo()
    assert found(client, "mads holm") == ["Mads Holm"]
    assert found(client, "skovgårdsparken") == ["Kim Sørensen", "Lena Bak"]
    assert found(client, "tømrer") == ["Ole Friis"]


# --- the bounded count --------------------------------------------------------------------------


@pytest.fixture
def small_cap(app, monkeypatch):
    """Count up to 3 matches (or to the end of the page asked for), 2 to a page."""
    monkeypatch.setitem(app.config, "SEARCH_COUNT_CAP", 3)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)


@pytest.mark.parametrize("term", ["jensen", "je", ""])
def test_past_the_cap_the_page_says_more_than(client, make, coordinator, small_cap, term):
    """For a term the trigram index may find ("jensen"), one too short for it ("je") and no
    term: each is counted and paged its own way (app/candidates/queries.py)."""
    for first in "ABCDEFG":
        add(make, first, "Jensen")
    if term:
        add(make, "Anna", "Holm")  # not found

    page1 = results(client, term)
    assert count_text(page1) == "Flere end 3 kandidater"
    assert "Side 1 af flere end 1" in page1
    if term:
        assert f'href="/candidates/?page=2&amp;q={term}"' in page1
    assert found(client, term) == ["A Jensen", "B Jensen"]

    # Each page counts to its own end at least, so the pages go on past the cap.
    expected = {
        2: ("Flere end 4 kandidater", ["C Jensen", "D Jensen"]),
        3: ("Flere end 6 kandidater", ["E Jensen", "F Jensen"]),
        4: ("7 kandidater", ["G Jensen"]),
    }
    for page, (count, names) in expected.items():
        html = results(client, term, page)
        assert count_text(html) == count, page
        assert re.findall(r'<a href="/candidates/\d+">([^<]*)</a>', html) == names
    last = results(client, term, 4)
    assert "Side 4 af 4" in last and "page=5" not in last

    past_the_end = results(client, term, 9)
    assert count_text(past_the_end) == "7 kandidater"


def test_below_the_cap_the_count_is_exact(client, make, coordinator, small_cap):
    add(make, "Mads", "Holm")
    add(make, "Ida", "Holm")
    add(make, "Ole", "Friis")
    html = results(client, "holm")
    assert count_text(html) == "2 kandidater"
    assert 'class="pagination"' not in html
    assert count_text(results(client, "")) == "3 kandidater"
    add(make, "Lena", "Bak")
    assert count_text(results(client, "")) == "Flere end 3 kandidater"


def test_the_cap_is_in_english_too(client, make, coordinator, small_cap):
    for first in "ABCD":
        add(make, first, "Jensen")
    with client.session_transaction() as session:
        session["lang"] = "en"
    html = results(client, "jensen")
    assert count_text(html) == "More than 3 candidates"
    assert "Page 1 of more than 1" in html


# --- the plan -----------------------------------------------------------------------------------


def _page_query(client, q: str) -> tuple[str, object]:
    """The statement and parameters of the search's page query."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "page_ids" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        results(client, q)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 1
    return seen[0]


def test_the_search_walks_the_name_index(client, make, coordinator):
    """The matches are read in name order from an index, so the walk can stop at the cap:
    on SQLite the index holds the search text too (the table is never read for the walk); on
    PostgreSQL a rare term can use the trigram index instead."""
    for i in range(30):
        add(make, f"Mette{i}", "Hansen", trades="Murer")
    statement, parameters = _page_query(client, "mette")
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        steps = [row[-1] for row in plan]
        assert any("ix_candidates_search_walk" in step for step in steps), steps
        assert any("SCAN candidates_search VIRTUAL TABLE" in step for step in steps), steps
        assert not any(step.startswith("SCAN candidates") and "INDEX" not in step for step in steps)
    else:
        # Tiny tables make a sequential scan cheapest; forbid it to see the indexes qualify.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
        assert any("ix_candidates_" in line for line in plan), plan
        statement, parameters = _page_query(client, "")
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
        assert any("ix_candidates_name_order" in line for line in plan), plan
    db.session.rollback()


@pytest.fixture
def sqlite_only(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the FTS5 trigram index is SQLite's (PostgreSQL has pg_trgm)")


@pytest.mark.parametrize("probe_factor", [0, 4])
@pytest.mark.parametrize("lookup_max", [4, 5, 100])
def test_a_term_looked_up_or_walked_gives_the_same_pages_and_count(
    client, make, coordinator, small_cap, monkeypatch, lookup_max, probe_factor
):
    """5 matches: looked up when the trigram lookup takes 5 or more; when it takes at most 4,
    its 5 hits are more than the bound of pages 1 and 2 (walked to the page's end, "more
    than" the bound) but not of pages 3 and 9 (walked to the bound and counted); with the
    probe, the probe finds enough for pages 1 and 2."""
    monkeypatch.setattr(queries, "TRIGRAM_LOOKUP_MAX", lookup_max)
    monkeypatch.setattr(queries, "PROBE_FACTOR", probe_factor)
    for first in ("Ida", "Bo", "Åse", "Carl", "Eva"):
        add(make, first, "Jensen")
    add(make, "Ole", "Friis")
    pages = {page: results(client, "jensen", page) for page in (1, 2, 3, 9)}
    names = {
        page: re.findall(r'<a href="/candidates/\d+">([^<]*)</a>', html)
        for page, html in pages.items()
    }
    assert names == {
        1: ["Bo Jensen", "Carl Jensen"],
        2: ["Eva Jensen", "Ida Jensen"],
        3: ["Åse Jensen"],
        9: [],
    }
    counts = {page: count_text(html) for page, html in pages.items()}
    assert counts == {
        1: "Flere end 3 kandidater",
        2: "Flere end 4 kandidater",
        3: "5 kandidater",
        9: "5 kandidater",
    }


def test_on_sqlite_a_rare_term_is_read_from_the_trigram_index_a_common_one_by_the_walk(
    client, make, coordinator, small_cap, sqlite_only, monkeypatch
):
    """Both ways give the same pages and count. Which one ran shows when the trigram index is
    swapped for one that lists 5 people who do not exist: the lookup finds no one, the walk
    (chosen when the index counts more than TRIGRAM_LOOKUP_MAX) never reads it, and neither
    does the probe when the first names hold enough matches."""
    monkeypatch.setattr(queries, "PROBE_FACTOR", 0)  # no probe: the lookup or the walk
    for first in ("Ida", "Bo", "Åse", "Carl", "Eva"):
        add(make, first, "Jensen")
    add(make, "Ole", "Friis")
    first_page, count = found(client, "jensen"), count_text(results(client, "jensen"))
    assert (first_page, count) == (["Bo Jensen", "Carl Jensen"], "Flere end 3 kandidater")
    last_page = results(client, "jensen", 3)
    assert re.findall(r'<a href="/candidates/\d+">([^<]*)</a>', last_page) == ["Åse Jensen"]
    assert found(client, "je") == first_page  # under 3 letters: no trigram, the walk

    def index(statement: str) -> None:
        db.session.execute(text(f"INSERT INTO candidates_search{statement}"))
        db.session.commit()

    index("(candidates_search) VALUES ('delete-all')")
    for ghost in range(100_001, 100_006):
        index(f"(rowid, search_text) VALUES ({ghost}, 'jensen')")
    try:
        assert found(client, "jensen") == []  # 5 hits, few enough: looked up, none exist
        monkeypatch.setattr(queries, "PROBE_FACTOR", 4)  # 4 matches among the first 16 names
        assert found(client, "jensen") == first_page
        assert count_text(results(client, "jensen")) == count
        monkeypatch.setattr(queries, "PROBE_FACTOR", 0)
        monkeypatch.setattr(queries, "TRIGRAM_LOOKUP_MAX", 4)  # now too many: the walk
        assert found(client, "jensen") == first_page
        assert count_text(results(client, "jensen")) == count
    finally:
        index("(candidates_search) VALUES ('rebuild')")
    monkeypatch.setattr(queries, "TRIGRAM_LOOKUP_MAX", 5)
    assert found(client, "jensen") == first_page  # the real index again, looked up


def test_on_sqlite_the_trigram_index_follows_every_write(make, sqlite_only):
    """The triggers keep the FTS5 table equal to the live candidates' search text: after an
    insert, an edit, an erasure and a delete, a trigram search finds exactly what LIKE finds."""
    mette = add(make, "Mette", "Hansen", "Nordparken", trades="Tømrer")
    ole = add(make, "Ole", "Friis", None, trades="Murer")
    ole.trades = "Tømrer"
    candidates_service.save(ole)
    db.session.commit()
    erased = add(make, "Tove", "Tømrersen")
    gdpr.erase([erased.id])  # its own bulk UPDATE empties the search text
    db.session.execute(text("DELETE FROM candidates WHERE id = :id"), {"id": mette.id})
    db.session.commit()
    for term in ("tømrer", "mette", "murer", "friis", "nordparken"):
        phrase = f'"{term}"'
        by_index = db.session.scalars(
            text("SELECT rowid FROM candidates_search WHERE candidates_search MATCH :p"),
            {"p": phrase},
        ).all()
        by_like = db.session.scalars(
            text("SELECT id FROM candidates WHERE search_text LIKE :p AND search_text != ''"),
            {"p": f"%{term}%"},
        ).all()
        assert sorted(by_index) == sorted(by_like), term


def test_the_search_text_of_every_write_path_is_the_function_of_its_fields(make):
    """The listener's text equals `search_text` of the stored fields (area by its name)."""
    add(make, "Mette", "Hansen", "Nordparken", trades="Tømrer", certificates="Kran")
    add(make, "Ole", "Friis", None, languages="Dansk")
    rows = db.session.execute(
        text(
            "SELECT c.search_text, a.name, c.first_name, c.last_name, c.trades, c.certificates, "
            "c.languages, c.driving_licence FROM candidates c "
            "LEFT JOIN housing_areas a ON a.id = c.area_id"
        )
    ).all()
    assert len(rows) == 2
    for stored, *fields in rows:
        assert stored == search_text(*fields)


def test_the_search_is_planned_for_its_values_on_postgresql(ctx):
    """psycopg prepares a statement run 5 times on a connection (PostgreSQL may then plan it
    once for all patterns); the search's `plan_for_values` option keeps it unprepared."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements are PostgreSQL's")
    query = select(Candidate.id).where(Candidate.search_text.like("%mette%"))
    prepared = text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :s")
    with db.engine.connect() as connection:
        for _ in range(8):
            connection.execute(query.execution_options(plan_for_values=True)).all()
        assert connection.scalar(prepared, {"s": "%search_text LIKE%"}) == 0
        for _ in range(8):  # the same without the option: prepared
            connection.execute(query).all()
        assert connection.scalar(prepared, {"s": "%search_text LIKE%"}) == 1


def test_a_common_term_needs_neither_the_lookup_nor_the_whole_walk(
    client, make, coordinator, small_cap
):
    """A term with its bound + 1 matches among the first names in name order: the probe
    counts them, the page is walked to its end, and neither the trigram lookup nor the whole
    walk to the cap runs (SQLite: the ghost index above; PostgreSQL: their plan nodes are
    never executed)."""
    for first in ("Ida", "Bo", "Åse", "Carl", "Eva", "Finn", "Gry"):
        add(make, first, "Jensen")
    for first in ("Ulla", "Vera", "Yrsa"):
        add(make, first, "Friis")
    assert found(client, "jensen") == ["Bo Jensen", "Carl Jensen"]
    assert count_text(results(client, "jensen")) == "Flere end 3 kandidater"
    statement, parameters = _page_query(client, "jensen")
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE) {statement}", parameters).scalars()
    plan = list(plan)
    lookup = [line for line in plan if "CTE Scan on trigram_hits" in line]
    assert lookup and all("never executed" in line for line in lookup), plan
    # Of the scans of the candidates inside the search (the probe's, the page's walk, the
    # lookup's and the whole walk's; the join reads `candidates` unaliased), only the probe's
    # and the page's ran: the probe's stopped at the first names, the page's at the page.
    scans = [line for line in plan if re.search(r"Scan .*on candidates candidates_\d", line)]
    assert len(scans) == 4, plan
    assert len([line for line in scans if "never executed" not in line]) == 2, plan
    db.session.rollback()
