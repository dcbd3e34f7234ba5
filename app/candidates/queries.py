"""The candidate list's read: one statement for a page of a search, whatever it matches.

The matches are taken in name order and counted up to a cap (or to the end of the page asked
for, if further): the database walks the name index and stops there, so a search matching
thousands costs no more than one matching fifty. Past the cap the page says "more than N". Only
the page's rows then get their area, association and today's placement. This is the one list
that does not use `app.pagination.paginate`: its count is capped, in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app.candidates.models import Candidate
from app.clock import local_today
from app.enums import Rung
from app.extensions import db
from app.models import HousingArea, Organisation
from app.pagination import Page
from app.placements.models import Placement
from app.search import like_pattern, search_term


@dataclass(frozen=True, slots=True)
class Found:
    """A row of the candidate list: plain values, no ORM objects to build and expire."""

    id: int
    first_name: str
    last_name: str
    trades: str
    certificates: str
    eligible: bool
    housing: str | None  # the housing area, else the association
    rung: Rung | None  # of the placement running today
    company: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def search(q: str, page: int, per_page: int, cap: int) -> Page:
    """Page `page` of the live candidates matching `q` (all of them without one)."""
    bound = max(cap, page * per_page)
    order = (Candidate.first_name, Candidate.last_name, Candidate.id)
    matching = select(*order).where(Candidate.anonymised_at.is_(None))
    if term := search_term(q):
        matching = matching.where(Candidate.search_text.like(like_pattern(term), escape="\\"))
    # Materialised on PostgreSQL: planned alone for all its rows, so the planner picks the
    # walk or the trigram index for the whole bounded set, not for the page's LIMIT above a
    # count it takes to stream. Nested, so the statement still begins with SELECT.
    bounded = (
        matching.order_by(*order)
        .limit(bound + 1)
        .cte("bounded", nesting=True)
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    page_ids = (
        select(bounded.c.id, func.count().over().label("total"))
        .order_by(bounded.c.first_name, bounded.c.last_name, bounded.c.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page_ids")
    )
    association = aliased(Organisation)
    query = (
        select(
            Candidate.id,
            Candidate.first_name,
            Candidate.last_name,
            Candidate.trades,
            Candidate.certificates,
            Candidate.association_id,
            func.coalesce(HousingArea.name, association.name).label("housing"),
        )
        .join(page_ids, page_ids.c.id == Candidate.id)
        .outerjoin(HousingArea, HousingArea.id == Candidate.area_id)
        .outerjoin(association, association.id == Candidate.association_id)
        .order_by(*order)
    )
    query = _with_active_placement(query).add_columns(page_ids.c.total)
    rows = db.session.execute(query.execution_options(plan_for_values=True)).all()
    if rows:
        total = rows[0].total
    elif page == 1:
        total = 0
    else:  # past the last page: no row carries the total, so count once
        count = select(func.count()).select_from(bounded)
        total = db.session.scalar(count.execution_options(plan_for_values=True))
    return Page(
        items=[
            Found(
                id=row.id,
                first_name=row.first_name,
                last_name=row.last_name,
                trades=row.trades,
                certificates=row.certificates,
                eligible=row.association_id is not None,
                housing=row.housing,
                rung=Rung(row.rung) if row.rung else None,
                company=row.company,
            )
            for row in rows
        ],
        page=page,
        per_page=per_page,
        total=min(total, bound),
        more=total > bound,
    )


def _with_active_placement(query):
    """Add the rung and company of the candidate's placement running today (the latest
    started, if several overlap), or None and None."""
    today = local_today()
    running = aliased(Placement)
    active_id = (
        select(running.id)
        .where(
            running.candidate_id == Candidate.id,
            running.start_date <= today,
            or_(running.actual_end.is_(None), running.actual_end >= today),
        )
        .order_by(running.start_date.desc(), running.id.desc())
        .limit(1)
        .correlate(Candidate)
        .scalar_subquery()
    )
    company = aliased(Organisation)
    return (
        query.outerjoin_from(Candidate, Placement, Placement.id == active_id)
        .outerjoin_from(Placement, company, company.id == Placement.company_id)
        .add_columns(Placement.rung, company.name.label("company"))
    )
