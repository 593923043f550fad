"""Build the demo county and print its logins: ``manage.py build_demo [--reset | --if-empty]``."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jifen.demo.activity import ActivitySize, add_activity
from jifen.demo.generator import (
    COUNTY_CODE,
    DEFAULT_SEED,
    PRESETS,
    SCALE_ENTRIES,
    build_demo,
    demo_logins,
    find_demo_county,
    format_logins,
)
from jifen.demo.scale import add_ledger_at_scale
from jifen.places.models import Place

SIZE_OPTIONS = ("townships", "villages_per_township", "households_min", "households_max")


class Command(BaseCommand):
    help = "Build a demo county with households, residents and an account for every role."

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_activity_arguments(parser)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--size", choices=list(PRESETS), default="default")
        for option in SIZE_OPTIONS:
            parser.add_argument(
                f"--{option.replace('_', '-')}", type=int, help="Overrides the --size preset."
            )
        parser.add_argument(
            "--reset", action="store_true", help="Delete all data first (manage.py flush)."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="If a county exists already, build nothing and print its logins.",
        )

    def add_activity_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-activity", action="store_true", help="places and people only, no year of points"
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help="the last day of the simulated year (default: today), for repeatable builds",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            call_command("flush", interactive=False, verbosity=0)
        elif options["if_empty"] and (county := find_demo_county()) is not None:
            self.stderr.write(f"{county.name} exists already; nothing built.")
            self.stdout.write(format_logins(demo_logins(county)))
            return
        if Place.objects.filter(code=COUNTY_CODE).exists():
            raise CommandError("The demo county exists already: use --reset or --if-empty.")
        overrides = {name: options[name] for name in SIZE_OPTIONS if options[name] is not None}
        try:
            size = replace(PRESETS[options["size"]](), **overrides)
        except ValueError as error:
            raise CommandError(str(error)) from error

        started = time.monotonic()
        summary = build_demo(seed=options["seed"], size=size, progress=self.stderr.write)
        self.stderr.write(
            f"{summary.county.name}: {summary.villages} villages, {summary.households} households,"
            f" {summary.residents} residents in {time.monotonic() - started:.1f} s."
        )
        end = options["today"] or timezone.localdate() - timedelta(days=1)
        if options["no_activity"]:
            self.stdout.write(format_logins(summary.logins))
            return
        if options["size"] in SCALE_ENTRIES:
            started = time.monotonic()
            loaded = add_ledger_at_scale(
                county=summary.county,
                entries=SCALE_ENTRIES[options["size"]],
                end=end,
                seed=options["seed"],
                progress=self.stderr.write,
            )
            self.stderr.write(
                f"A year of ledger: {loaded.records:,} records, {loaded.entries:,} entries,"
                f" {loaded.checkpoints:,} checkpoints, {loaded.due:,} records due for posting,"
                f" in {time.monotonic() - started:.1f} s."
            )
        else:
            started = time.monotonic()
            activity = ActivitySize.tiny() if options["size"] == "tiny" else ActivitySize.default()
            made = add_activity(
                county=summary.county,
                seed=options["seed"],
                end=end,
                size=activity,
                progress=self.stderr.write,
            )
            self.stderr.write(
                f"A year of activity: {made} records in {time.monotonic() - started:.1f} s."
            )
        self.stdout.write(format_logins(summary.logins))
