"""Writes of candidates that keep their `search_text` (what the candidate search looks in).

`search_text` is derived from the candidate's name, housing area and skills (see
`app.candidates.models.search_text`). Nothing keeps it by itself: every path that sets those
fields calls `save()` before it commits (the candidate forms, the import, the demo, the test
factories), a housing area is renamed with `rename_area()`, and the GDPR erasure empties it in
its own bulk UPDATE (app/gdpr/service.py). `bench/seed_large.py` computes it for its bulk rows.
"""

from __future__ import annotations

from sqlalchemy import func, inspect, literal, update

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
