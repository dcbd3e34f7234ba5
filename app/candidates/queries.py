"""The candidate list's read: one statement for a page of a search, whatever it matches.

The matches are taken in name order and counted up to a cap (or to the end of the page asked
for, if further): the database walks the name index and stops there, so a search matching
thousands costs no more than one matching fifty. Past the cap the page says "more than N". Only
the page's rows then get their area, association and today's placement. This is the one list
that does not use `app.pagination.paginate`: its count is capped, in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, literal_column, or_, select, table, union_all
from sqlalchemy.orm import aliased

from app.candidates.models import Candidate
from app.clock import local_today
from app.enums import Rung
from app.extensions import SQLITE_SEARCH_TABLE, db
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


# A search term of at least 3 characters (a trigram) is first looked up in the candidates'
# trigram index: pg_trgm's on PostgreSQL, on SQLite the FTS5 table of migration 20261130_18.
# When it matches at most this many live candidates, only those are read and sorted by name;
# a term matching more is common enough that the walk in name order soon finds a page and the
# count cap. (The walk alone is slow for a term whose matches all sort late, "mette" among
# 200,000 people: it reads every name before them; the lookup alone is slow for a common term.)
TRIGRAM_LOOKUP_MAX = 4_000


def search(q: str, page: int, per_page: int, cap: int) -> Page:
    """Page `page` of the live candidates matching `q` (all of them without one)."""
    bound = max(cap, page * per_page)
    order = (Candidate.first_name, Candidate.last_name, Candidate.id)
    matching = select(*order).where(Candidate.anonymised_at.is_(None))
    term = search_term(q)
    if term:
        matching = matching.where(Candidate.search_text.like(like_pattern(term), escape="\\"))
    dialect = db.session.get_bind().dialect.name
    if len(term) >= 3 and dialect == "sqlite":
        bounded = _sqlite_bounded(matching, term, bound)
    elif len(term) >= 3 and dialect == "postgresql":
        bounded = _postgresql_bounded(matching, bound)
    else:
        # Materialised on PostgreSQL: planned alone for all its rows, not for the page's
        # LIMIT above a count it takes to stream. Nested, so the statement still begins with
        # SELECT.
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


def _sqlite_bounded(matching, term: str, bound: int):
    """The first `bound + 1` matches in name order, on SQLite, from the trigram index when the
    term is rare (at most TRIGRAM_LOOKUP_MAX matches: those rows are read by id and sorted)
    and by the walk in name order otherwise (it stops at `bound + 1`). One statement: both
    arms are there, and the one not taken has LIMIT 0, which SQLite does not start."""
    phrase = '"' + term.replace('"', '""') + '"'  # an FTS5 string: the term as one phrase
    hits = (
        select(literal_column("rowid").label("id"))
        .select_from(table(SQLITE_SEARCH_TABLE))
        .where(literal_column(SQLITE_SEARCH_TABLE).op("MATCH")(phrase))
        .limit(TRIGRAM_LOOKUP_MAX + 1)
        .cte("trigram_hits", nesting=True)
    )
    rare = select(func.count()).select_from(hits).scalar_subquery() <= TRIGRAM_LOOKUP_MAX
    order = (Candidate.first_name, Candidate.last_name, Candidate.id)
    looked_up = (
        matching.where(Candidate.id.in_(select(hits.c.id)))
        .order_by(*order)
        .limit(case((rare, bound + 1), else_=0))
        .subquery("looked_up")
    )
    walked = matching.order_by(*order).limit(case((rare, 0), else_=bound + 1)).subquery("walked")
    # The hits are read once, where `bounded` begins, for the count and for the lookup.
    arms = union_all(select(*looked_up.c), select(*walked.c)).add_cte(hits, nest_here=True)
    return arms.cte("bounded", nesting=True)


def _postgresql_bounded(matching, bound: int):
    """As `_sqlite_bounded`, on PostgreSQL: the first TRIGRAM_LOOKUP_MAX + 1 matches in any
    order (the planner takes the trigram index for a rare term, and for a common one a scan
    that soon has them all), with their names; when there are no more than the maximum, they
    are the matches, sorted here; else the walk in name order. The arm not taken is behind a
    one-time filter (its condition is an InitPlan), so PostgreSQL never starts it."""
    order = (Candidate.first_name, Candidate.last_name, Candidate.id)
    hits = (
        matching.limit(TRIGRAM_LOOKUP_MAX + 1)
        .cte("trigram_hits", nesting=True)
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    rare = select(func.count()).select_from(hits).scalar_subquery() <= TRIGRAM_LOOKUP_MAX
    looked_up = (
        select(*hits.c)
        .where(rare)
        .order_by(hits.c.first_name, hits.c.last_name, hits.c.id)
        .limit(bound + 1)
        .subquery("looked_up")
    )
    walked = matching.where(~rare).order_by(*order).limit(bound + 1).subquery("walked")
    arms = union_all(select(*looked_up.c), select(*walked.c)).add_cte(hits, nest_here=True)
    return arms.cte("bounded", nesting=True).prefix_with("MATERIALIZED", dialect="postgresql")
