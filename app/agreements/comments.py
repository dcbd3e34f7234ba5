"""Comments per clause of an agreement version: threads, answers, resolving and reopening.

A thread starts on one clause of one version; its answers hang under it (one level). A thread
stays open until someone resolves it, and an open thread follows the agreement: the page of
a later version shows it too, marked with the version it was written on. Contractors never
see comments (the views keep them out).

No Flask here: every function takes the SQLAlchemy session, so the Word redline (and the CLI)
can read the threads as well. The caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.agreements.models import AgreementVersion, ClauseComment
from app.i18n import N_
from app.models import User, utcnow
from app.sanitise import BIDI_OVERRIDES, multi_line_clean

MAX_BODY = 4000


class CommentProblem(Exception):
    """The comment cannot be saved as written; `message` is an English msgid."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CommentConflict(Exception):
    """The thread is no longer in the state the user saw (someone resolved or reopened it)."""

    def __init__(self, thread: ClauseComment):
        super().__init__("the thread changed")
        self.thread = thread


def clean_body(text: str | None) -> str:
    """The comment's text as stored: multi-line text as the sanitiser keeps it (no control
    characters, no bidi overrides), trimmed; refused when empty or too long."""
    body = BIDI_OVERRIDES.sub("", multi_line_clean(text or "")).strip()
    if not body:
        raise CommentProblem(N_("Write a comment."))
    if len(body) > MAX_BODY:
        raise CommentProblem(N_("A comment can be at most 4,000 characters."))
    return body


def clause_keys(version: AgreementVersion) -> list[str]:
    return [section["key"] for section in version.content["document"]["sections"]]


def add(
    session: Session, version: AgreementVersion, clause_key: str, author: User, body: str | None
) -> ClauseComment:
    """Start a thread on a clause of `version`."""
    if clause_key not in clause_keys(version):
        raise CommentProblem(N_("This clause is not in the version."))
    comment = ClauseComment(
        project_id=version.project_id,
        version_id=version.id,
        clause_key=clause_key,
        author_id=author.id,
        body=clean_body(body),
    )
    session.add(comment)
    return comment


def reply(session: Session, thread: ClauseComment, author: User, body: str | None):
    """Answer a thread (an answer to an answer goes under the same thread)."""
    root = thread if thread.parent_id is None else session.get(ClauseComment, thread.parent_id)
    answer = ClauseComment(
        project_id=root.project_id,
        version_id=root.version_id,
        clause_key=root.clause_key,
        author_id=author.id,
        body=clean_body(body),
        parent_id=root.id,
    )
    session.add(answer)
    return answer


def resolve(thread: ClauseComment, user: User) -> None:
    """Mark the thread resolved; a thread someone else resolved meanwhile is a conflict."""
    if thread.is_resolved:
        raise CommentConflict(thread)
    thread.resolved_at = utcnow()
    thread.resolved_by_id = user.id


def reopen(thread: ClauseComment) -> None:
    """Open a resolved thread again; one someone reopened meanwhile is a conflict."""
    if not thread.is_resolved:
        raise CommentConflict(thread)
    thread.resolved_at = None
    thread.resolved_by_id = None


@dataclass
class Thread:
    """A thread as a page shows it: the first comment, its answers, its version's number."""

    root: ClauseComment
    version_number: int
    replies: list[ClauseComment] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return not self.root.is_resolved


def threads(session: Session, project_id: int, number: int | None = None) -> dict[str, list]:
    """The threads to show with version `number` (None: the latest), by clause key: those
    written on it, and those still open from earlier versions. One statement."""
    rows = session.execute(
        select(ClauseComment, AgreementVersion.number)
        .join(AgreementVersion, AgreementVersion.id == ClauseComment.version_id)
        .where(ClauseComment.project_id == project_id)
        .options(joinedload(ClauseComment.author), joinedload(ClauseComment.resolved_by))
        .order_by(ClauseComment.created_at, ClauseComment.id)
    ).all()
    roots: dict[int, Thread] = {}
    answers: list[ClauseComment] = []
    for comment, version_number in rows:
        if comment.parent_id is None:
            roots[comment.id] = Thread(comment, version_number)
        else:
            answers.append(comment)
    for answer in answers:
        if answer.parent_id in roots:
            roots[answer.parent_id].replies.append(answer)
    by_clause: dict[str, list[Thread]] = defaultdict(list)
    for thread in roots.values():
        here = number is None or thread.version_number == number
        earlier_open = number is not None and thread.version_number < number and thread.is_open
        if here or earlier_open:
            by_clause[thread.root.clause_key].append(thread)
    for clause_threads in by_clause.values():  # open threads first, each in order written
        clause_threads.sort(key=lambda t: not t.is_open)
    return dict(by_clause)


def open_count_clause(project_id_column):
    """A scalar subquery: the open threads of the project in `project_id_column` (for the
    project page and the list, in the query they already make)."""
    return (
        select(func.count(ClauseComment.id))
        .where(
            ClauseComment.project_id == project_id_column,
            ClauseComment.parent_id.is_(None),
            ClauseComment.resolved_at.is_(None),
        )
        .scalar_subquery()
    )


def open_count(session: Session, project_id: int) -> int:
    return session.scalar(select(open_count_clause(project_id))) or 0


@dataclass(frozen=True)
class RedlineComment:
    author: str
    created_at: datetime
    body: str


@dataclass(frozen=True)
class RedlineThread:
    """A clause's thread for the Word redline: the first comment and its answers."""

    clause_key: str
    author: str
    created_at: datetime
    body: str
    resolved: bool
    replies: tuple[RedlineComment, ...]
    version_number: int


def comments_for_redline(session: Session, version: AgreementVersion) -> list[RedlineThread]:
    """The threads that belong with `version` in a redline (written on it, or still open from
    an earlier version), clause by clause in the version's order, each thread's answers in the
    order written. Plain data: names and text, nothing to load later."""
    by_clause = threads(session, version.project_id, version.number)
    out: list[RedlineThread] = []
    for key in clause_keys(version):
        for thread in by_clause.get(key, []):
            root = thread.root
            out.append(
                RedlineThread(
                    clause_key=key,
                    author=root.author.name,
                    created_at=root.created_at,
                    body=root.body,
                    resolved=root.is_resolved,
                    replies=tuple(
                        RedlineComment(r.author.name, r.created_at, r.body) for r in thread.replies
                    ),
                    version_number=thread.version_number,
                )
            )
    return out
