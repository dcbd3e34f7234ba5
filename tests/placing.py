"""Matching through the placement form, for the placement tests (tests/test_placements.py,
tests/test_placement_warnings.py)."""

from __future__ import annotations

from datetime import date

from app.candidates.models import Conversation
from app.extensions import db


def talk(person, kind="pre_match", day=date(2026, 3, 1)) -> None:
    """A conversation with `person` (a pre-match one by default: the match rule asks for one)."""
    db.session.add(Conversation(candidate_id=person.id, held_on=day, kind=kind))
    db.session.commit()


def place(client, site: dict, **changes):
    """Post the new-placement form: the site's person on a wage subsidy at its main contractor
    from 16 March 2026, with `changes`."""
    data = {
        "candidate_id": site["person"].id,
        "project_id": site["project"].id,
        "company_id": site["main"].id,
        "rung": "wage_subsidy",
        "start_date": "2026-03-16",
        "planned_end": "",
    }
    data.update(changes)
    return client.post("/placements/new", data=data)
