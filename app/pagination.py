"""A page of a list and the total, in one query: `count(*) OVER ()` rides along on every row.

`db.paginate` asks the database twice (the page, then a COUNT); the lists people search all
day ask once. Only a page past the end (no rows to carry the total) needs a separate COUNT.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db
from app.reads import column_result, column_rows


@dataclass(frozen=True)
class Page:
    """What the `pagination_nav` macro and the lists read: the items, the page and the total."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    # True when the count stopped at a cap: there are more than `total` items.
    more: bool = False

    @property
    def pages(self) -> int:
        return ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def __iter__(self):
        return iter(self.items)


def paginate(query: Select, page: int, per_page: int) -> Page:
    """Page `page` of `query` (ordered by the caller). An item is the row's only column, or a
    tuple of its columns when the select has several (an entity plus columns shown beside it).
    """
    width = len(query.column_descriptions)
    rows = db.session.execute(
        query.add_columns(func.count().over().label("total"))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if rows:
        total = rows[0][-1]
    elif page == 1:
        total = 0
    else:  # past the last page: no row carries the total, so count once
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = [row[0] if width == 1 else tuple(row[:width]) for row in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)


def page_rows(listing, count, values: dict, page: int) -> tuple[list, int]:
    """Run a page statement built once (its last column the window count `total`) with its
    bind `values`: the rows and the total. The total rides on the rows; an empty first page has
    none; only a page past the end runs `count`. Both select columns, for the lists of GET
    pages, so they run as plain column reads (`app.reads`)."""
    rows = column_rows(listing, values)
    if rows:
        return rows, rows[0].total
    if page == 1:
        return rows, 0
    return rows, column_result(count, values).scalar()  # past the last page: count once
