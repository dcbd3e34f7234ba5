""" "Venter på dig": what waits for a user, per role, in a fixed number of statements.

Each kind of item is one SELECT over the tables it comes from, scoped to what the reader may
see, with the same columns (`COLUMNS`): the project, a reference to the object, a day or a
moment, and a short text. From those selects come

- `inbox()`: the start page's list, one statement: a UNION ALL of every kind's first
  `limit` rows, each row carrying its kind's total (a window count), so a kind's count and
  its first items arrive together;
- `total()`: the navigation's count, one statement: every kind's rows together, up to COUNT_CAP.

Neither grows with the data: the number of statements is fixed by the role's kinds.

Who sees what (the scope is in each select, never filtered afterwards):
- a client user: the versions of their association's agreements that wait for approval, the
  meetings of its projects in the next `WINDOW_DAYS` days, and new reports (final minutes and
  updated progress-report comments of the last `WINDOW_DAYS` days);
- a contractor user: answers to the kickoff questions they asked (answered in the last
  `WINDOW_DAYS` days), their company's meetings in the next `WINDOW_DAYS` days, open action
  items whose owner is their name or their company's, their company's openings still open, and
  their company's placements whose planned end is within `WINDOW_DAYS` days (initials only);
- staff (coordinators and admins): unanswered contractor questions, unmatched openings,
  placements due a retention conversation (names: staff only), overdue action items and
  versions waiting for approval, across the portfolio.

A client user also sees answers to their clause comments: answers someone else wrote in the
last `WINDOW_DAYS` days to a comment thread they started on their association's agreement.

Extension point: a new kind is a function `(reader) -> KindQuery` with `COLUMNS`, its values
as bind parameters (`_p`, filled in by `_values`), added to its role's tuple of kinds. Only
the reader's role may shape the statement: the statements are built once per role.

No Flask here: the functions take a SQLAlchemy session and a `Reader`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import operators

from app.agreements.models import AgreementVersion, ClauseComment
from app.candidates.models import Candidate, initials_of
from app.enums import STAFF_ROLES, OpeningStatus, Role
from app.extensions import constant, day_param
from app.meetings.models import ActionItem, KickoffQuestion, Meeting
from app.models import Organisation, Project, ProjectCompany, User
from app.openings.models import Opening
from app.placements.models import Placement
from app.reads import column_result, column_rows
from app.reports.models import ReportNarrative
from app.search import fold

WINDOW_DAYS = 14  # how far ahead (meetings, planned ends) and back (answers, reports) we look
DEFAULT_RETENTION_WEEKS = 4
LIMIT = 5  # items shown per kind on the start page; the count says how many there are
# A kind is counted up to this many items, never further: the count stays cheap whatever the
# data size (the database stops at the cap), and more than 99 shows as "99+".
COUNT_CAP = 100
TEXT_CHARS = 120
# The SQL comment on the navigation's count statement, so that logs and tests can tell it apart.
BADGE_TAG = "inbox count"  # of a question or an action item, enough to recognise it

# Every kind's select has these columns, in this order.
COLUMNS = ("sub", "project_id", "project", "ref", "ref2", "day", "moment", "text", "detail")


@dataclass(frozen=True)
class Reader:
    """Whose inbox: the user's id, role, organisation and name (for action items' owner)."""

    user_id: int
    role: str
    organisation_id: int | None
    name: str

    @classmethod
    def of(cls, user) -> Reader:
        return cls(user.id, str(user.role), user.organisation_id, user.name or "")

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def shape(self) -> str:
        """What decides the statements: the kinds and scope of the role ("" for nothing)."""
        if self.is_staff:
            return "staff"
        if self.role in (Role.CLIENT, Role.CONTRACTOR) and self.organisation_id:
            return str(self.role)
        return ""


@dataclass(frozen=True)
class Item:
    kind: str
    sub: str | None
    project_id: int
    project: str
    ref: int | None
    ref2: int | None
    day: date | None
    moment: datetime | None
    text: str
    detail: str


@dataclass(frozen=True)
class Kind:
    name: str
    count: int
    items: tuple[Item, ...]

    @property
    def more(self) -> int:
        return self.count - len(self.items)

    @property
    def capped(self) -> bool:
        """True when the count stopped at COUNT_CAP: there are at least that many."""
        return self.count >= COUNT_CAP


@dataclass(frozen=True)
class Inbox:
    kinds: tuple[Kind, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        """Everything waiting, all kinds together, up to COUNT_CAP (as `total()` counts it:
        from there it shows as "99+")."""
        return min(sum(kind.count for kind in self.kinds), COUNT_CAP)

    def kind(self, name: str) -> Kind | None:
        return next((k for k in self.kinds if k.name == name), None)


# --- the values a statement is run with --------------------------------------------------------
# The statements are built once per role (`_statements`) with these bind parameters, and each
# request only passes the values (`_values`): building and compiling them is most of the cost
# of a small statement, and the navigation's count is on every page.


# The values that are the same all day: written into the statement's text (`day_param`).
DAY_VALUES = frozenset({"today", "ending_by", "waited_since"})


def _p(name: str):
    """A bind parameter, typed by the column it is compared with; a day's value as a literal."""
    return day_param(name) if name in DAY_VALUES else bindparam(name)


def _values(reader: Reader, today: date, now: datetime, retention_weeks: int) -> dict:
    return {
        "user_id": reader.user_id,
        "org_id": reader.organisation_id,
        "owner_name": " ".join(reader.name.split()).lower(),
        "today": today,
        "now": now,
        "ahead": now + timedelta(days=WINDOW_DAYS),  # meetings until
        "since": now - timedelta(days=WINDOW_DAYS),  # answers and reports from
        "ending_by": today + timedelta(days=WINDOW_DAYS),  # planned ends until
        "waited_since": today - timedelta(weeks=retention_weeks),  # retention due before
    }


# --- typed blanks, so that every arm of the UNION ALL has the same column types ----------------


def _int() -> object:
    return cast(null(), Integer)


def _day() -> object:
    return cast(null(), Date)


def _moment() -> object:
    return cast(null(), DateTime(timezone=True))


def _text(value=None) -> object:
    return cast(null(), Text) if value is None else cast(value, Text)


def _sub(value: str | None) -> object:
    return cast(null(), String) if value is None else cast(literal(value), String)


def _row(sub, project_id, project, ref, ref2, day, moment, text, detail) -> tuple:
    return (
        sub.label("sub"),
        project_id.label("project_id"),
        project.label("project"),
        ref.label("ref"),
        ref2.label("ref2"),
        day.label("day"),
        moment.label("moment"),
        text.label("text"),
        detail.label("detail"),
    )


# --- scopes -------------------------------------------------------------------------------------


def _company_projects():
    return select(ProjectCompany.project_id).where(ProjectCompany.company_id == _p("org_id"))


def _in_scope(reader: Reader):
    """The projects clause of a reader: staff see every project, a client user their
    association's, a contractor user their company's; anyone else none."""
    if reader.is_staff:
        return true()
    if reader.role == Role.CLIENT:
        return Project.client_id == _p("org_id")
    if reader.role == Role.CONTRACTOR:
        return Project.id.in_(_company_projects())
    return false()


# --- the kinds: each a select with COLUMNS, and its order ---------------------------------------


@dataclass(frozen=True)
class KindQuery:
    query: Select
    order: tuple
    # What is counted, when a cheaper select has the same rows as `query` (default: `query`).
    counted: Select | None = None


def approvals(reader: Reader) -> KindQuery:
    """Versions waiting for approval: a project's latest version, not approved, which
    `Project.pending_version` names, in the order they were saved (`pending_since`): walked
    from a small partial index over the projects, whatever the portfolio, and only the
    versions shown are read (on SQLite a version's note and saving day sit after the
    kilobytes of its document)."""
    waiting = (Project.pending_version.is_not(None), _in_scope(reader))
    query = (
        select(
            *_row(
                _sub(None),
                Project.id,
                Project.name,
                Project.pending_version,
                _int(),
                _day(),
                Project.pending_since,
                _text(AgreementVersion.note),
                _text(),
            )
        )
        .select_from(Project)
        .join(
            AgreementVersion,
            (AgreementVersion.project_id == Project.id)
            & (AgreementVersion.number == Project.pending_version),
        )
        .where(*waiting)
    )
    # Every waiting project has its version (the columns are kept from it): counted alone.
    counted = select(Project.id).where(*waiting)
    return KindQuery(query, (Project.pending_since, Project.id), counted=counted)


def meetings(reader: Reader) -> KindQuery:
    """Meetings in the next WINDOW_DAYS days, not cancelled."""
    query = (
        select(
            *_row(
                cast(Meeting.kind, String),
                Project.id,
                Project.name,
                Meeting.id,
                _int(),
                _day(),
                Meeting.starts_at,
                _text(Meeting.place),
                _text(),
            )
        )
        .join(Project, Project.id == Meeting.project_id)
        .where(
            Meeting.starts_at >= _p("now"),
            Meeting.starts_at < _p("ahead"),
            ~Meeting.cancelled,
            _in_scope(reader),
        )
    )
    return KindQuery(query, (Meeting.starts_at, Meeting.id))


def reports(reader: Reader) -> KindQuery:
    """New reports for the client: minutes marked final (the moment is the meeting's), and
    progress reports whose coordinator's comment changed, in the last WINDOW_DAYS days; the
    newest first."""
    since = _p("since")
    minutes = (
        select(
            *_row(
                _sub("minutes"),
                Project.id,
                Project.name,
                Meeting.id,
                _int(),
                _day(),
                Meeting.starts_at,
                _text(),
                _text(),
            ),
            Meeting.minutes_final_at.label("at"),
        )
        .join(Project, Project.id == Meeting.project_id)
        .where(Meeting.minutes_final_at >= since, _in_scope(reader))
    )
    narratives = (
        select(
            *_row(
                _sub("report"),
                Project.id,
                Project.name,
                _int(),
                _int(),
                _day(),
                ReportNarrative.updated_at,
                _text(),
                _text(),
            ),
            ReportNarrative.updated_at.label("at"),
        )
        .join(Project, Project.id == ReportNarrative.project_id)
        .where(ReportNarrative.updated_at >= since, ReportNarrative.text != "", _in_scope(reader))
    )
    both = union_all(minutes, narratives).subquery()
    query = select(*(both.c[name] for name in COLUMNS))
    return KindQuery(query, (both.c.at.desc(), both.c.project_id, both.c.ref))


def answers(reader: Reader) -> KindQuery:
    """Answers to the kickoff questions the reader asked, in the last WINDOW_DAYS days."""
    query = (
        select(
            *_row(
                _sub(None),
                Project.id,
                Project.name,
                KickoffQuestion.id,
                _int(),
                _day(),
                KickoffQuestion.answered_at,
                _text(func.substr(KickoffQuestion.question, 1, TEXT_CHARS)),
                _text(),
            )
        )
        .join(Project, Project.id == KickoffQuestion.project_id)
        .where(
            KickoffQuestion.asked_by_id == _p("user_id"),
            KickoffQuestion.answered_at >= _p("since"),
            _in_scope(reader),
        )
    )
    return KindQuery(query, (KickoffQuestion.answered_at.desc(), KickoffQuestion.id))


def comment_answers(reader: Reader) -> KindQuery:
    """Answers by others, in the last WINDOW_DAYS days, to clause comment threads the reader
    started (the thread's clause in `sub`, the version's number in `ref`)."""
    thread = aliased(ClauseComment)
    answer = aliased(ClauseComment)
    author = aliased(User)
    query = (
        select(
            *_row(
                cast(thread.clause_key, String),
                Project.id,
                Project.name,
                AgreementVersion.number,
                answer.id,
                _day(),
                answer.created_at,
                _text(func.substr(answer.body, 1, TEXT_CHARS)),
                _text(author.name),
            )
        )
        .select_from(answer)
        .join(thread, thread.id == answer.parent_id)
        .join(AgreementVersion, AgreementVersion.id == thread.version_id)
        .join(Project, Project.id == thread.project_id)
        .join(author, author.id == answer.author_id)
        .where(
            thread.author_id == _p("user_id"),
            answer.author_id != _p("user_id"),
            answer.created_at >= _p("since"),
            _in_scope(reader),
        )
    )
    return KindQuery(query, (answer.created_at.desc(), answer.id))


def _item_columns(owner: bool):
    return _row(
        _sub(None),
        Project.id,
        Project.name,
        ActionItem.id,
        ActionItem.meeting_id,
        ActionItem.due_on,
        _moment(),
        _text(func.substr(ActionItem.text, 1, TEXT_CHARS)),
        _text(ActionItem.owner if owner else None),
    )


def actions(reader: Reader) -> KindQuery:
    """Open action items whose owner is the reader's name or their company's name (compared
    folded), on their company's projects."""
    company = (
        select(fold(Organisation.name)).where(Organisation.id == _p("org_id")).scalar_subquery()
    )
    owner = fold(ActionItem.owner)
    query = (
        select(*_item_columns(owner=False))
        .join(Project, Project.id == ActionItem.project_id)
        .where(
            ActionItem.done_at.is_(None),
            ActionItem.owner != "",
            or_(owner == _p("owner_name"), owner == company),
            _in_scope(reader),
        )
    )
    undated = case((ActionItem.due_on.is_(None), 1), else_=0)
    return KindQuery(query, (undated, ActionItem.due_on, ActionItem.id))


def overdue_actions(reader: Reader) -> KindQuery:
    """Action items not done whose due day has passed (staff)."""
    overdue = (ActionItem.done_at.is_(None), ActionItem.due_on < _p("today"))
    query = (
        select(*_item_columns(owner=True))
        .join(Project, Project.id == ActionItem.project_id)
        .where(*overdue)
    )
    # The project is joined for its name only (every item has one): counted from the
    # partial index alone.
    return KindQuery(
        query, (ActionItem.due_on, ActionItem.id), counted=select(ActionItem.id).where(*overdue)
    )


def openings(reader: Reader) -> KindQuery:
    """Openings still open: the reader's company's (a contractor), or every one (staff)."""
    query = (
        select(
            *_row(
                cast(Opening.function, String),
                Project.id,
                Project.name,
                Opening.id,
                _int(),
                Opening.expected_start,
                _moment(),
                _text(Opening.trade),
                _text(Organisation.name),
            )
        )
        .join(Project, Project.id == Opening.project_id)
        .join(Organisation, Organisation.id == Opening.company_id)
        .where(Opening.status == OpeningStatus.OPEN)
    )
    if not reader.is_staff:
        query = query.where(Opening.company_id == _p("org_id"), _in_scope(reader))
        return KindQuery(query, (Opening.expected_start, Opening.id))
    # Staff see every open opening; the project and the company are joined for their names
    # only (every opening has both): counted from the openings' index alone. (PostgreSQL
    # otherwise planned hash joins over every project, for a count it stops at 100.)
    counted = select(Opening.id).where(Opening.status == OpeningStatus.OPEN)
    return KindQuery(query, (Opening.expected_start, Opening.id), counted=counted)


def _person():
    return Candidate.first_name + " " + Candidate.last_name


def ending(reader: Reader) -> KindQuery:
    """The reader's company's running placements whose planned end is within WINDOW_DAYS
    days. The name is read to make initials of (`inbox` does), never shown whole."""
    query = (
        select(
            *_row(
                cast(Placement.rung, String),
                Project.id,
                Project.name,
                Placement.id,
                _int(),
                Placement.planned_end,
                _moment(),
                _text(_person()),
                _text(),
            )
        )
        .join(Project, Project.id == Placement.project_id)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .where(
            Placement.company_id == _p("org_id"),
            Placement.planned_end >= _p("today"),
            Placement.planned_end <= _p("ending_by"),
            or_(Placement.actual_end.is_(None), Placement.actual_end >= _p("today")),
            Candidate.anonymised_at.is_(None),
            _in_scope(reader),
        )
    )
    return KindQuery(query, (Placement.planned_end, Placement.id))


def questions(reader: Reader) -> KindQuery:
    """Questions contractors asked for a kickoff that nobody has answered yet (staff)."""
    query = (
        select(
            *_row(
                _sub(None),
                Project.id,
                Project.name,
                KickoffQuestion.id,
                _int(),
                _day(),
                KickoffQuestion.asked_at,
                _text(func.substr(KickoffQuestion.question, 1, TEXT_CHARS)),
                _text(Organisation.name),
            )
        )
        .join(Project, Project.id == KickoffQuestion.project_id)
        .join(User, User.id == KickoffQuestion.asked_by_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(
            KickoffQuestion.template_key.is_(None),
            KickoffQuestion.answered_at.is_(None),
            User.role == Role.CONTRACTOR,
        )
    )
    return KindQuery(query, (KickoffQuestion.asked_at, KickoffQuestion.id))


def retention(reader: Reader) -> KindQuery:
    """Running placements without a retention conversation since `waited_since`
    (`Placement.retention_since`, as the start page's section reads it). Staff only: the
    text is the resident's name.

    As in the start page's section, the open-ended placements and those with an end still to
    come are taken apart, each in waiting order and at most COUNT_CAP of them: the first walks
    the partial index over the open-ended placements and stops, the second is few."""

    def waiting(running):
        return (
            select(Placement.id, Placement.retention_since)
            .join(Candidate, Candidate.id == Placement.candidate_id)
            .where(running, Placement.retention_since < _p("waited_since"))
            .where(Candidate.anonymised_at.is_(None))
            .order_by(Placement.retention_since, Placement.id)
            .limit(constant(COUNT_CAP))
        )

    due = union_all(
        select(waiting(Placement.actual_end.is_(None)).subquery()),
        select(waiting(Placement.actual_end >= _p("today")).subquery()),
    ).subquery()
    query = (
        select(
            *_row(
                cast(Placement.rung, String),
                Project.id,
                Project.name,
                Candidate.id,
                Placement.id,
                Placement.retention_since,
                _moment(),
                _text(_person()),
                _text(Organisation.name),
            )
        )
        .select_from(due)
        .join(Placement, Placement.id == due.c.id)
        .join(Project, Project.id == Placement.project_id)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Organisation, Organisation.id == Placement.company_id)
    )
    # The joins above only name what `due` found (each joined row exists: foreign keys, not
    # null), so `due` alone has as many rows to count.
    return KindQuery(query, (due.c.retention_since, due.c.id), counted=select(due.c.id))


KindFunction = Callable[..., KindQuery]

# The kinds of each role, in the order the start page shows them.
CLIENT_KINDS: tuple[tuple[str, KindFunction], ...] = (
    ("approvals", approvals),
    ("comment_answers", comment_answers),
    ("meetings", meetings),
    ("reports", reports),
)
CONTRACTOR_KINDS: tuple[tuple[str, KindFunction], ...] = (
    ("answers", answers),
    ("meetings", meetings),
    ("actions", actions),
    ("openings", openings),
    ("ending", ending),
)
STAFF_KINDS: tuple[tuple[str, KindFunction], ...] = (
    ("questions", questions),
    ("openings", openings),
    ("retention", retention),
    ("overdue", overdue_actions),
    ("approvals", approvals),
)


# Kinds the start page lists in full in its own sections for a shape (staff: the openings to
# match and the retention conversations due, each a section below the inbox): the inbox
# counts them and reads none of their items.
COUNTED_ONLY: dict[str, frozenset[str]] = {"staff": frozenset({"openings", "retention"})}


def kinds_of(reader: Reader) -> tuple[tuple[str, KindFunction], ...]:
    if reader.is_staff:
        return STAFF_KINDS
    if reader.role == Role.CLIENT and reader.organisation_id:
        return CLIENT_KINDS
    if reader.role == Role.CONTRACTOR and reader.organisation_id:
        return CONTRACTOR_KINDS
    return ()  # a role or account we do not know: nothing waits


# A reader of each shape, for building that shape's statements (only the role is read).
_SHAPES = {
    "staff": Reader(0, str(Role.COORDINATOR), None, ""),
    str(Role.CLIENT): Reader(0, str(Role.CLIENT), -1, ""),
    str(Role.CONTRACTOR): Reader(0, str(Role.CONTRACTOR), -1, ""),
}


def _ordering(order: tuple) -> list[tuple[object, bool]]:
    """A kind's ORDER BY as (expression, descending) pairs."""
    pairs = []
    for item in order:
        descending = getattr(item, "modifier", None) is operators.desc_op
        pairs.append((item.element if descending else item, descending))
    return pairs


@functools.lru_cache(maxsize=32)
def _statements(shape: str, limit: int, tag: str):
    """The names of a shape's kinds, its inbox statement and its count statement, built once
    per process. Each kind is read in its order and cut at COUNT_CAP rows before anything is
    counted or numbered, so neither statement grows with the data."""
    if not shape:
        return (), None, None
    reader = _SHAPES[shape]
    names, arms, ones = [], [], []
    for name, make in kinds_of(reader):
        kind = make(reader)
        names.append(name)
        pairs = _ordering(kind.order)
        keys = [expression.label(f"order_{i}") for i, (expression, _d) in enumerate(pairs)]
        counted = kind.query if kind.counted is None else kind.counted
        count = (
            select(func.count())
            .select_from(counted.limit(constant(COUNT_CAP)).subquery())
            .scalar_subquery()
        )
        ones.append(select(literal_column("1").label("one")).select_from(counted.subquery()))
        if name in COUNTED_ONLY.get(shape, ()):
            # One row: the kind's name and count, and no item (its position NULL).
            columns = kind.query.selected_columns
            arms.append(
                select(
                    cast(literal(name), String).label("kind"),
                    *(cast(null(), columns[c].type).label(c) for c in COLUMNS),
                    cast(null(), Integer).label("position"),
                    count.label("total"),
                )
            )
            continue
        # The first `limit` rows in the kind's order, numbered among themselves, each with the
        # kind's capped count (a subquery that does not depend on the row: run once).
        first = (
            kind.query.add_columns(cast(literal(name), String).label("kind"), *keys)
            .order_by(*kind.order)
            .limit(constant(limit))
            .subquery()
        )
        again = [
            first.c[f"order_{i}"].desc() if descending else first.c[f"order_{i}"]
            for i, (_e, descending) in enumerate(pairs)
        ]
        arms.append(
            select(
                *(first.c[c] for c in ("kind", *COLUMNS)),
                func.row_number().over(order_by=again).label("position"),
                count.label("total"),
            )
        )
    listing = union_all(*arms) if len(arms) > 1 else arms[0]
    # The navigation's count: every kind's rows one after the other, and the database stops
    # at COUNT_CAP of them all together ("99+" from there), so that a busy portfolio costs
    # the first kind's hundred rows and not every kind's.
    every = union_all(*ones) if len(ones) > 1 else ones[0]
    counting = select(func.count().label("waiting")).select_from(
        every.limit(constant(COUNT_CAP)).subquery()
    )
    if tag:
        counting = counting.prefix_with(f"/* {tag} */")
    return tuple(names), listing, counting


def inbox(
    session: Session,
    reader: Reader,
    today: date,
    now: datetime,
    limit: int = LIMIT,
    retention_weeks: int = DEFAULT_RETENTION_WEEKS,
) -> Inbox:
    """Every kind of the reader's role with its count (up to COUNT_CAP) and first `limit`
    items: one statement."""
    names, listing, _counting = _statements(reader.shape, limit, "")
    if not names:
        return Inbox()
    rows = column_rows(listing, _values(reader, today, now, retention_weeks), session)
    found: dict[str, list] = {name: [] for name in names}
    for row in rows:
        found[row.kind].append(row)
    kinds = []
    for name in names:
        got = sorted(found[name], key=lambda r: r.position or 0)
        items = tuple(_item(name, r) for r in got if r.position is not None)
        kinds.append(Kind(name, got[0].total if got else 0, items))
    return Inbox(tuple(kinds))


def _item(kind: str, row) -> Item:
    text = row.text or ""
    if kind == "ending":
        text = initials_of(text)  # a contractor sees initials here, never the name
    return Item(
        kind,
        row.sub,
        row.project_id,
        row.project,
        row.ref,
        row.ref2,
        row.day,
        row.moment,
        text,
        row.detail or "",
    )


def total(
    session: Session,
    reader: Reader,
    today: date,
    now: datetime,
    retention_weeks: int = DEFAULT_RETENTION_WEEKS,
    tag: str = "",
) -> int:
    """How many items wait for the reader, all kinds together, counted up to COUNT_CAP (the
    badge says "99+" from there): one statement. `tag` is put in the statement as an SQL
    comment (the query-count tests tell it apart by that)."""
    names, _listing, counting = _statements(reader.shape, LIMIT, tag)
    if not names:
        return 0
    values = _values(reader, today, now, retention_weeks)
    return int(column_result(counting, values, session).scalar_one())
