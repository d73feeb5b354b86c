"""Querysets compiled once, then run again with other values.

Building a query costs Django far more than running it: for a row read by primary key on
SQLite, compiling the queryset took ten times the query itself (profiled during a reconnect
storm, where every socket reads its session, its user and its board). A `PreparedQuery` asks
the ORM for the SQL once per database connection, with stand-in values, and then only swaps
the values in: the ORM stays the one place that knows the tables, the columns and how each
backend writes them; rows come back as model instances, through the same converters.

For the few reads done once per connection, by key: plain querysets of one model (no
`select_related`, no annotations), filtered on exact values that are ints or strings.

A `PreparedInsert` does the same for the rows every op writes (its event, a vote): the INSERT
of every column is compiled once per connection; each row's values still go through their
fields' own preparation (`pre_save`, `get_db_prep_save`), and the model's `pre_save` and
`post_save` signals are sent as `save()` sends them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet, signals
from django.db.models.sql import InsertQuery


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
        sql, params, positions, model, attnames, compiler, converters = _for_connection(
            self._compiled, connection, self._compile
        )
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


class PreparedInsert:
    """`PreparedInsert(Event).create(stream=stream, seq=seq, ...)`: what
    `Event.objects.create(...)` does — every column written, `pre_save` (as `auto_now_add`)
    and the `pre_save`/`post_save` signals included — with the INSERT compiled once per
    connection. For models whose key is an auto field and nothing else comes back from the
    database (no `db_default`); values must be plain values, not expressions.
    """

    def __init__(self, model: type[Model], using: str = DEFAULT_DB_ALIAS):
        meta = model._meta
        if meta.auto_field is None or list(meta.db_returning_fields) != [meta.pk]:
            raise ValueError("PreparedInsert writes models keyed by an auto field, nothing more")
        self.model, self.using = model, using
        self.fields = [
            field
            for field in meta.local_concrete_fields
            if field is not meta.auto_field and not field.generated
        ]
        self._compiled = threading.local()

    def create(self, **values) -> Model:
        instance = self.model(**values)
        signals.pre_save.send(
            sender=self.model, instance=instance, raw=False, using=self.using, update_fields=None
        )
        row_values = [field.pre_save(instance, True) for field in self.fields]
        for field, value in zip(self.fields, row_values, strict=True):
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{field.name}: PreparedInsert takes values, not expressions")
        connection = connections[self.using]
        sql, compiler, returning, converters = _for_connection(
            self._compiled, connection, lambda connection: self._compile(connection, instance)
        )
        meta = self.model._meta
        params = [
            compiler.prepare_value(field, value)
            for field, value in zip(self.fields, row_values, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if returning is not None:
                row = connection.ops.fetch_returned_insert_columns(cursor, returning)
            else:
                row = (connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column),)
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        instance.pk = row[0]
        instance._state.adding, instance._state.db = False, self.using
        signals.post_save.send(
            sender=self.model,
            instance=instance,
            created=True,
            update_fields=None,
            raw=False,
            using=self.using,
        )
        return instance

    def _compile(self, connection, instance: Model):
        meta = self.model._meta
        query = InsertQuery(self.model)
        query.insert_values(self.fields, [instance])
        compiler = query.get_compiler(connection=connection)
        can_return = connection.features.can_return_columns_from_insert
        compiler.returning_fields = [meta.pk] if can_return else None
        ((sql, _params),) = compiler.as_sql()
        returning = compiler.returning_params if can_return else None
        converters = compiler.get_converters([meta.pk.get_col(meta.db_table)])
        return sql, compiler, returning, converters


def _for_connection(compiled: threading.local, connection, compile: Callable) -> tuple:
    """What `compile(connection)` gave for this connection object, compiled on first use (a
    thread has its own connection; the compiler's converters are bound to it)."""
    held = getattr(compiled, "value", None)
    if held is None or held[0] is not connection:
        held = compiled.value = (connection, compile(connection))
    return held[1]


def _stand_in(kind: type, index: int):
    """A value no real query asks for, told apart from the others."""
    return -(7_919_000_000 + index) if kind is int else f"\x00prepared-stand-in-{index}\x00"
