"""The one way around the append-only triggers: emptying a whole test or demo database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def ledger_unlocked_for_flush() -> Iterator[None]:
    """Let ``flush`` delete ledger rows on SQLite (PostgreSQL's flush truncates instead)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_guard SET enforced = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_guard SET enforced = 1")
