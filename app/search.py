"""One search for the whole product: projects, candidates and the match picker.

Text is folded the same way on both sides of a comparison: whitespace collapsed and lowercased
with Python's Unicode rules, so "ØRESTAD" finds "Ørestad Syd" and "æbletræ" finds "Æbletræet".
In SQL the fold is `fold(column)`: PostgreSQL's `lower()` (Unicode-aware under a UTF-8 ctype,
which the README requires) and, on SQLite, whose `lower()` folds only ASCII, the same Python
function registered on every connection (`register_sqlite`). Candidates and projects keep their
folded text in a column (`search_text`), written with the row, so their searches compare a
stored column with the pattern and fold nothing per row.

Plain Python and SQLAlchemy Core: no Flask.
"""

from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import Text

SQLITE_FOLD = "bygop_fold"
MAX_TERM = 100  # characters of a search term that are used


def search_term(value: str | None) -> str:
    """Fold text for the search: whitespace collapsed, lowercased (Unicode-aware)."""
    return " ".join((value or "").replace("\x00", "").split()).lower()


def like_pattern(term: str) -> str:
    """A LIKE pattern that finds the folded `term` literally anywhere (use escape="\\")."""
    escaped = search_term(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class fold(GenericFunction):  # noqa: N801  (an SQL function's name)
    """The folded text of a column, on either database (see the module docstring)."""

    type = Text()
    inherit_cache = True


@compiles(fold)
def _fold_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(fold, "sqlite")
def _fold_sqlite(element, compiler, **kw):
    return f"{SQLITE_FOLD}({compiler.process(element.clauses, **kw)})"


def _fold_or_none(value):
    return None if value is None else search_term(str(value))


def register_sqlite(dbapi_connection) -> None:
    """Give a SQLite connection the fold function (deterministic, so indexes may use it)."""
    dbapi_connection.create_function(SQLITE_FOLD, 1, _fold_or_none, deterministic=True)
