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
        page_ids, total = _long_term(dialect, matching, bound_plus, per_page, offset)
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


def _long_term(dialect: str, matching, bound_plus, per_page, offset):
    """The page and the count of a term of 3 letters or more, which the trigram index can
    find. Of four ways, one is taken (`way`, decided once, in a one-row CTE):

    - "page", the walk in name order to the end of the page, with `bound + 1` as the total
      (more than the cap). Taken when the probe counts `bound + 1` matches among the first
      PROBE_FACTOR × (bound + 1) live candidates in name order (a common term, "sen"), and
      when the trigram index has more than TRIGRAM_LOOKUP_MAX hits and so at least `bound +
      1` (a term spread over the names, "hansen" at national scale: the walk to 50 matches
      reads a tenth of the names the walk to 501 did). The trigram index's hits are the
      matches: on PostgreSQL they are the LIKE itself, on SQLite the FTS5 table's phrase
      match, which the triggers keep equal to the live search text (tests).
    - "lookup_page" and "lookup", the trigram index's hits (at most TRIGRAM_LOOKUP_MAX) read
      and sorted by name: a rare term, "mette", whose matches may all sort late. With at least
      `bound + 1` hits ("mette" at national scale), only the page is taken from them, with
      `bound + 1` as the total; with fewer, the page and the exact count.
    - "walk", the walk in name order to `bound + 1` matches: more hits than TRIGRAM_LOOKUP_MAX
      but a page beyond them (`bound` above TRIGRAM_LOOKUP_MAX).

    "lookup" and "walk" are counted with a window over their first `bound + 1` matches. One
    statement: every arm is there, and those not taken never start (SQLite: LIMIT 0, and a
    CASE evaluates its conditions in order, so the trigram hits are not counted when the
    probe is enough; PostgreSQL: one-time filters, whose InitPlans run only when reached).

    The probe only counts: on SQLite it walks the name index (which holds the search text)
    up to the last of those first names, found first; on PostgreSQL it reads them in name
    order from the table (its name index holds no search text; the boundary name first cost
    more there). The probe before kept its matches and sorted them again for the page: about
    three times the cost of counting them (bench/RESULTS.md)."""
    order = (Candidate.first_name, Candidate.last_name, Candidate.id)
    sqlite = dialect == "sqlite"
    lookup_max = bindparam("lookup_max", type_=Integer)  # TRIGRAM_LOOKUP_MAX (`search`)
    lookup_limit = bindparam("lookup_limit", type_=Integer)  # TRIGRAM_LOOKUP_MAX + 1
    in_probe = (_sqlite_probe if sqlite else _postgresql_probe)(matching, bound_plus)
    enough = select(func.count() >= bound_plus).select_from(in_probe).scalar_subquery()
    if sqlite:
        phrase = bindparam("phrase", type_=String)  # the term as one FTS5 phrase (`search`)
        hits = (
            select(literal_column("rowid").label("id"))
            .select_from(table(SQLITE_SEARCH_TABLE))
            .where(literal_column(SQLITE_SEARCH_TABLE).op("MATCH")(phrase))
            .limit(lookup_limit)
            .cte("trigram_hits")
        )
    else:
        hits = matching.limit(lookup_limit).cte("trigram_hits").prefix_with("MATERIALIZED")
    # Counted once, and only when the probe was not enough (a CASE evaluates in order).
    hit_count = select(func.count().label("n")).select_from(hits).subquery("hit_count")
    by_hits = select(
        case(
            (hit_count.c.n > lookup_max, case((lookup_limit >= bound_plus, "page"), else_="walk")),
            (hit_count.c.n >= bound_plus, "lookup_page"),
            else_="lookup",
        )
    ).scalar_subquery()
    decided = select(case((enough, "page"), else_=by_hits).label("way")).cte("way")
    way = select(decided.c.way).scalar_subquery()

    def taken(arm, name: str, limit):
        """`arm` limited to `limit` rows when `way` is `name`, else not started."""
        if sqlite:
            return arm.limit(case((way == name, limit), else_=0))
        return arm.where(way == name).limit(limit)

    def looked_up(*columns):
        """The trigram index's hits in name order, with `columns` (SQLite: each hit's row
        read by id and checked again; PostgreSQL: the hits are the matches, with names)."""
        if sqlite:
            return (
                select(*columns)
                .where(matching.whereclause, Candidate.id.in_(select(hits.c.id)))
                .order_by(*order)
            )
        columns = [hits.c[column.key] if column.key in hits.c else column for column in columns]
        return select(*columns).order_by(hits.c.first_name, hits.c.last_name, hits.c.id)

    total = bound_plus.label("total")  # more than the bound
    walked_to_page = taken(
        select(Candidate.id, total).where(matching.whereclause).order_by(*order),
        "page",
        per_page,
    ).offset(offset)
    looked_up_to_page = taken(looked_up(Candidate.id, total), "lookup_page", per_page).offset(
        offset
    )
    bounded = union_all(
        select(*taken(looked_up(*order), "lookup", bound_plus).subquery("looked_up").c),
        select(*taken(matching.order_by(*order), "walk", bound_plus).subquery("walked").c),
    ).cte("bounded", nesting=True)
    if not sqlite:
        bounded = bounded.prefix_with("MATERIALIZED")
    counted = (
        select(bounded.c.id, func.count().over().label("total"))
        .order_by(bounded.c.first_name, bounded.c.last_name, bounded.c.id)
        .limit(per_page)
        .offset(offset)
    )
    # A compound's arms with LIMIT must be subqueries on SQLite. `way` and the hits are stated
    # where every arm sees them.
    arms = [select(*arm.subquery().c) for arm in (walked_to_page, looked_up_to_page, counted)]
    page_ids = union_all(*arms).add_cte(decided, hits, nest_here=True).subquery("page_ids")
    return page_ids, select(func.count()).select_from(bounded)


def _sqlite_probe(matching, bound_plus):
    """The probe on SQLite: the matches among the first PROBE_FACTOR × (bound + 1) live
    candidates in name order, up to `bound + 1` of them. It walks the name index up to the
    last of those names (`boundary`) and stops there or at `bound + 1` matches, reading no
    row of the table and keeping none."""
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
    return (
        select(literal_column("1"))
        .select_from(Candidate)
        .where(matching.whereclause)
        .where(tuple_(*order) <= boundary)
        .limit(bound_plus)
        .subquery("in_probe")
    )


def _postgresql_probe(matching, bound_plus):
    """The probe on PostgreSQL: the first PROBE_FACTOR × (bound + 1) live candidates in name
    order, read from the table, and their matches counted up to `bound + 1`."""
    order = (Candidate.first_name, Candidate.last_name, Candidate.id)
    prefix = (
        select(Candidate.search_text)
        .where(Candidate.anonymised_at.is_(None))
        .order_by(*order)
        .limit(bindparam("probe_rows", type_=Integer))
        .subquery("prefix")
    )
    return (
        select(literal_column("1"))
        .select_from(prefix)
        .where(prefix.c.search_text.like(bindparam("pattern", type_=String), escape="\\"))
        .limit(bound_plus)
        .subquery("in_probe")
    )
