"""Recompute every village's ledger (or one village's) and report the first discrepancy."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.ledger.verify import verify_village
from jifen.places.models import Place


class Command(BaseCommand):
    help = (
        "Verify balances, hash chains, Merkle roots and checkpoint signatures; "
        "exit 1 on any discrepancy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--village", help="12-digit code of one village (default: every village)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        villages = Place.objects.filter(kind=Place.Kind.VILLAGE).order_by("code")
        if options["village"]:
            villages = villages.filter(code=options["village"])
            if not villages.exists():
                raise CommandError(f"No village has the code {options['village']}.")
        started = time.monotonic()
        entries = checkpoints = 0
        for village in villages:
            report = verify_village(village)
            entries += report.entries
            checkpoints += report.checkpoints
            if not report.ok:
                self.stdout.write(f"FAILED {village.code} {village.name}: {report.problem}")
                raise CommandError("The ledger does not verify.")
            self.stdout.write(
                f"ok {village.code} {village.name}: "
                f"{report.entries} entries, {report.checkpoints} checkpoints"
            )
        self.stdout.write(
            f"Verified {villages.count()} villages, {entries} entries, {checkpoints} checkpoints "
            f"in {time.monotonic() - started:.1f} s."
        )
