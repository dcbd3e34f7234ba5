"""Writes of candidates that keep their `search_text` (what the candidate search looks in).

`search_text` is derived from the candidate's name, housing area and skills (see
`app.candidates.models.search_text`). Nothing keeps it by itself: every path that sets those
fields calls `save()` before it commits (the candidate forms, the demo, the test factories) or
adds them with `insert_many()` (the import), a housing area is renamed with `rename_area()`,
and the GDPR erasure empties it in its own bulk UPDATE (app/gdpr/service.py).
`bench/seed_large.py` computes it for its bulk rows.
"""

from __future__ import annotations

from sqlalchemy import func, insert, inspect, literal, select, update

from app.bulk import insert_rows, next_ids
from app.candidates.models import SEARCH_SEPARATOR, Candidate, search_text
from app.extensions import db
from app.models import HousingArea
from app.search import search_term


def save(candidate: Candidate) -> Candidate:
    """Make the candidate's search text match its fields. Call it after setting them and
    before the flush or commit; it adds a new candidate to the session."""
    if inspect(candidate).transient:
        db.session.add(candidate)
    if candidate.anonymised_at is not None:
        candidate.search_text = ""
        return candidate
    candidate.search_text = search_text(
        _area_name(candidate),
        candidate.first_name,
        candidate.last_name,
        candidate.trades,
        candidate.certificates,
        candidate.languages,
        candidate.driving_licence,
    )
    return candidate


IDENTITY = ("first_name", "last_name", "phone", "email")


def insert_many(rows: list[dict]) -> list[int]:
    """Add new candidates given as column values, each with its search text, in multi-row
    INSERTs (the import: thousands of people without the ORM's per-object work). Returns their
    ids in the order of `rows`, which must differ in name, phone or email (the import's people
    do). The housing areas' names are read in one query."""
    if not rows:
        return []
    keys = [tuple(row.get(column, "") for column in IDENTITY) for row in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("two new candidates with the same name, phone and email")
    area_ids = {row["area_id"] for row in rows if row.get("area_id") is not None}
    names = {}
    if area_ids:
        found = select(HousingArea.id, HousingArea.name).where(HousingArea.id.in_(area_ids))
        names = {area_id: name for area_id, name in db.session.execute(found)}
    for row in rows:
        row["search_text"] = search_text(
            names.get(row.get("area_id")),
            row.get("first_name"),
            row.get("last_name"),
            row.get("trades", ""),
            row.get("certificates", ""),
            row.get("languages", ""),
            row.get("driving_licence", ""),
        )
    table, connection = Candidate.__table__, db.session.connection()
    if (ids := next_ids(connection, table, len(rows))) is not None:  # PostgreSQL: COPY
        for row, candidate_id in zip(rows, ids, strict=True):
            row["id"] = candidate_id
        insert_rows(connection, table, rows)
        return ids
    # RETURNING in any order (asking for the rows' order makes SQLite insert one at a time):
    # each id is matched to its row by the columns that tell the rows apart.
    statement = insert(table).returning(table.c.id, *(table.c[c] for c in IDENTITY))
    ids = {tuple(found[1:]): found[0] for found in db.session.execute(statement, rows)}
    return [ids[key] for key in keys]


def _area_name(candidate: Candidate) -> str | None:
    """The name of the candidate's housing area, set as an object or as an id; no query when
    the area is in the session."""
    set_as_object = inspect(candidate).attrs.area.history.added
    if set_as_object:  # `candidate.area = ...`: area_id is synced only by the flush
        area = set_as_object[0]
    elif candidate.area_id is None:
        return None
    else:
        with db.session.no_autoflush:
            area = db.session.get(HousingArea, candidate.area_id)
    return area.name if area is not None else None


def rename_area(area: HousingArea, name: str) -> None:
    """Rename a housing area, and rewrite the area part of its candidates' search text in one
    UPDATE (the part before the first separator). Their `updated_at` is kept: the people
    themselves were not edited."""
    area.name = name
    db.session.flush()
    connection = db.session.connection()
    table = Candidate.__table__
    find = {"sqlite": func.instr, "postgresql": func.strpos}[connection.dialect.name]
    rest = func.substr(table.c.search_text, find(table.c.search_text, SEARCH_SEPARATOR))
    connection.execute(
        update(table)
        .where(table.c.area_id == area.id, table.c.anonymised_at.is_(None))
        .values(search_text=literal(search_term(name)) + rest, updated_at=table.c.updated_at)
    )
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Candidate) and vars(obj).get("area_id") == area.id:
            db.session.expire(obj, ["search_text"])
