"""API keys: no key, a wrong key or a revoked key gets 401; each key has a rate per minute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from jifen.loans import services as loans
from jifen.loans.models import ApiKey, ApiKeyUsage, BankAccess, LoanApplication
from tests.api.conftest import API_NOW, BankSetup, call
from tests.points import actor

UNAUTHORIZED = {
    "error": {
        "code": "unauthorized",
        "message": "Send a valid, unrevoked API key in the X-API-Key header.",
        "details": [],
    }
}


def operations(bank_api: BankSetup) -> list[tuple[str, str, dict[str, Any] | None]]:
    application = bank_api.application.pk
    return [
        ("GET", f"/households/{bank_api.token}", None),
        ("GET", f"/households/{bank_api.token}/standing", None),
        ("GET", "/applications", None),
        ("GET", f"/applications/{application}", None),
        ("POST", f"/applications/{application}/decision", {"decision": "decline", "reason": "x"}),
    ]


@pytest.mark.parametrize("key", ["none", "empty", "unknown", "no prefix", "revoked"])
def test_without_a_valid_key_every_operation_answers_401(bank_api: BankSetup, key: str) -> None:
    secret: str | None = {
        "none": None,
        "empty": "",
        "unknown": "jfk_" + "x" * 43,
        "no prefix": bank_api.secret.removeprefix("jfk_"),
        "revoked": bank_api.secret,
    }[key]
    if key == "revoked":
        loans.revoke_api_key(actor=actor(bank_api.world.people["county_admin"]), key=bank_api.key)

    for method, path, body in operations(bank_api):
        response = call(method, path, secret, body)
        assert (method, path, response.status_code) == (method, path, 401)
        assert response.json() == UNAUTHORIZED

    # Nothing was read, counted or decided
    assert BankAccess.objects.count() == 0
    assert ApiKeyUsage.objects.count() == 0
    bank_api.application.refresh_from_db()
    assert bank_api.application.status == LoanApplication.Status.SUBMITTED


def test_a_key_is_stored_only_as_a_digest(bank_api: BankSetup) -> None:
    key = ApiKey.objects.get(pk=bank_api.key.pk)
    assert bank_api.secret.startswith(key.prefix)
    assert key.digest == loans.digest_of(bank_api.secret)
    assert bank_api.secret not in str(ApiKey.objects.values().get(pk=key.pk))


def test_a_call_marks_the_key_as_used(bank_api: BankSetup) -> None:
    call("GET", "/applications", bank_api.secret)

    bank_api.key.refresh_from_db()
    assert bank_api.key.last_used_at == API_NOW


def test_past_its_rate_a_key_gets_429_until_the_next_minute(
    bank_api: BankSetup, settings: Any, frozen: time_machine.Traveller
) -> None:
    settings.JIFEN_API_RATE_PER_MINUTE = 3
    frozen.move_to(API_NOW + timedelta(seconds=45))
    for _ in range(3):
        assert call("GET", "/applications", bank_api.secret).status_code == 200

    refused = call("GET", f"/households/{bank_api.token}", bank_api.secret)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "15"
    assert refused.json() == {
        "error": {
            "code": "rate_limited",
            "message": "Too many requests with this key this minute. Try again later.",
            "details": [],
        }
    }
    # The refused request read nothing
    assert not BankAccess.objects.filter(action=BankAccess.Action.LOOKUP).exists()
    # Another bank's key has its own count
    assert call("GET", "/applications", bank_api.other_secret).status_code == 200

    frozen.move_to(API_NOW + timedelta(minutes=1))
    assert call("GET", f"/households/{bank_api.token}", bank_api.secret).status_code == 200
    assert list(
        ApiKeyUsage.objects.filter(key=bank_api.key).order_by("minute").values_list("count")
    ) == [(4,), (1,)]


def test_the_rate_defaults_to_120_a_minute(bank_api: BankSetup) -> None:
    ApiKeyUsage.objects.create(key=bank_api.key, minute=API_NOW, count=119)

    assert call("GET", "/applications", bank_api.secret).status_code == 200
    assert call("GET", "/applications", bank_api.secret).status_code == 429
