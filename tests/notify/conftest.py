"""Accounts to tell, and the SMS backends the tests read back: a file, a recorder, a failure.

The page tests read the English messages: they ask for the ``in_english`` fixture.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from jifen.accounts.models import User
from jifen.notify.backends import SmsError
from jifen.notify.models import SmsMessage
from tests import factories

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def in_english(client: Client, settings: Any) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def person(name: str, phone: str | None = None) -> User:
    return User.objects.create_user(phone=factories.phone() if phone is None else phone, name=name)


@pytest.fixture
def alice(db: None) -> User:
    return person("王丽")


@pytest.fixture
def bob(db: None) -> User:
    return person("张强")


@pytest.fixture
def sms_file(settings: Any, tmp_path: Path) -> Path:
    """Messages go to a JSON-lines file; the path returned."""
    path = tmp_path / "sms.jsonl"
    settings.JIFEN_SMS_BACKEND = "jifen.notify.backends.FileBackend"
    settings.JIFEN_SMS_FILE = str(path)
    return path


def lines(path: Path) -> list[dict[str, str]]:
    """What the file backend wrote, in order."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class Recorder:
    """A backend that keeps what it is given; ``failing`` makes every send raise, ``delay``
    makes every send take that long (in seconds)."""

    sent: list[SmsMessage] = []
    failing = False
    delay = 0.0
    lock = threading.Lock()

    def send(self, message: SmsMessage) -> None:
        if Recorder.failing:
            raise SmsError("the gateway is down")
        time.sleep(Recorder.delay)
        with Recorder.lock:
            Recorder.sent.append(message)


@pytest.fixture
def recorder(settings: Any) -> Iterator[type[Recorder]]:
    settings.JIFEN_SMS_BACKEND = "tests.notify.conftest.Recorder"
    Recorder.sent, Recorder.failing, Recorder.delay = [], False, 0.0
    yield Recorder
    Recorder.sent, Recorder.failing, Recorder.delay = [], False, 0.0


def pending() -> int:
    return SmsMessage.objects.filter(status=SmsMessage.Status.PENDING).count()
