"""Sign a checkpoint now, on demand, besides the nightly ones of the job runner."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.ledger.services import create_checkpoint
from jifen.places.models import Place


class Command(BaseCommand):
    help = "Sign a Merkle checkpoint of one village's ledger (or every village's) now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--village", help="12-digit code of one village (default: every village)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        villages = Place.objects.filter(kind=Place.Kind.VILLAGE).select_related("parent")
        if options["village"]:
            villages = villages.filter(code=options["village"])
            if not villages.exists():
                raise CommandError(f"No village has the code {options['village']}.")
        for village in villages.order_by("code"):
            checkpoint = create_checkpoint(village=village)
            self.stdout.write(
                f"{village.code} {village.name}: {checkpoint.tree_size} entries, "
                f"root {checkpoint.root_hash[:16]}…, key {checkpoint.key.key_id}"
            )
