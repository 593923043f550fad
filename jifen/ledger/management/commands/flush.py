"""Django's flush, able to empty the append-only ledger tables of a test or demo database."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from jifen.ledger.maintenance import ledger_unlocked_for_flush


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with ledger_unlocked_for_flush():
            super().handle(**options)
