"""Many rows into one table at once, without the ORM's per-object work.

For writes of thousands of rows (the import, the benchmark seeder): on PostgreSQL a `COPY …
FROM STDIN` (no SQL text to build or parse per row), elsewhere one multi-row INSERT
(`executemany`). The columns' Python-side defaults (created_at, version, …) are applied as an
INSERT would, and every value goes through its column type's bind processing (the enums).
Derived columns are the caller's business: the service functions that call this set them
(README, "Derived columns"). Plain SQLAlchemy, no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Table, insert, text


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert `rows` (dicts of column values, all with the same keys) into `table`."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    keys = list(rows[0])
    copy_rows(connection, table, keys, ([row[key] for key in keys] for row in rows))


def copy_rows(
    connection: Connection, table: Table, keys: Sequence[str], values: Iterable[Iterable]
) -> None:
    """PostgreSQL: COPY tuples of values for the columns `keys` (plus the columns with a
    Python-side default that `keys` leave out) into `table`, on the connection's transaction."""
    dialect = connection.dialect
    defaults = [
        column
        for column in table.columns
        if column.key not in keys
        and column.default is not None
        and (column.default.is_scalar or column.default.is_callable)
    ]
    columns = [table.c[key] for key in keys] + defaults
    processors = [column.type._cached_bind_processor(dialect) for column in columns]
    names = ", ".join(dialect.identifier_preparer.quote(column.name) for column in columns)
    statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in values:
                full = list(row)
                for column in defaults:
                    default = column.default
                    full.append(default.arg if default.is_scalar else default.arg(None))
                copy.write_row(
                    [
                        value if process is None or value is None else process(value)
                        for process, value in zip(processors, full, strict=True)
                    ]
                )
    finally:
        cursor.close()


def next_ids(connection: Connection, table: Table, count: int) -> list[int] | None:
    """PostgreSQL: `count` ids taken from the table's sequence (safe beside other writers), for
    rows that are then copied with their ids; None on other databases."""
    if connection.dialect.name != "postgresql" or count == 0:
        return None
    query = text(
        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
    )
    return list(connection.execute(query, {"table": table.name, "count": count}).scalars())
