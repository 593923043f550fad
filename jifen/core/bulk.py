"""Bulk writes of plain rows, for the posting job, where the ORM's own cost dominates.

``QuerySet.bulk_update`` builds one ``CASE WHEN pk = … THEN …`` per row and field, as Django
expressions: for the few hundred accounts a posting batch touches, building it costs more than
the whole rest of the batch. ``update_rows`` sends the new values as a table instead, one
statement (``UPDATE … FROM``, SQLite 3.33 and later) that PostgreSQL and SQLite both run.
``insert_rows`` is ``bulk_create`` without a model instance per row, from tuples, and with COPY
on PostgreSQL. Both convert each value with its field, as the ORM would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

BATCH = 500


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field[Any, Any]]:
    fields = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field) or field.many_to_many:
            raise ValueError(f"{name} is not a column of {model._meta.label}")
        fields.append(field)
    return fields


def columns_of(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """The database columns of the fields named (a relation by its name or by its ``_id``)."""
    return [field.column for field in _fields(model, names)]


# Values of these fields go to the database as they are: converting them costs more than
# writing them, on a posting job's thousands of rows.
AS_THEY_ARE = (models.IntegerField, models.CharField, models.TextField, models.ForeignKey)


def _prepared(fields: Sequence[models.Field[Any, Any]], rows: Sequence[Sequence[Any]]) -> list[Any]:
    """The rows' values as the database takes them: numbers, text and ids as they are, the
    rest (dates and times, above all) through their field's own conversion."""
    converters = [
        None if isinstance(field, AS_THEY_ARE) else field.get_db_prep_save for field in fields
    ]
    if not any(converters):
        return [list(row) for row in rows]
    return [
        [
            value if convert is None else convert(value, connection)
            for convert, value in zip(converters, row, strict=True)
        ]
        for row in rows
    ]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT the rows, each a value per field named in ``columns`` (a relation takes an id):
    with COPY on PostgreSQL, multi-row INSERTs elsewhere. Constraints and triggers apply."""
    fields = _fields(model, columns)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    prepared = _prepared(fields, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
            return
        one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(prepared), BATCH):
            batch = prepared[start : start + BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one_row] * len(batch))}",  # noqa: S608 - our own names
                [value for row in batch for value in row],
            )


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set ``columns`` of the rows whose primary key is each row's first value to the rest.

    ``columns`` are field names of plain (non-relation) fields; values go through each
    field's own conversion to the database, as the ORM would send them.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    pk = meta.pk
    fields = _fields(model, columns)
    if any(field.is_relation for field in fields):
        raise ValueError("update_rows sets plain fields only")
    assert pk is not None
    keyed = [pk, *fields]
    # Typed placeholders, so that PostgreSQL knows the VALUES' types from the first row.
    one_row = "(" + ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in keyed) + ")"
    table = quote(meta.db_table)
    values_name = quote("new_values")
    names = ", ".join(quote(f.column) for f in keyed)
    assignments = ", ".join(f"{quote(f.column)} = {values_name}.{quote(f.column)}" for f in fields)
    prepared = _prepared(keyed, rows)
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), BATCH):
            batch = prepared[start : start + BATCH]
            cursor.execute(
                f"WITH {values_name} ({names}) AS"  # noqa: S608 - our own names
                f" (VALUES {', '.join([one_row] * len(batch))})"
                f" UPDATE {table} SET {assignments} FROM {values_name}"
                f" WHERE {table}.{quote(pk.column)} = {values_name}.{quote(pk.column)}",
                [value for row in batch for value in row],
            )
