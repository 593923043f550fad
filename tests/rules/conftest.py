from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from jifen.accounts.actors import Actor
from jifen.accounts.models import User


@pytest.fixture(autouse=True)
def in_english(client: Client, settings: Any) -> Iterator[None]:
    """These tests read the English messages; the Chinese catalogue is checked elsewhere."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def acting(user: User) -> Actor:
    """The actor of ``user`` in their only role."""
    return Actor(user=user, grant=user.grants.select_related("place").get())
