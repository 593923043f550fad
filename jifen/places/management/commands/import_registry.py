"""Import a village roster from the command line: the same checks and report as the web page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from jifen.places.models import Place
from jifen.places.services import RosterPlan, check_roster_upload, import_roster_upload


class Command(BaseCommand):
    help = (
        "Check a roster (.xlsx or .csv) and import it into a village; "
        "nothing is imported if any row has a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--village", required=True, help="12-digit code of the village")
        parser.add_argument(
            "--check-only", action="store_true", help="check and report, import nothing"
        )
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(options["language"])
        village = Place.objects.filter(code=options["village"], kind=Place.Kind.VILLAGE).first()
        if village is None:
            raise CommandError(f"No village has the code {options['village']}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")

        checked = check_roster_upload(
            actor=None,
            village=village,
            filename=path.name,
            content=path.read_bytes(),
            progress=self.progress("checking"),
        )
        self.stderr.write("")
        if not checked.plan.is_valid:
            for problem in checked.plan.problems:
                row = problem.row if problem.row is not None else "-"
                self.stdout.write(f"row {row}\t{problem.column or '-'}\t{problem.message}")
            raise CommandError(f"{len(checked.plan.problems)} problem(s); nothing was imported.")
        if options["check_only"]:
            self.report("would import", checked.plan)
            return
        imported = import_roster_upload(
            actor=None, upload=checked.upload, progress=self.progress("importing")
        )
        self.stderr.write("")
        self.report("imported", imported.plan)

    def progress(self, stage: str) -> Any:
        def show(done: int, total: int) -> None:
            if sys.stderr.isatty() or done == total:
                self.stderr.write(f"\r{stage}: {done}/{total} rows", ending="")
                self.stderr.flush()

        return show

    def report(self, verb: str, plan: RosterPlan) -> None:
        line = (
            "{verb}: households {households_added} added, {households_changed} changed, "
            "{households_unchanged} unchanged; residents {residents_added} added, "
            "{residents_changed} changed, {residents_unchanged} unchanged"
        )
        counts = plan.counts()
        self.stdout.write(line.format(verb=verb, **counts))
        if counts["residents_not_in_file"]:
            self.stdout.write(
                "{residents_not_in_file} registered residents are not in the file "
                "and stay as registered".format(**counts)
            )
