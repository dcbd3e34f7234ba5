"""Counting the SQL statements of one request (used by the query-count tests).

What is counted: every statement the request sends through the engine (Flask-Login's user
load included, and any INSERT), plus every COMMIT, each a round trip. What is not: the drivers'
implicit BEGIN, the pool's ping on checkout and its rollback when the connection goes back,
and on PostgreSQL the end of a read-only request (`app.factory.end_read_only_transaction`: one
check and a COMMIT instead of the ROLLBACK, on the driver's connection), housekeeping every
request pays alike. The navigation's inbox count (one statement on a whole
page for a signed-in user, tagged with `app.core.inbox.BADGE_TAG`) is counted apart, in
`badge`: the page budgets are what the page itself costs, and test_query_budget checks that
the count adds at most one statement to any page. Each request starts from an empty session, as in
production, so nothing is served from a previous request's identity map.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import event

from app.core.inbox import BADGE_TAG
from app.extensions import db


@dataclass
class Statements:
    """The statements of one request: SQL in order, COMMIT for a commit."""

    sql: list[str] = field(default_factory=list)
    badge: int = 0  # statements for the navigation's inbox count

    def __len__(self) -> int:
        return len(self.sql)

    def of(self, kind: str) -> int:
        return sum(1 for s in self.sql if s.lstrip().upper().startswith(kind))

    @property
    def reads(self) -> int:
        return self.of("SELECT")

    def __str__(self) -> str:
        return "\n".join(f"  {' '.join(s.split())[:160]}" for s in self.sql)


def measure(client, url: str, method: str = "GET", expect: int | None = 200, **kwargs):
    """Send one request from a cold session; return (statements, response)."""
    db.session.remove()  # a fresh session, like a new request on a server
    seen = Statements()

    def statement(conn, cursor, sql, *args):
        if BADGE_TAG in sql:
            seen.badge += 1
        else:
            seen.sql.append(sql)

    def commit(conn):
        seen.sql.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        response = client.open(url, method=method, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)
    if expect is not None:
        assert response.status_code == expect, (url, response.status_code)
    return seen, response
