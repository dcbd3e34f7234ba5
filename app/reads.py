"""Plain-column reads for the lists of GET pages.

A statement that selects columns, not ORM objects, runs here on the session's connection (in
the session's transaction) without the ORM's execution layer, which cost about 60 µs a
statement: more than many of these reads take. The session is not flushed first, so use it
only where nothing written in the same request must be seen: a GET page's lists, counts and
badge, never after a write.
"""

from __future__ import annotations

from sqlalchemy.engine import Result
from sqlalchemy.orm import Session

from app.extensions import db


def column_result(statement, values: dict | None = None, session: Session | None = None) -> Result:
    """Run a column statement built once (its values as bind parameters)."""
    return (session or db.session).connection().execute(statement, values)


def column_rows(statement, values: dict | None = None, session: Session | None = None) -> list:
    """Every row of a column statement."""
    return column_result(statement, values, session).all()
