"""A bank's system looks a household up by its door-plate token and reads its standing.

Only under the household's live consent; every look, allowed or refused, is in its access log.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from jifen.loans import selectors
from jifen.loans import services as loans
from jifen.loans.models import BankAccess
from tests.api.conftest import API_NOW, BankSetup, call
from tests.points import actor

HOUSEHOLD = {
    "door_plate": "1-01",
    "village": {"code": "510681101201", "name": "桂花村"},
    "township": {"code": "510681101000", "name": "清平镇"},
    "head": "王**",
}


def consent_message() -> str:
    # The tests' calls ask for English (tests/api/conftest.py).
    return "The household has not given this bank consent to see its points."


def accesses() -> list[tuple[object, ...]]:
    return list(
        BankAccess.objects.order_by("pk").values_list(
            "household_id", "bank_id", "api_key_id", "consent_id", "channel", "action", "allowed"
        )
    )


def test_a_bank_looks_up_a_household_that_consented(bank_api: BankSetup) -> None:
    response = call("GET", f"/households/{bank_api.token}", bank_api.secret)

    assert response.status_code == 200
    assert response.json() == {"token": bank_api.token, **HOUSEHOLD}
    head = bank_api.home.head
    assert head is not None
    # No ID number, no phone number, no full name
    assert head.id_number not in response.content.decode()
    assert head.phone not in response.content.decode()
    assert head.name not in response.content.decode()
    assert accesses() == [
        (
            bank_api.home.pk,
            bank_api.bank.pk,
            bank_api.key.pk,
            bank_api.consent.pk,
            "api",
            "lookup",
            True,
        )
    ]
    assert BankAccess.objects.get().at == API_NOW


def test_a_bank_reads_the_standing_and_what_its_policy_gives(bank_api: BankSetup) -> None:
    response = call("GET", f"/households/{bank_api.token}/standing", bank_api.secret)

    assert response.status_code == 200
    body = response.json()
    checkpoint = body.pop("checkpoint")
    assert body == {
        "household": {"token": bank_api.token, **HOUSEHOLD},
        "as_of": "2026-06-20T09:30:00+08:00",
        "score": 120,
        "rank": 1,
        "ranked_households": 2,
        "stars": 3,
        "policy": {
            "id": bank_api.policy.pk,
            "version": 1,
            "name": "积分贷",
            "base_rate": "4.35",
            "discount_per_100": "0.100",
            "mode": "proportional",
            "max_discount": "1.00",
            "min_stars": 1,
        },
        # 120 points at 0.1 percentage point per 100 points
        "terms": {
            "eligible": True,
            "discount": "0.12",
            "rate": "4.23",
            "credit_line_yuan": 200_000,
        },
    }
    assert checkpoint["tree_size"] == bank_api.application.snapshot["checkpoint"]["tree_size"]
    assert checkpoint["root_hash"] == bank_api.application.snapshot["checkpoint"]["root_hash"]
    assert checkpoint["signed_at"] == "2026-06-18T10:01:00+08:00"
    assert accesses() == [
        (
            bank_api.home.pk,
            bank_api.bank.pk,
            bank_api.key.pk,
            bank_api.consent.pk,
            "api",
            "standing",
            True,
        )
    ]


def test_where_the_bank_has_no_policy_the_standing_has_no_terms(bank_api: BankSetup) -> None:
    bank_api.other_bank.policies.all().delete()
    loans.grant_consent(
        actor=actor(bank_api.world.people["household_head"]),
        household=bank_api.home,
        bank=bank_api.other_bank,
        days=10,
    )

    response = call("GET", f"/households/{bank_api.token}/standing", bank_api.other_secret)

    assert response.status_code == 200
    assert response.json()["policy"] is None
    assert response.json()["terms"] is None
    assert response.json()["stars"] == 3


@pytest.mark.parametrize(("path", "action"), [("", "lookup"), ("/standing", "standing")])
@pytest.mark.parametrize("case", ["never given", "expired", "revoked", "another bank's"])
def test_without_a_live_consent_the_bank_sees_nothing_and_the_refusal_is_logged(
    bank_api: BankSetup, frozen: time_machine.Traveller, path: str, action: str, case: str
) -> None:
    household, secret, key = bank_api.home, bank_api.secret, bank_api.key
    if case == "never given":
        household = bank_api.world.far_home
    elif case == "expired":
        frozen.move_to(bank_api.consent.expires_at + timedelta(seconds=1))
    elif case == "revoked":
        loans.revoke_consent(
            actor=actor(bank_api.world.people["household_head"]), consent=bank_api.consent
        )
    else:
        secret = bank_api.other_secret
        key = loans.key_for_secret(secret)  # type: ignore[assignment]

    response = call("GET", f"/households/{household.public_token}{path}", secret)

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "consent_required", "message": consent_message(), "details": []}
    }
    assert key is not None
    assert accesses() == [(household.pk, key.bank_id, key.pk, None, "api", action, False)]


@pytest.mark.parametrize(("path", "action"), [("", "lookup"), ("/standing", "standing")])
def test_an_unknown_token_is_refused_like_a_missing_consent(
    bank_api: BankSetup, path: str, action: str
) -> None:
    unknown = call("GET", f"/households/NoSuchTokenAtAll0000{path}", bank_api.secret)
    no_consent = call(
        "GET", f"/households/{bank_api.world.far_home.public_token}{path}", bank_api.secret
    )

    assert unknown.status_code == no_consent.status_code == 403
    assert unknown.json() == no_consent.json()
    # Logged, with no household to show it to
    assert accesses()[0] == (None, bank_api.bank.pk, bank_api.key.pk, None, "api", action, False)


def test_a_token_that_cannot_be_one_is_invalid_input(bank_api: BankSetup) -> None:
    response = call("GET", "/households/not!a@token", bank_api.secret)

    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid_request",
            "message": "The request is not valid; see the details.",
            "details": [{"location": "path.token", "message": "This is not a door-plate token."}],
        }
    }
    assert accesses() == []


def test_the_household_sees_every_read_its_bank_made_through_the_api(
    bank_api: BankSetup, frozen: time_machine.Traveller
) -> None:
    call("GET", f"/households/{bank_api.token}", bank_api.secret)
    frozen.shift(timedelta(minutes=1))
    call("GET", f"/households/{bank_api.token}/standing", bank_api.secret)
    call("GET", "/applications", bank_api.secret)
    call("GET", f"/applications/{bank_api.application.pk}", bank_api.secret)
    loans.revoke_consent(
        actor=actor(bank_api.world.people["household_head"]), consent=bank_api.consent
    )
    call("GET", f"/households/{bank_api.token}/standing", bank_api.secret)

    # What the household's own loans page lists, newest first
    seen = selectors.accesses_of(bank_api.home)
    assert [(a.bank.name, a.channel, a.action, a.allowed, a.api_key) for a in seen] == [
        ("青山农商银行", "api", "standing", False, bank_api.key),
        ("青山农商银行", "api", "application", True, bank_api.key),
        ("青山农商银行", "api", "application", True, bank_api.key),
        ("青山农商银行", "api", "standing", True, bank_api.key),
        ("青山农商银行", "api", "lookup", True, bank_api.key),
    ]
    assert [a.at for a in seen][-2:] == [API_NOW + timedelta(minutes=1), API_NOW]
