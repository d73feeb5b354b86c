"""Querysets compiled once, then run again with other values.

Building a query costs Django far more than running it: for a row read by primary key on
SQLite, compiling the queryset took ten times the query itself (profiled during a reconnect
storm, where every socket reads its session, its user and its board). A `PreparedQuery` asks
the ORM for the SQL once per database connection, with stand-in values, and then only swaps
the values in: the ORM stays the one place that knows the tables, the columns and how each
backend writes them; rows come back as model instances, through the same converters.

For the few reads done once per connection, by key: plain querysets of one model (no
`select_related`, no annotations), filtered on exact values that are ints or strings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet


class PreparedQuery:
    """`PreparedQuery(lambda pk: Board.objects.filter(pk=pk)[:1], int)`, then `.first(42)`.

    `build` is called with one stand-in value per type in `kinds`; each must reach the SQL as
    one parameter, unchanged (an exact lookup on an integer or text column does).
    """

    def __init__(self, build: Callable[..., QuerySet], *kinds: type, using: str = DEFAULT_DB_ALIAS):
        if not kinds or any(kind not in (int, str) for kind in kinds):
            raise TypeError("PreparedQuery takes ints and strings only")
        self.build, self.kinds, self.using = build, kinds, using
        # One compilation per connection object (a thread has its own): the compiler's
        # converters are bound to the connection they were made for.
        self._compiled = threading.local()

    def rows(self, *values) -> list[Model]:
        if len(values) != len(self.kinds) or any(
            type(value) is not kind for value, kind in zip(values, self.kinds, strict=True)
        ):
            raise TypeError(f"expected values of types {self.kinds}, got {values!r}")
        connection = connections[self.using]
        compiled = getattr(self._compiled, "value", None)
        if compiled is None or compiled[0] is not connection:
            compiled = self._compiled.value = (connection, *self._compile(connection))
        _, sql, params, positions, model, attnames, compiler, converters = compiled
        params = list(params)
        for position, value in zip(positions, values, strict=True):
            params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [model.from_db(self.using, attnames, row) for row in rows]

    def first(self, *values) -> Model | None:
        rows = self.rows(*values)
        return rows[0] if rows else None

    def _compile(self, connection):
        stand_ins = [_stand_in(kind, i) for i, kind in enumerate(self.kinds)]
        queryset = self.build(*stand_ins).using(self.using)
        query = queryset.query
        if query.select_related or query.annotation_select or query.extra_select:
            raise ValueError("PreparedQuery reads plain rows of one model")
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = tuple(params)
        positions = []
        for stand_in in stand_ins:
            found = [i for i, param in enumerate(params) if param == stand_in]
            if len(found) != 1:
                raise ValueError(f"{stand_in!r} must reach the SQL once as a parameter")
            positions.append(found[0])
        columns = [column for column, _sql, _alias in compiler.select]
        attnames = [column.target.attname for column in columns]
        converters = compiler.get_converters(columns)
        return sql, params, positions, queryset.model, attnames, compiler, converters


def _stand_in(kind: type, index: int):
    """A value no real query asks for, told apart from the others."""
    return -(7_919_000_000 + index) if kind is int else f"\x00prepared-stand-in-{index}\x00"
