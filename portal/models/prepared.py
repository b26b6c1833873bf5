"""Select statements compiled once per database and run on the driver's own cursor.

Why: a listing page's first view runs the same four small selects each time. Through
`Connection.execute` each cost ~0.1 ms of SQLAlchemy's own work (a cache key built from the statement,
an execution context, a result object) around ~0.03 ms in the database; run here, the page's data comes
in about half the time (bench/pages.py). What SQLAlchemy does to values on the way in and out (a
UTCDateTime's zone, SQLite's text dates, booleans) still happens: each bound value and each column goes
through its type's own processors, taken from SQLAlchemy once per database.

For plain selects with named bound parameters only: no expanding `IN` lists, no ORM entities. The
statement runs on the given Connection's driver connection, inside whatever transaction that holds (a
driver transaction it opens ends when the pool resets the connection on its return), and
`before_cursor_execute` listeners hear of it (with no execution context, as of SQLAlchemy's own raw
statements; what they return is not used).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # the parameters' order for a positional driver (SQLite), else None
    defaults: dict[str, Any]  # values the statement binds itself (`is_public = true`)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # parameters whose type changes them on the way in


Columns = tuple[tuple[int, Callable[[Any], Any]], ...]  # columns whose type changes them on the way out


class PreparedSelect:
    def __init__(self, statement: Select):
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}
        self._columns: dict[str, Columns] = {}
        self._lock = threading.Lock()

    def all(self, connection: Connection, **params: Any) -> list[tuple]:
        compiled = self._compiled(connection.dialect)
        values = {**compiled.defaults, **params}
        for name, process in compiled.binds:
            values[name] = process(values[name])
        arguments = [values[name] for name in compiled.order] if compiled.order is not None else values
        cursor = connection.connection.driver_connection.cursor()
        try:
            for listener in connection.dispatch.before_cursor_execute:  # as SQLAlchemy tells of its own
                listener(connection, cursor, compiled.sql, arguments, None, False)  # raw statements
            cursor.execute(compiled.sql, arguments)
            rows = cursor.fetchall()
            columns = self._columns.get(connection.dialect.name)
            if columns is None:
                columns = self._columns[connection.dialect.name] = self._column_processors(
                    connection.dialect, cursor.description
                )
        finally:
            cursor.close()
        if not columns:
            return [tuple(row) for row in rows]
        return [_processed(row, columns) for row in rows]

    def first(self, connection: Connection, **params: Any) -> tuple | None:
        rows = self.all(connection, **params)
        return rows[0] if rows else None

    def _column_processors(self, dialect: Dialect, description) -> Columns:
        """Each column's result processor, told the driver's own type code as SQLAlchemy tells it."""
        columns = []
        for index, (column, described) in enumerate(
            zip(self.statement.selected_columns, description, strict=True)
        ):
            process = column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            if process is not None:
                columns.append((index, process))
        return tuple(columns)

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            with self._lock:
                found = self._by_dialect[dialect.name] = _compile(self.statement, dialect)
        return found


def _compile(statement: Select, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    if "__[POSTCOMPILE_" in compiled.string:
        raise ValueError("a PreparedSelect takes no expanding IN list or literal-execute parameter")
    binds, defaults = [], {}
    for name, bind in compiled.binds.items():
        if not bind.required and bind.value is not None:
            defaults[name] = bind.value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds.append((name, process))
    order = tuple(compiled.positiontup) if compiled.positional else None
    return _Compiled(compiled.string, order, defaults, tuple(binds))


def _processed(row, columns) -> tuple:
    values = list(row)
    for index, process in columns:
        values[index] = process(values[index])
    return tuple(values)
