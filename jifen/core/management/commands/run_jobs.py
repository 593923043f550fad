"""The scheduled jobs: post records whose notice has closed, sign daily checkpoints, lapse
uncollected supermarket orders and, in a new year, unspent points where a village says so;
open and close votes whose window has come and remind those who have not voted a day before
the close; send the text messages waiting in the outbox, retrying failed ones with backoff.

Once a day (and at start): open the disclosure periods that have begun and flag overdue ones,
tell households whose black-list entry expired, verify every village's ledger, seal the
dashboards' finished months and compute the fairness flags.

Run it as a long-lived process (``make demo`` starts one), or from cron with ``--once``. Every
job is idempotent and crash-safe, so two runners or a restart mid-run do no harm.
"""

from __future__ import annotations

import signal
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from jifen.campaigns.services import tell_expired
from jifen.disclosure.services import notify_overdue, open_periods
from jifen.fairness.services import compute_all_flags
from jifen.ledger.services import create_due_checkpoints, post_due_records
from jifen.loans.services import forget_old_usage
from jifen.market.services import lapse_due_spendable, lapse_uncollected_orders
from jifen.notify.services import deliver_due
from jifen.oversight.services import check_ledgers, seal_months
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
        last_daily: date | None = None
        while True:
            close_old_connections()
            if last_daily != timezone.localdate():
                last_daily = timezone.localdate()
                self.run_daily()
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

    def run_daily(self) -> None:
        periods = open_periods()
        overdue = notify_overdue()
        expired = tell_expired()
        ledgers = check_ledgers()
        months = seal_months()
        flags = compute_all_flags()
        self.stdout.write(
            f"daily: opened {periods} disclosure periods, flagged {overdue} overdue, told "
            f"{expired} households of expired black-list entries, checked {ledgers} ledgers, "
            f"sealed {months} village months, {flags} fairness flags fire"
        )
