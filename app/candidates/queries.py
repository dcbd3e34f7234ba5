"""The candidate list's read: one statement for a page of a search, whatever it matches.

The matches are taken in name order and counted up to a cap (or to the end of the page asked
for, if further): the database walks the name index and stops there, so a search matching
thousands costs no more than one matching fifty. Past the cap the page says "more than N". Only
the page's rows then get their area, association and today's placement. This is the one list
that does not use `app.pagination.paginate`: its count is capped, in the same statement.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import (
    Date,
    Integer,
    String,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    table,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from app.candidates.models import Candidate
from app.clock import local_today
from app.enums import Rung
from app.extensions import SQLITE_SEARCH_TABLE, db
from app.models import HousingArea, Organisation
from app.pagination import Page, page_rows
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

    @property
    def skills(self) -> str:
        """Trades and certificates, as the list shows them ("" for none)."""
        return " · ".join(part for part in (self.trades, self.certificates) if part)


# A search term of at least 3 characters (a trigram) is first looked up in the candidates'
# trigram index: pg_trgm's on PostgreSQL, on SQLite the FTS5 table of migration 20261130_18.
# When it matches at most this many live candidates, only those are read and sorted by name;
# a term matching more is common enough that the walk in name order soon finds a page and the
# count cap. (The walk alone is slow for a term whose matches all sort late, "mette" among
# 200,000 people: it reads every name before them; the lookup alone is slow for a common term.)
TRIGRAM_LOOKUP_MAX = 4_000
# Before either, the walk in name order looks at the first PROBE_FACTOR × (bound + 1) live
# candidates: a common term ("sen") has its bound + 1 matches among them, and those are the
# first matches of all, so neither the trigram lookup nor the rest of the walk runs. Counting
# the lookup's hits up to TRIGRAM_LOOKUP_MAX + 1 cost more than the whole page for such a term.
PROBE_FACTOR = 4


def search(q: str, page: int, per_page: int, cap: int) -> Page:
    """Page `page` of the live candidates matching `q` (all of them without one)."""
    bound = max(cap, page * per_page)
    term = search_term(q)
    dialect = db.session.get_bind().dialect.name
    kind = "all" if not term else ("long" if len(term) >= 3 else "short")
    query, count = _search_statements(dialect, kind)
    values = {
        "pattern": like_pattern(term) if term else "",
        "phrase": '"' + term.replace('"', '""') + '"',  # an FTS5 string: the term as one phrase
        "bound_plus": bound + 1,
        "lookup_max": TRIGRAM_LOOKUP_MAX,
        "lookup_limit": TRIGRAM_LOOKUP_MAX + 1,
        "probe_rows": PROBE_FACTOR * (bound + 1),
        "probe_last": max(PROBE_FACTOR * (bound + 1) - 1, 0),
        "boundary_rows": 1 if PROBE_FACTOR else 0,
        "per_page": per_page,
        "offset": (page - 1) * per_page,
        "today": local_today(),
    }
    rows, total = page_rows(query, count, values, page)
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


@functools.lru_cache(maxsize=8)
def _search_statements(dialect: str, kind: str):
    """The search's page statement and its count, built once per process for each database
    and kind of term ("all": none, "short": 1 or 2 letters, "long": 3 or more, which may be
    looked up in the trigram index). Every value is a bind parameter (`search` fills them
    in): building this statement took five times as long as running it."""
    order = (Candidate.first_name, Candidate.last_name, Candidate.id)
    matching = select(*order).where(Candidate.anonymised_at.is_(None))
    pattern = bindparam("pattern", type_=String)
    if kind != "all":
        matching = matching.where(Candidate.search_text.like(pattern, escape="\\"))
    bound_plus = bindparam("bound_plus", type_=Integer)
    per_page = bindparam("per_page", type_=Integer)
    offset = bindparam("offset", type_=Integer)
    if kind == "long":
        bounded_by = _sqlite_bounded if dialect == "sqlite" else _postgresql_bounded
        bounded, first_page, probe = bounded_by(matching, bound_plus, per_page, offset)
        counted = (
            select(bounded.c.id, func.count().over().label("total"))
            .order_by(bounded.c.first_name, bounded.c.last_name, bounded.c.id)
            .limit(per_page)
            .offset(offset)
        )
        # A compound's arms with LIMIT must be subqueries on SQLite. The probe is stated
        # where both arms see it.
        arms = [select(*arm.subquery().c) for arm in (first_page, counted)]
        page_ids = union_all(*arms).add_cte(probe, nest_here=True).subquery("page_ids")
        total = select(func.count()).select_from(bounded)
    else:
        # No term, or one too short for the trigram index: the walk in name order. Its page
        # and its count (capped at `bound + 1`) are two walks of the name index, each stopping
        # at its LIMIT; keeping the first `bound + 1` matches to count and sort them again for
        # the page cost several times as much (bench/RESULTS.md). The count is a scalar
        # subquery, run once.
        capped = matching.with_only_columns(literal_column("1")).order_by(*order)
        total = select(func.count()).select_from(capped.limit(bound_plus).subquery("capped"))
        page_ids = (
            select(Candidate.id, total.scalar_subquery().label("total"))
            .where(matching.whereclause)
            .order_by(*order)
            .limit(per_page)
            .offset(offset)
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
    query = _with_active_placement(query, bindparam("today", type_=Date))
    query = query.add_columns(page_ids.c.total).execution_options(plan_for_values=True)
    count = total.execution_options(plan_for_values=True)
    return query, count


def _with_active_placement(query, today):
    """Add the rung and company of the candidate's placement running `today` (the latest
    started, if several overlap), or None and None."""
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


def _sqlite_bounded(matching, bound_plus, per_page, offset):
    """The search of a term of 3 letters or more on SQLite: `bounded`, the first `bound + 1`
    matches in name order when the probe did not find them, and the page of a term the probe
    found enough of, with `bound + 1` as its total.

    The probe counts the matches among the first PROBE_FACTOR × (bound + 1) live candidates
    in name order, up to `bound + 1`: it walks the name index up to the last of those names
    (`boundary`) and stops there or at `bound + 1` matches. It reads no row of the table and
    keeps none: it only counts. When it counts `bound + 1`, the term is common; the page is
    then the walk in name order to the page and no further, and there are more matches than
    the cap. Else the term is looked up in the trigram index when it is rare (at most
    TRIGRAM_LOOKUP_MAX matches: those rows are read by id and sorted) and walked in name order
    otherwise (to `bound + 1`). One statement: every arm is there, and those not taken have
    LIMIT 0, which SQLite does not start (nor does it count the trigram hits when the probe
    was enough: a CASE evaluates its conditions in order).

    The probe's count is a one-row CTE (`probe`, for the caller to put where both the page and
    `bounded` see it), referred to three times, so SQLite materialises it and probes once. (The
    probe before kept the first `bound + 1` matches themselves and sorted them again for the
    page: about three times the cost of counting them, bench/RESULTS.md.)"""
    order = (Candidate.first_name, Candidate.last_name, Candidate.id)
    live = Candidate.anonymised_at.is_(None)
    # 1 with a probe, 0 without (PROBE_FACTOR 0): no boundary, no match counted.
    boundary_rows = bindparam("boundary_rows", type_=Integer)
    nth = (
        select(literal_column("1").label("pick"), *order)
        .where(live)
        .order_by(*order)
        .limit(boundary_rows)
        .offset(bindparam("probe_last", type_=Integer))
        .subquery("nth")
    )
    last = (
        select(literal_column("2").label("pick"), *order)
        .where(live)
        .order_by(*(column.desc() for column in order))
        .limit(boundary_rows)
        .subquery("last")
    )
    # The probe's last name: the PROBE_FACTOR × (bound + 1)-th, or the very last if fewer.
    either = union_all(select(*nth.c), select(*last.c)).order_by("pick").limit(1).subquery()
    boundary = select(either.c.first_name, either.c.last_name, either.c.id).scalar_subquery()
    in_probe = (
        select(literal_column("1"))
        .select_from(Candidate)
        .where(matching.whereclause)
        .where(tuple_(*order) <= boundary)
        .limit(bound_plus)
        .subquery("in_probe")
    )
    probe = (
        select((func.count() >= bound_plus).label("enough"))
        .select_from(in_probe)
        .cte("probe")
        .prefix_with("MATERIALIZED")
    )
    enough = select(probe.c.enough).scalar_subquery()
    phrase = bindparam("phrase", type_=String)  # the term as one FTS5 phrase (`search`)
    hits = (
        select(literal_column("rowid").label("id"))
        .select_from(table(SQLITE_SEARCH_TABLE))
        .where(literal_column(SQLITE_SEARCH_TABLE).op("MATCH")(phrase))
        .limit(bindparam("lookup_limit", type_=Integer))
        .cte("trigram_hits", nesting=True)
    )
    lookup_max = bindparam("lookup_max", type_=Integer)  # TRIGRAM_LOOKUP_MAX (`search`)
    rare = select(func.count()).select_from(hits).scalar_subquery() <= lookup_max
    looked_up = (
        matching.where(Candidate.id.in_(select(hits.c.id)))
        .order_by(*order)
        .limit(case((enough, 0), (rare, bound_plus), else_=0))
        .subquery("looked_up")
    )
    walked = (
        matching.order_by(*order)
        .limit(case((enough, 0), (rare, 0), else_=bound_plus))
        .subquery("walked")
    )
    # The hits are read once, where `bounded` begins, for the count and for the lookup.
    arms = union_all(select(*looked_up.c), select(*walked.c)).add_cte(hits, nest_here=True)
    bounded = arms.cte("bounded", nesting=True)
    first_page = (
        select(Candidate.id, bound_plus.label("total"))
        .where(matching.whereclause)
        .order_by(*order)
        .limit(case((enough, per_page), else_=0))
        .offset(offset)
    )
    return bounded, first_page, probe


def _postgresql_bounded(matching, bound_plus, per_page, offset):
    """As `_sqlite_bounded`, on PostgreSQL. The probe takes the first PROBE_FACTOR × (bound +
    1) live candidates in name order and counts their matches up to `bound + 1` (the name
    index holds no search text, so each is read from the table either way; a boundary name
    first, as on SQLite, cost more than this). When the probe is not enough: the first
    TRIGRAM_LOOKUP_MAX + 1 matches in any order (the planner takes the trigram index for a
    rare term, and for a common one a scan that soon has them all), with their names; when
    there are no more than the maximum, they are the matches, sorted here; else the whole walk
    in name order. The arms not taken are behind one-time filters (their conditions are
    InitPlans, evaluated only when reached), so PostgreSQL never starts them."""
    order = (Candidate.first_name, Candidate.last_name, Candidate.id)
    prefix = (
        select(Candidate.search_text)
        .where(Candidate.anonymised_at.is_(None))
        .order_by(*order)
        .limit(bindparam("probe_rows", type_=Integer))
        .subquery("prefix")
    )
    in_probe = (
        select(literal_column("1"))
        .select_from(prefix)
        .where(prefix.c.search_text.like(bindparam("pattern", type_=String), escape="\\"))
        .limit(bound_plus)
        .subquery("in_probe")
    )
    probe = (
        select((func.count() >= bound_plus).label("enough"))
        .select_from(in_probe)
        .cte("probe")
        .prefix_with("MATERIALIZED")
    )
    enough = select(probe.c.enough).scalar_subquery()
    hits = (
        matching.limit(bindparam("lookup_limit", type_=Integer))
        .cte("trigram_hits", nesting=True)
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    lookup_max = bindparam("lookup_max", type_=Integer)  # TRIGRAM_LOOKUP_MAX (`search`)
    rare = select(func.count()).select_from(hits).scalar_subquery() <= lookup_max
    looked_up = (
        select(*hits.c)
        .where(~enough & rare)
        .order_by(hits.c.first_name, hits.c.last_name, hits.c.id)
        .limit(bound_plus)
        .subquery("looked_up")
    )
    walked = matching.where(~enough & ~rare).order_by(*order).limit(bound_plus).subquery("walked")
    arms = union_all(select(*looked_up.c), select(*walked.c)).add_cte(hits, nest_here=True)
    bounded = arms.cte("bounded", nesting=True).prefix_with("MATERIALIZED", dialect="postgresql")
    first_page = (
        select(Candidate.id, bound_plus.label("total"))
        .where(matching.whereclause, enough)
        .order_by(*order)
        .limit(per_page)
        .offset(offset)
    )
    return bounded, first_page, probe
