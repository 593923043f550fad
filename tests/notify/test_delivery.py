"""``deliver_due``: retries with backoff, leases, and a sent message never sent again."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from jifen.accounts.models import User
from jifen.notify import services
from jifen.notify.backends import FileBackend, SmsError
from jifen.notify.models import Notification, SmsMessage
from jifen.notify.services import LEASE, deliver_due, notify, retry_delay, send_now
from tests.notify.conftest import T0, Recorder, pending, person

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


class Broken:
    def send(self, message: SmsMessage) -> None:
        raise KeyError("oops")


def told(users: list[User], text: str = "投票开始了") -> None:
    """Messages written but not tried yet (as if the process died right after the commit)."""
    notify(users=users, kind=Notification.Kind.VOTE_OPEN, text=text, now=T0)


def test_the_backoff_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    schedule = [retry_delay(n, jitter=0) for n in range(1, 10)]
    assert schedule == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
        timedelta(minutes=16),
        timedelta(minutes=32),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    # A message that fails for weeks still gets a delay (no overflow), an hour or a little more
    assert retry_delay(10_000, jitter=0) == timedelta(hours=1)
    assert retry_delay(3, jitter=0.2) == timedelta(minutes=2, seconds=24)


def test_the_jitter_spreads_retries_by_up_to_a_fifth() -> None:
    delays = {retry_delay(1) for _ in range(50)}
    assert len(delays) > 1
    assert all(timedelta(seconds=30) <= d <= timedelta(seconds=36) for d in delays)


def test_a_failing_message_is_retried_on_the_schedule_until_it_goes(
    recorder: type[Recorder],
) -> None:
    told([person("王丽")])
    recorder.failing = True
    now = T0
    waits = []
    for attempt in range(1, 6):
        assert deliver_due(now=now) == 0
        message = SmsMessage.objects.get()
        assert message.attempts == attempt
        assert message.status == SmsMessage.Status.PENDING
        assert message.last_error == "SmsError: the gateway is down"
        wait = message.next_attempt_at - now
        waits.append(wait)
        # Not due a second before its time; due at its time
        assert deliver_due(now=message.next_attempt_at - SECOND) == 0
        assert SmsMessage.objects.get().attempts == attempt
        now = message.next_attempt_at
    for wait, base in zip(waits, [30, 60, 120, 240, 480], strict=True):
        assert timedelta(seconds=base) <= wait <= timedelta(seconds=base * 1.2)
    recorder.failing = False
    assert deliver_due(now=now) == 1
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts, message.sent_at) == (SmsMessage.Status.SENT, 6, now)
    assert len(recorder.sent) == 1
    # Sent is final: never claimed again, however late
    assert deliver_due(now=now + timedelta(days=30)) == 0
    assert len(recorder.sent) == 1


def test_the_job_sends_earliest_first_up_to_its_limit(recorder: type[Recorder]) -> None:
    users = [person(f"村民{n}") for n in range(5)]
    for n, user in enumerate(users):
        notify(users=[user], kind="result", text=f"结果{n}", now=T0 + n * SECOND)
    assert deliver_due(now=T0 + timedelta(minutes=1), limit=3) == 3
    assert [m.text for m in recorder.sent] == ["结果0", "结果1", "结果2"]
    assert deliver_due(now=T0 + timedelta(minutes=1)) == 2
    assert pending() == 0


def test_messages_not_yet_due_wait(recorder: type[Recorder]) -> None:
    told([person("王丽")])
    assert deliver_due(now=T0 - SECOND) == 0
    assert deliver_due(now=T0) == 1


def test_a_run_stops_after_three_failures_in_a_row(recorder: type[Recorder], caplog: Any) -> None:
    told([person(f"村民{n}") for n in range(10)])
    recorder.failing = True
    with caplog.at_level(logging.WARNING, logger="jifen.notify.services"):
        assert deliver_due(now=T0) == 0
    assert sorted(SmsMessage.objects.values_list("attempts", flat=True)) == [0] * 7 + [1] * 3
    assert "3 failures in a row" in caplog.text
    recorder.failing = False
    assert deliver_due(now=T0) == 7  # the untried ones go at once; the three wait their turn
    assert deliver_due(now=T0 + timedelta(minutes=1)) == 3


def test_a_message_being_sent_is_not_taken_by_another_runner(recorder: type[Recorder]) -> None:
    told([person("王丽")])
    claimed = services._claim(SmsMessage.objects.all(), T0)
    assert claimed is not None
    # Another runner, while the first one sends: nothing due for the length of the lease
    assert services._claim(SmsMessage.objects.all(), T0 + LEASE - SECOND) is None
    assert deliver_due(now=T0 + LEASE - SECOND) == 0
    assert recorder.sent == []


def test_a_runner_that_died_mid_send_is_taken_over_after_its_lease(
    recorder: type[Recorder],
) -> None:
    told([person("王丽")])
    # A runner claims the message and dies before marking it (it may or may not have sent it)
    claimed = services._claim(SmsMessage.objects.all(), T0)
    assert claimed is not None and claimed.attempts == 1
    assert deliver_due(now=T0 + LEASE) == 1
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts) == (SmsMessage.Status.SENT, 2)
    # The retry carries the same key: a gateway that got the first try drops this one
    assert [m.key for m in recorder.sent] == [claimed.key]


def test_a_message_marked_sent_by_one_runner_stays_sent(recorder: type[Recorder]) -> None:
    told([person("王丽")])
    slow = services._claim(SmsMessage.objects.all(), T0)
    assert slow is not None
    # Its lease ran out mid-send; another runner sent it meanwhile
    assert deliver_due(now=T0 + LEASE) == 1
    # The slow one's send then fails: that does not bring a sent message back
    assert services._try(Broken(), slow, lambda: T0 + LEASE + SECOND) is False
    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.SENT
    assert message.sent_at == T0 + LEASE


def test_after_commit_only_a_few_go_at_once(
    recorder: type[Recorder], django_capture_on_commit_callbacks: Any
) -> None:
    users = [person(f"村民{n}") for n in range(services.SEND_AT_ONCE + 5)]
    with django_capture_on_commit_callbacks(execute=True):
        told(users)
    assert len(recorder.sent) == services.SEND_AT_ONCE
    assert pending() == 5
    assert deliver_due(now=T0) == 5


def test_send_now_sends_only_its_own_messages(recorder: type[Recorder]) -> None:
    told([person("王丽")], text="早先的")
    told([person("张强")], text="这一条")
    mine = SmsMessage.objects.filter(text="这一条").values_list("key", flat=True)
    assert send_now(list(mine), now=T0) == 1
    assert [m.text for m in recorder.sent] == ["这一条"]


def test_a_backend_that_breaks_unexpectedly_leaves_the_message_pending(
    settings: Any, alice: User
) -> None:
    settings.JIFEN_SMS_BACKEND = "tests.notify.test_delivery.Broken"
    told([alice])
    assert deliver_due(now=T0) == 0
    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.PENDING
    assert message.last_error == "KeyError: 'oops'"


def test_a_message_failing_for_over_a_day_is_logged_as_an_error(
    recorder: type[Recorder], caplog: Any, alice: User
) -> None:
    told([alice])
    recorder.failing = True
    with caplog.at_level(logging.WARNING, logger="jifen.notify.services"):
        deliver_due(now=T0 + timedelta(hours=23))
        deliver_due(now=T0 + timedelta(days=2))
    levels = [r.levelname for r in caplog.records if "failed" in r.getMessage()]
    assert levels == ["WARNING", "ERROR"]
    assert SmsMessage.objects.get().status == SmsMessage.Status.PENDING  # never given up


def test_the_file_backend_reports_a_file_it_cannot_write(settings: Any, tmp_path: Any) -> None:
    settings.JIFEN_SMS_FILE = str(tmp_path / "missing" / "sms.jsonl")
    message = SmsMessage(phone="13900000000", text="hi", created_at=T0, next_attempt_at=T0)
    with pytest.raises(SmsError, match="cannot write"):
        FileBackend().send(message)


def test_the_database_refuses_a_sent_message_without_its_time(alice: User) -> None:
    told([alice])
    with pytest.raises(IntegrityError), transaction.atomic():
        SmsMessage.objects.update(status=SmsMessage.Status.SENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        SmsMessage.objects.update(sent_at=T0)
