"""bench/seed_large.py at a tiny scale: the counts asked for, and data the app's rules allow."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from app.agreements import service
from app.agreements.models import AgreementVersion
from app.candidates.models import Candidate, Conversation, search_text
from app.extensions import db
from app.models import Project, ProjectCompany, Rung
from app.placements.models import Placement
from app.placements.rules import Durations
from bench.seed_large import counts_for, seed

SCALE = 0.002  # 10 projects, 100 candidates, 200 placements, 10 meetings


def test_seed_adds_the_counts_of_its_scale(ctx):
    added, totals = seed(SCALE, echo=lambda *_: None)
    wanted = counts_for(SCALE)
    assert added["projects"] == wanted["projects"]
    assert added["candidates"] == wanted["candidates"]
    assert added["placements"] == wanted["placements"]
    assert added["meetings"] == wanted["meetings"]
    assert totals["placements"] > added["placements"]  # the demo data is there too
    assert added["openings"] > 0 and added["meeting_series"] > 0


def test_placements_climb_the_ladder_without_overlaps(ctx):
    added, _ = seed(SCALE, echo=lambda *_: None)
    # The bulk candidates are the last ones added (the demo's own journeys are tested elsewhere).
    first_bulk = db.session.scalar(select(func.max(Candidate.id))) - added["candidates"] + 1
    placements = db.session.scalars(
        select(Placement).where(Placement.candidate_id >= first_bulk).order_by(Placement.start_date)
    ).all()
    assert len(placements) == added["placements"]
    by_candidate = defaultdict(list)
    for placement in placements:
        by_candidate[placement.candidate_id].append(placement)
    by_id = {p.id: p for p in placements}
    companies = {
        tuple(row)
        for row in db.session.execute(select(ProjectCompany.project_id, ProjectCompany.company_id))
    }
    pre_match = defaultdict(list)
    for candidate_id, held_on in db.session.execute(
        select(Conversation.candidate_id, Conversation.held_on).where(
            Conversation.kind == "pre_match"
        )
    ):
        pre_match[candidate_id].append(held_on)
    for candidate_id, own in by_candidate.items():
        assert db.session.get(Candidate, candidate_id).eligible
        assert min(pre_match[candidate_id]) <= own[0].start_date  # talked before the match
        for earlier, later in zip(own, own[1:], strict=False):
            assert earlier.actual_end is not None and earlier.actual_end < later.start_date
        for placement in own:
            assert (placement.project_id, placement.company_id) in companies
            if placement.previous_id is not None:  # one rung up, the day after
                previous = by_id[placement.previous_id]
                assert Rung(placement.rung).step == Rung(previous.rung).step + 1
                assert placement.start_date == previous.actual_end + timedelta(days=1)
                assert previous.outcome == "next_rung"
            else:
                assert placement.rung in (Rung.INTERNSHIP, Rung.WAGE_SUBSIDY, Rung.ORDINARY)


def test_every_project_has_numbered_versions_with_its_own_document(ctx):
    seed(SCALE, echo=lambda *_: None)
    for project in db.session.scalars(select(Project)):
        numbers = db.session.scalars(
            select(AgreementVersion.number)
            .where(AgreementVersion.project_id == project.id)
            .order_by(AgreementVersion.number)
        ).all()
        assert numbers == list(range(1, len(numbers) + 1))
    bulk = db.session.scalars(select(AgreementVersion).order_by(AgreementVersion.id.desc())).first()
    assert bulk.is_approved or bulk.project.phase == "tender"
    assert bulk.project.name in bulk.text and "QQ" not in bulk.text
    assert service.docx_for(bulk).startswith(b"PK")
    # Each version keeps the ladder its values set, as save_version() writes it.
    for version in db.session.scalars(select(AgreementVersion)):
        assert version.ladder == Durations.ladder_of(version.content["values"]), version
        assert set(version.ladder) == {"internship_weeks_min", "internship_weeks_max",
                                       "wage_subsidy_months", "ordinary_months_min"}  # fmt: skip


def test_the_bulk_candidates_are_found_by_the_search(ctx):
    """The bulk insert bypasses the model's listener, so the seed writes the search text."""
    added, _ = seed(SCALE, echo=lambda *_: None)
    people = db.session.scalars(select(Candidate).order_by(Candidate.id.desc())).all()
    bulk = people[: added["candidates"]]
    for person in bulk:
        area = person.area.name if person.area else None
        fields = (person.trades, person.certificates, person.languages, person.driving_licence)
        expected = search_text(area, person.first_name, person.last_name, *fields)
        assert person.search_text == expected
    assert any(person.area for person in bulk) and any(person.trades for person in bulk)


def test_the_indexes_put_off_during_the_bulk_insert_are_all_made_again(ctx, monkeypatch):
    """The seeder drops the big tables' plain indexes (and on PostgreSQL their foreign keys)
    before the bulk insert and makes them after: at the end the database has every index and
    foreign key it had before, with the same definition."""
    from sqlalchemy import event, text

    import bench.seed_large as seed_large

    monkeypatch.setattr(seed_large, "BIG", 1)  # every table of the tiny scale counts as big
    if db.engine.dialect.name == "postgresql":
        # The indexes, and the foreign keys (dropped before COPY too), each with its definition.
        names = text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "UNION ALL SELECT conrelid::regclass::text || '.' || conname, "
            "pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f'"
        )
        expected_dropped = "DROP INDEX ix_candidates_search_trgm"
    else:
        names = text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        expected_dropped = "DROP INDEX ix_placements_project_start"
    before = set(db.session.execute(names).all())
    dropped = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("DROP INDEX") or " DROP CONSTRAINT " in statement:
            dropped.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        seed(SCALE, echo=lambda *_: None)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert expected_dropped in dropped
    assert len(dropped) > 10
    if db.engine.dialect.name == "postgresql":
        assert "ALTER TABLE placements DROP CONSTRAINT fk_placements_candidate_id_candidates" in (
            dropped
        )
    assert set(db.session.execute(names).all()) == before
