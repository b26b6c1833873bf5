"""Select statements compiled once per database and run on the driver's own cursor.

Why: a listing page's first view runs the same four small selects each time. Through
`Connection.execute` each cost ~0.1 ms of SQLAlchemy's own work (a cache key built from the statement,
an execution context, a result object) around ~0.03 ms in the database; run here, the page's data comes
in about half the time (bench/pages.py). What SQLAlchemy does to values on the way in and out (a
UTCDateTime's zone, SQLite's text dates, booleans) still happens: each bound value and each column goes
through its type's own processors, taken from SQLAlchemy once per database.

For plain selects with named bound parameters only: no expanding `IN` lists, no ORM entities. As with
`Connection.execute`, the connection begins its transaction if it has none, and a driver error comes
out as SQLAlchemy's (`DBAPIError`, the connection invalidated when the database went away), so the
portal's "database unavailable" page still answers. Where anything listens to the engine's statements
(cursor events such as Flask-SQLAlchemy's query recording, or `echo`), the statement simply goes
through `Connection.execute`, so listeners see what they expect.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

Columns = tuple[tuple[int, Callable[[Any], Any]], ...]  # columns whose type changes them on the way out


@dataclass(frozen=True)
class _Compiled:
    compiled: SQLCompiler
    order: tuple[str, ...] | None  # the parameters' order for a positional driver (SQLite), else None
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # parameters whose type changes them on the way in


class PreparedSelect:
    def __init__(self, statement: Select):
        self.statement = statement
        self._compiled_for: dict[tuple, _Compiled] = {}
        self._columns_for: dict[tuple, Columns] = {}
        self._lock = threading.Lock()

    def all(self, connection: Connection, **params: Any) -> list[tuple]:
        if _is_watched(connection):
            return [tuple(row) for row in connection.execute(self.statement, params)]
        dialect = connection.dialect
        prepared = self._compiled(dialect)
        values = prepared.compiled.construct_params(params)  # SQLAlchemy's own message for a missing one
        for name, process in prepared.binds:
            values[name] = process(values[name])
        arguments = [values[name] for name in prepared.order] if prepared.order is not None else values
        if not connection.in_transaction():
            connection.begin()  # as Connection.execute would: closing the connection rolls it back
        driver_connection = connection.connection.driver_connection
        cursor = driver_connection.cursor()
        try:
            cursor.execute(prepared.compiled.string, arguments)
            rows = cursor.fetchall()
            columns = self._columns(dialect, cursor.description)
        except dialect.loaded_dbapi.Error as error:
            gone = dialect.is_disconnect(error, driver_connection, cursor)
            if gone:
                connection.invalidate(error)
            raise DBAPIError.instance(
                prepared.compiled.string, arguments, error, dialect.loaded_dbapi.Error,
                connection_invalidated=gone, dialect=dialect,
            ) from error  # fmt: skip
        finally:
            cursor.close()
        if not columns:
            return [tuple(row) for row in rows]
        return [_processed(row, columns) for row in rows]

    def first(self, connection: Connection, **params: Any) -> tuple | None:
        rows = self.all(connection, **params)
        return rows[0] if rows else None

    def _compiled(self, dialect: Dialect) -> _Compiled:
        key = _dialect_key(dialect)
        found = self._compiled_for.get(key)
        if found is None:
            with self._lock:
                found = self._compiled_for.get(key) or _compile(self.statement, dialect)
                self._compiled_for[key] = found
        return found

    def _columns(self, dialect: Dialect, description) -> Columns:
        """Each column's result processor, told the driver's own type code as SQLAlchemy tells it."""
        key = _dialect_key(dialect)
        found = self._columns_for.get(key)
        if found is None:
            processors = (
                (index, column.type.dialect_impl(dialect).result_processor(dialect, described[1]))
                for index, (column, described) in enumerate(
                    zip(self.statement.selected_columns, description, strict=True)
                )
            )
            found = self._columns_for[key] = tuple((i, p) for i, p in processors if p is not None)
        return found


def _is_watched(connection: Connection) -> bool:
    """Does anything listen to this connection's statements (cursor events, or echo)?"""
    dispatch = connection.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute or connection.engine.echo)


def _dialect_key(dialect: Dialect) -> tuple:
    return dialect.name, dialect.driver, dialect.paramstyle


def _compile(statement: Select, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    if "__[POSTCOMPILE_" in compiled.string:
        raise ValueError("a PreparedSelect takes no expanding IN list or literal-execute parameter")
    binds = []
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:  # construct_params names them as the SQL does
            binds.append((compiled.escaped_bind_names.get(name, name), process))
    order = tuple(compiled.positiontup) if compiled.positional else None
    return _Compiled(compiled, order, tuple(binds))


def _processed(row, columns: Columns) -> tuple:
    values = list(row)
    for index, process in columns:
        values[index] = process(values[index])
    return tuple(values)
