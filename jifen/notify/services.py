"""Telling people: one call, ``notify``, inside the transaction of the change it reports.

``notify`` writes the in-app notifications and, for SMS, one outbox row (``SmsMessage``) per
recipient with a phone, in the caller's transaction: if that transaction rolls back, nothing
was said and nothing will be sent. Once it commits, ``send_now`` tries those messages at once
(best effort, a few of them, stopping at the first failure); whatever is left is sent by the
scheduled job ``deliver_due``.

How a message is sent, and never lost nor sent twice
----------------------------------------------------

Each try is three short steps, and no database lock is held during the network call:

1. Claim, in its own transaction: take the earliest due pending message (on PostgreSQL
   ``SELECT … FOR UPDATE SKIP LOCKED``, so parallel runners take different rows; on SQLite every
   write transaction starts ``IMMEDIATE``, so claims queue), count the attempt, and move its
   ``next_attempt_at`` forward by ``LEASE``. Commit. For the length of the lease no other runner
   sees the message as due.
2. Send it through the backend, outside any transaction.
3. Mark it: sent (``status=sent``, ``sent_at``), or on failure keep it pending with
   ``next_attempt_at`` after an exponential backoff with jitter: 30 s, 1 min, 2 min, 4 min …
   capped at an hour (each plus up to 20%). Both updates apply only to a pending row, and a sent
   row is never claimed again: ``sent`` is final.

Never lost: a message leaves the pending state only by being sent. Whatever fails — the
gateway, the network, this process between steps — the row stays pending and comes due again:
after its backoff, or after its lease if the process died. We never give up: a message keeps
being tried every hour or so, and each failure is logged (as an error once the message has
waited longer than ``OVERDUE``), so a broken gateway is loud rather than silent. The in-app
notification is there all along.

Never sent twice: the only way a message can reach the gateway a second time is a retry after
an ambiguous failure — the gateway took it but we timed out or lost the connection, or we
crashed (or lost the database) after sending and before marking it, or a send outlasted its
lease. Every try of a message carries the same ``key`` as its ``id`` and its
``Idempotency-Key`` header, and the gateway accepts a key once: the repeat is answered with
success and not delivered again. A message known to be sent is never tried again (step 3), and
while one runner holds the lease no other one takes it (step 1). ``LEASE`` must stay well
above the gateway timeout; a send that outlasts it anyway is still harmless, for the same
reason.

A run of ``deliver_due`` stops after ``STOP_AFTER_FAILURES`` failures in a row: when the
gateway is down, the other scheduled jobs should not wait for hundreds of timeouts.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jifen.accounts.models import User
from jifen.notify.backends import SmsBackend, get_backend
from jifen.notify.models import Notification, SmsMessage

logger = logging.getLogger(__name__)

TEXT_LENGTH = 200
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
JITTER = 0.2
OVERDUE = timedelta(days=1)
SEND_AT_ONCE = 20
STOP_AFTER_FAILURES = 3

Clock = Callable[[], datetime]


def notify(
    *,
    users: Iterable[User],
    kind: str,
    text: str,
    url: str = "",
    sms: bool = True,
    now: datetime | None = None,
) -> None:
    """Tell ``users`` in the app and, when ``sms``, by SMS once the transaction commits.

    Each user is told once, however often they appear. Accounts without a phone, and closed
    accounts, get the in-app notification only.
    """
    kind = Notification.Kind(kind)
    at = now or timezone.now()
    recipients = list({user.pk: user for user in users}.values())
    Notification.objects.bulk_create(
        Notification(user=user, kind=kind, text=text[:TEXT_LENGTH], url=url, created_at=at)
        for user in recipients
    )
    if not sms:
        return
    outbox = [
        SmsMessage(
            user=user, phone=user.phone, text=text[:TEXT_LENGTH], created_at=at, next_attempt_at=at
        )
        for user in recipients
        if can_receive_sms(user)
    ]
    if outbox:
        SmsMessage.objects.bulk_create(outbox)
        keys = [message.key for message in outbox]
        transaction.on_commit(partial(send_now, keys, now=now), robust=True)


def can_receive_sms(user: User) -> bool:
    return user.is_active and bool(user.phone.strip())


def send_now(keys: Collection[UUID], *, now: datetime | None = None) -> int:
    """Right after commit: try these messages, a few and until one fails; the job sends the rest."""
    clock = _clock(now)
    backend = get_backend()
    sent = 0
    for _ in range(min(len(keys), SEND_AT_ONCE)):
        message = _claim(SmsMessage.objects.filter(key__in=keys), clock())
        if message is None or not _try(backend, message, clock):
            break
        sent += 1
    return sent


def deliver_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """The scheduled job: send up to ``limit`` due messages; the number sent."""
    clock = _clock(now)
    backend = get_backend()
    sent = failures_in_a_row = 0
    for _ in range(limit):
        message = _claim(SmsMessage.objects.all(), clock())
        if message is None:
            break
        if _try(backend, message, clock):
            sent += 1
            failures_in_a_row = 0
            continue
        failures_in_a_row += 1
        if failures_in_a_row >= STOP_AFTER_FAILURES:
            logger.warning(
                "SMS: %d failures in a row; the rest wait for the next run", STOP_AFTER_FAILURES
            )
            break
    return sent


def retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th failed try (``jitter`` in [0, JITTER])."""
    doubled = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20)
    spread = random.uniform(0, JITTER) if jitter is None else jitter  # noqa: S311 (not a secret)
    delay: timedelta = min(doubled, LONGEST_RETRY) * (1 + spread)
    return delay


def _clock(now: datetime | None) -> Clock:
    return (lambda: now) if now is not None else timezone.now


def _claim(messages: QuerySet[SmsMessage], now: datetime) -> SmsMessage | None:
    """Take the earliest due message among ``messages`` for one try, under a lease."""
    with transaction.atomic():
        message = (
            messages.filter(status=SmsMessage.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        message.next_attempt_at = now + LEASE
        message.save(update_fields=["attempts", "next_attempt_at"])
        return message


def _try(backend: SmsBackend, message: SmsMessage, clock: Clock) -> bool:
    """Send a claimed message and record how it went: whether it was sent."""
    try:
        backend.send(message)
    except Exception as error:
        at = clock()
        retry_at = at + retry_delay(message.attempts)
        SmsMessage.objects.filter(pk=message.pk, status=SmsMessage.Status.PENDING).update(
            next_attempt_at=retry_at, last_error=f"{type(error).__name__}: {error}"[:500]
        )
        level = logging.ERROR if at - message.created_at > OVERDUE else logging.WARNING
        logger.log(
            level,
            "SMS %s failed (try %d, waiting since %s), next try at %s: %s",
            message.key,
            message.attempts,
            message.created_at.isoformat(),
            retry_at.isoformat(),
            error,
        )
        return False
    SmsMessage.objects.filter(pk=message.pk, status=SmsMessage.Status.PENDING).update(
        status=SmsMessage.Status.SENT, sent_at=clock()
    )
    return True


# Reading notifications


def mark_read(*, user: User, notification: Notification, now: datetime | None = None) -> None:
    Notification.objects.filter(pk=notification.pk, user=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


def mark_all_read(*, user: User, now: datetime | None = None) -> int:
    """Mark every unread notification of ``user`` read; how many there were."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
