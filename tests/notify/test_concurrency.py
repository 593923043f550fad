"""Several job runners at once (PostgreSQL only): each message is taken by one runner only.

The claim (``FOR UPDATE SKIP LOCKED`` and a lease) is what keeps two runners from sending the
same message; this test uses a backend with no duplicate protection of its own, so any
double claim would show as a message sent twice.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from jifen.notify.models import Notification, SmsMessage
from jifen.notify.services import deliver_due, notify
from tests.ledger.test_concurrency import run_together
from tests.notify.conftest import T0, Recorder, person

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real parallel connections: SQLite serialises every write transaction",
    ),
]


def test_eight_runners_send_a_hundred_messages_once_each(recorder: type[Recorder]) -> None:
    users = [person(f"村民{n:03d}") for n in range(100)]
    # Written at T0 and not tried yet (the process died right after the commit, say)
    notify(users=users, kind=Notification.Kind.RESULT, text="表决结果已公布", now=T0, sms=False)
    SmsMessage.objects.bulk_create(
        SmsMessage(
            user=user, phone=user.phone, text="表决结果已公布", created_at=T0, next_attempt_at=T0
        )
        for user in users
    )
    recorder.delay = 0.005  # long enough for the runners to overlap

    counts, _ = run_together(8, lambda _: deliver_due(now=T0, limit=100))

    assert sum(counts) == 100
    assert sum(1 for count in counts if count) > 1  # the work was shared
    sends = Counter(message.key for message in recorder.sent)
    assert len(sends) == 100
    assert set(sends.values()) == {1}
    assert set(SmsMessage.objects.values_list("status", "attempts")) == {
        (SmsMessage.Status.SENT, 1)
    }
