"""The scheduled jobs: post records whose notice has closed, sign daily checkpoints, lapse
uncollected supermarket orders and, in a new year, unspent points where a village says so;
open and close votes whose window has come and remind those who have not voted a day before
the close; send the text messages waiting in the outbox, retrying failed ones with backoff.

Run it as a long-lived process (``make demo`` starts one), or from cron with ``--once``. Every
job is idempotent and crash-safe, so two runners or a restart mid-run do no harm.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from jifen.ledger.services import create_due_checkpoints, post_due_records
from jifen.loans.services import forget_old_usage
from jifen.market.services import lapse_due_spendable, lapse_uncollected_orders
from jifen.notify.services import deliver_due
from jifen.votes.services import run_due as run_votes


class Command(BaseCommand):
    help = "Post due records, sign daily checkpoints, lapse uncollected orders and old points."

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
            orders = lapse_uncollected_orders()
            years = lapse_due_spendable()
            signed = create_due_checkpoints()
            forget_old_usage()
            votes = run_votes()
            # Last, so that the messages the jobs above wrote go out in the same pass.
            texts = deliver_due()
            if posted or orders or years or signed or votes.closed or texts:
                self.stdout.write(
                    f"posted {posted} records, lapsed {orders} orders and {years} villages' "
                    f"unspent points, signed {signed} checkpoints, opened {votes.opened} and "
                    f"closed {votes.closed} votes, sent {texts} text messages"
                )
            if options["once"] or stopping:
                return
            for _ in range(options["interval"]):
                if stopping:
                    return
                time.sleep(1)
