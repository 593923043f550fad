"""The HTTP gateway backend, against a local gateway that fails sometimes.

The key test sends fifty messages through ``notify`` and the job while the gateway answers
500, hangs up, or accepts and then answers too late or not at all; every message must reach
it exactly once, and all end up marked sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from jifen.notify.backends import HttpGatewayBackend, SmsError
from jifen.notify.models import Notification, SmsMessage
from jifen.notify.services import deliver_due, notify
from tests.notify.conftest import T0, pending, person
from tests.notify.fake_gateway import API_KEY, FakeGateway

pytestmark = pytest.mark.django_db

TIMEOUT = 0.2


@pytest.fixture
def gateway_for(settings: Any, monkeypatch: Any) -> Iterator[Callable[..., FakeGateway]]:
    """Start a fake gateway with a pattern of behaviours and point the backend at it."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    started: list[FakeGateway] = []

    def start(*pattern: str) -> FakeGateway:
        gateway = FakeGateway(list(pattern), slow_seconds=TIMEOUT * 3).start()
        started.append(gateway)
        settings.JIFEN_SMS_BACKEND = "jifen.notify.backends.HttpGatewayBackend"
        settings.JIFEN_SMS_GATEWAY_URL = gateway.url
        settings.JIFEN_SMS_GATEWAY_KEY = API_KEY
        settings.JIFEN_SMS_GATEWAY_TIMEOUT = TIMEOUT
        return gateway

    yield start
    for gateway in started:
        gateway.stop()


def message(text: str = "投票开始了") -> SmsMessage:
    return SmsMessage(phone="13900000001", text=text, created_at=T0, next_attempt_at=T0)


def test_the_backend_posts_the_message_as_json_with_its_key(
    gateway_for: Callable[..., FakeGateway],
) -> None:
    gateway = gateway_for("ok")
    sms = message()
    HttpGatewayBackend().send(sms)
    [seen] = gateway.requests
    assert seen.body == {"to": "13900000001", "text": "投票开始了", "id": str(sms.key)}
    assert seen.key == str(sms.key)
    assert seen.authorization == f"Bearer {API_KEY}"
    assert seen.content_type == "application/json; charset=utf-8"
    assert gateway.accepted == [str(sms.key)]


@pytest.mark.parametrize(
    ("behaviour", "error", "accepted"),
    [
        ("error", "gateway answered 500", False),
        ("redirect", "gateway answered 302", False),
        ("hang_up", "gateway unreachable", False),
        ("accept_and_hang_up", "gateway unreachable", True),
        ("slow", "gateway unreachable", True),
    ],
)
def test_any_doubt_is_an_error(
    gateway_for: Callable[..., FakeGateway], behaviour: str, error: str, accepted: bool
) -> None:
    gateway = gateway_for(behaviour)
    with pytest.raises(SmsError, match=error):
        HttpGatewayBackend().send(message())
    gateway.settle()
    assert len(gateway.requests) == 1  # a redirect is not followed
    assert bool(gateway.accepted) is accepted


def test_a_wrong_key_is_an_error(gateway_for: Callable[..., FakeGateway], settings: Any) -> None:
    gateway_for("ok")
    settings.JIFEN_SMS_GATEWAY_KEY = "wrong"
    with pytest.raises(SmsError, match="gateway answered 401"):
        HttpGatewayBackend().send(message())


def test_a_gateway_that_is_not_there_is_an_error(settings: Any) -> None:
    gateway = FakeGateway(["ok"])
    url = gateway.url
    gateway.server.server_close()  # nothing listens on that port now
    settings.JIFEN_SMS_GATEWAY_URL = url
    with pytest.raises(SmsError, match="gateway unreachable"):
        HttpGatewayBackend().send(message())


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "ftp://example.com/"])
def test_the_gateway_url_must_be_http(settings: Any, url: str) -> None:
    settings.JIFEN_SMS_GATEWAY_URL = url
    with pytest.raises(ImproperlyConfigured):
        HttpGatewayBackend()


def test_fifty_messages_through_a_flaky_gateway_arrive_exactly_once(
    gateway_for: Callable[..., FakeGateway], django_capture_on_commit_callbacks: Any
) -> None:
    gateway = gateway_for(
        "ok", "error", "slow", "ok", "hang_up", "accept_and_hang_up", "ok", "ok", "error"
    )
    users = [person(f"村民{n:02d}") for n in range(50)]
    # Five changes, each telling ten people; each commit tries its messages at once
    for batch in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            notify(
                users=users[batch * 10 : (batch + 1) * 10],
                kind=Notification.Kind.VOTE_OPEN,
                text=f"第{batch + 1}号表决开始了",
                now=T0 + timedelta(minutes=batch),
            )
    assert 0 < pending() < 50  # some went at once, the others wait for the job
    # The job, every two hours (past any backoff) until nothing is left
    now, runs = T0, 0
    while pending():
        runs += 1
        assert runs <= 20, "messages stuck"
        now += timedelta(hours=2)
        deliver_due(now=now)
    gateway.settle()

    outbox = {str(key): phone for key, phone in SmsMessage.objects.values_list("key", "phone")}
    assert len(outbox) == 50
    # Every message reached the gateway exactly once
    assert len(gateway.accepted) == 50
    assert set(gateway.accepted) == set(outbox)
    # The ambiguous failures were tried again, and the gateway dropped the repeats
    assert gateway.repeats > 0
    behaviours = Counter(seen.behaviour for seen in gateway.requests)
    assert behaviours.keys() == {"ok", "error", "slow", "hang_up", "accept_and_hang_up"}
    # Every try was the same message under the same key
    for seen in gateway.requests:
        assert seen.body["id"] == seen.key
        assert seen.body["to"] == outbox[seen.key]
    tries = Counter(seen.key for seen in gateway.requests)
    failed = {seen.key for seen in gateway.requests if seen.behaviour != "ok"}
    assert failed
    for sms in SmsMessage.objects.all():
        key = str(sms.key)
        assert sms.status == SmsMessage.Status.SENT
        assert sms.sent_at is not None
        assert sms.attempts == tries[key]
        assert (sms.attempts > 1) is (key in failed)
