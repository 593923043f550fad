"""A bank's system authenticates with its API key, sent in the X-API-Key header.

Each request also counts against the key's minute, so that one bank's runaway script cannot
crowd out the others; the count lives in the database, shared by every web worker.
"""

from __future__ import annotations

import math
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader

from jifen.api.errors import RateLimited
from jifen.loans.models import ApiKey, BankAccess
from jifen.loans.services import Viewer, count_request, key_for_secret

DEFAULT_RATE_PER_MINUTE = 120


def rate_per_minute() -> int:
    return int(getattr(settings, "JIFEN_API_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))


def seconds_to_next_minute(now: datetime) -> int:
    into_minute = now.second + now.microsecond / 1_000_000
    return max(1, math.ceil(60 - into_minute))


class BankKey(APIKeyHeader):
    """Authenticates the key and applies its rate limit.

    The limit is checked here rather than in a ninja throttle because a throttle reports its
    wait through shared state on the throttle object, which concurrent requests would race on.
    """

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        api_key = key_for_secret(key) if key else None
        if api_key is None:
            return None  # ninja answers 401
        now = timezone.now()
        if count_request(api_key, now) > rate_per_minute():
            raise RateLimited(retry_after=seconds_to_next_minute(now))
        return api_key


def viewer_of(request: HttpRequest) -> Viewer:
    """The bank's system behind an authenticated request, as the consent gate sees it."""
    api_key = getattr(request, "auth", None)  # set by ninja once BankKey accepted the key
    assert isinstance(api_key, ApiKey)
    return Viewer(bank=api_key.bank, channel=BankAccess.Channel.API, api_key=api_key)
