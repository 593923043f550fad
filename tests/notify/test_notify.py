"""``notify``: in-app notifications always, text messages only once the transaction commits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from jifen.accounts.models import User
from jifen.notify.models import Notification, SmsMessage
from jifen.notify.services import deliver_due, notify
from tests.notify.conftest import T0, Recorder, lines, pending, person

pytestmark = pytest.mark.django_db

REPLY = Notification.Kind.REPLY


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_nothing_is_stored_or_sent_when_the_transaction_rolls_back(sms_file: Path) -> None:
    users = [person("王丽"), person("张强")]
    with pytest.raises(Boom), transaction.atomic():
        notify(users=users, kind=REPLY, text="村委会回复了您的事项", url="/matters/1/")
        assert SmsMessage.objects.count() == 2  # written, inside the transaction
        raise Boom
    assert Notification.objects.count() == 0
    assert SmsMessage.objects.count() == 0
    assert lines(sms_file) == []
    # and the job finds nothing either
    assert deliver_due() == 0
    assert lines(sms_file) == []


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_backend_receives_exactly_the_messages(sms_file: Path) -> None:
    users = [person("王丽"), person("张强"), person("李明")]
    with transaction.atomic():
        notify(users=users, kind=REPLY, text="村委会回复了您的事项", url="/matters/1/")
        assert lines(sms_file) == []  # not before the commit
    messages = list(SmsMessage.objects.order_by("user_id"))
    assert lines(sms_file) == [
        {"to": user.phone, "text": "村委会回复了您的事项", "id": str(message.key)}
        for user, message in zip(users, messages, strict=True)
    ]
    assert [m.status for m in messages] == [SmsMessage.Status.SENT] * 3
    assert [m.attempts for m in messages] == [1, 1, 1]
    assert all(m.sent_at is not None for m in messages)
    # Already sent: the job sends nothing again
    assert deliver_due() == 0
    assert len(lines(sms_file)) == 3
    assert Notification.objects.filter(read_at__isnull=True).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_later_rollback_of_the_outer_transaction_sends_nothing(sms_file: Path) -> None:
    alice = person("王丽")
    with pytest.raises(Boom), transaction.atomic():
        with transaction.atomic():  # the service's own transaction, nested in a view's
            notify(users=[alice], kind=REPLY, text="回复")
        raise Boom
    assert SmsMessage.objects.count() == 0
    assert lines(sms_file) == []


def test_users_without_a_phone_and_closed_accounts_are_told_in_the_app_only(
    recorder: type[Recorder], django_capture_on_commit_callbacks: Any
) -> None:
    with_phone = person("王丽")
    without_phone = person("张强", phone="")
    closed = person("李明")
    closed.is_active = False
    closed.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[with_phone, without_phone, closed], kind=REPLY, text="回复", now=T0)
    assert sorted(Notification.objects.values_list("user__name", flat=True)) == sorted(
        ["王丽", "张强", "李明"]
    )
    assert list(SmsMessage.objects.values_list("user", "phone")) == [
        (with_phone.pk, with_phone.phone)
    ]
    assert [m.phone for m in recorder.sent] == [with_phone.phone]


def test_someone_named_twice_is_told_once(
    alice: User, bob: User, recorder: type[Recorder], django_capture_on_commit_callbacks: Any
) -> None:
    again = User.objects.get(pk=alice.pk)  # the same account, another object
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[alice, bob, again, alice], kind=REPLY, text="回复", url="/x/", now=T0)
    assert Notification.objects.filter(user=alice).count() == 1
    assert Notification.objects.filter(user=bob).count() == 1
    assert SmsMessage.objects.filter(user=alice).count() == 1
    assert sorted(m.phone for m in recorder.sent) == sorted([alice.phone, bob.phone])


def test_in_app_only_when_sms_is_off(
    alice: User, recorder: type[Recorder], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(users=[alice], kind=REPLY, text="回复", sms=False, now=T0)
    assert callbacks == []
    assert Notification.objects.get().text == "回复"
    assert SmsMessage.objects.count() == 0


def test_the_notification_keeps_what_it_was_given(alice: User, recorder: type[Recorder]) -> None:
    notify(users=[alice], kind="vote_open", text="投票开始了" * 50, url="/votes/3/", now=T0)
    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.VOTE_OPEN
    assert notification.url == "/votes/3/"
    assert notification.created_at == T0
    assert notification.read_at is None
    assert len(notification.text) == 200
    message = SmsMessage.objects.get()
    assert (message.created_at, message.next_attempt_at, message.attempts) == (T0, T0, 0)
    assert message.text == notification.text


def test_an_unknown_kind_is_refused(alice: User) -> None:
    with pytest.raises(ValueError, match="nonsense"):
        notify(users=[alice], kind="nonsense", text="?")
    assert Notification.objects.count() == 0


def test_after_commit_a_failure_leaves_the_messages_for_the_job(
    alice: User, bob: User, recorder: type[Recorder], django_capture_on_commit_callbacks: Any
) -> None:
    recorder.failing = True
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[alice, bob], kind=REPLY, text="回复", now=T0)
    # The first one failed; the second was not tried (the gateway looks down)
    assert sorted(SmsMessage.objects.values_list("attempts", flat=True)) == [0, 1]
    assert pending() == 2
    recorder.failing = False
    assert deliver_due(now=T0) == 1  # the untried one; the failed one waits for its retry
    assert deliver_due(now=T0.replace(hour=9)) == 1
    assert pending() == 0
    assert sorted(m.phone for m in recorder.sent) == sorted([alice.phone, bob.phone])


def test_the_console_backend_is_the_default(
    alice: User, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[alice], kind=REPLY, text="回复", now=T0)
    message = SmsMessage.objects.get()
    assert capsys.readouterr().out == f"SMS to {alice.phone} [{message.key}]: 回复\n"
    assert message.status == SmsMessage.Status.SENT
