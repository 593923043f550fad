"""The scheduled jobs: post records whose notice has closed, and sign daily checkpoints.

Run it as a long-lived process (``make demo`` starts one), or from cron with ``--once``. Both
jobs are idempotent and crash-safe, so two runners or a restart mid-run do no harm.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from jifen.ledger.services import create_due_checkpoints, post_due_records


class Command(BaseCommand):
    help = "Post records whose public notice has closed and sign daily checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run each job once and exit")
        parser.add_argument("--interval", type=int, default=60, help="seconds between runs")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            close_old_connections()
            posted = post_due_records()
            signed = create_due_checkpoints()
            if posted or signed:
                self.stdout.write(f"posted {posted} records, signed {signed} checkpoints")
            if options["once"] or stopping:
                return
            for _ in range(options["interval"]):
                if stopping:
                    return
                time.sleep(1)
