"""A bank lists, reads and decides the loan applications made to it, under consent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from jifen.accounts.models import Role
from jifen.audit.models import AuditEvent
from jifen.loans import services as loans
from jifen.loans.models import LoanApplication
from jifen.places.models import Place
from tests import factories
from tests.api.conftest import API_NOW, POSTED, BankSetup, call
from tests.api.test_households import HOUSEHOLD, accesses, consent_message
from tests.points import actor


def not_found() -> dict[str, Any]:
    return {
        "error": {
            "code": "not_found",
            "message": "There is no such resource for this bank.",
            "details": [],
        }
    }


def invalid(*details: tuple[str, str]) -> dict[str, Any]:
    return {
        "error": {
            "code": "invalid_request",
            "message": "The request is not valid; see the details.",
            "details": [{"location": where, "message": what} for where, what in details],
        }
    }


def unchanged(application: LoanApplication) -> bool:
    before = application.status
    application.refresh_from_db()
    return (
        application.status == before
        and application.decided_at is None
        and not AuditEvent.objects.filter(action__in=["loans.approved", "loans.declined"]).exists()
    )


# The list


def test_the_list_shows_consented_applications_in_full_and_others_as_stubs(
    bank_api: BankSetup,
) -> None:
    response = call("GET", "/applications", bank_api.secret)

    assert response.status_code == 200
    assert response.json() == {
        "total": 2,
        "limit": 20,
        "offset": 0,
        "items": [
            {
                "id": bank_api.application.pk,
                "status": "submitted",
                "applied_at": "2026-06-18T11:01:00+08:00",
                "visible": True,
                "household": {"token": bank_api.token, **HOUSEHOLD},
                "amount_yuan": 50_000,
                "purpose": "购买农机",
                "stars": 3,
                "rate": "4.23",
            },
            {
                "id": bank_api.hidden_application.pk,
                "status": "submitted",
                "applied_at": "2026-06-18T12:01:00+08:00",
                "visible": False,
                "household": None,
                "amount_yuan": None,
                "purpose": None,
                "stars": None,
                "rate": None,
            },
        ],
    }
    # One line per household in each household's log: the look, and the refusal
    assert accesses() == [
        (
            bank_api.home.pk,
            bank_api.bank.pk,
            bank_api.key.pk,
            bank_api.consent.pk,
            "api",
            "application",
            True,
        ),
        (
            bank_api.world.neighbour_home.pk,
            bank_api.bank.pk,
            bank_api.key.pk,
            None,
            "api",
            "application",
            False,
        ),
    ]


def test_the_list_filters_by_status_and_pages(bank_api: BankSetup) -> None:
    second = call("GET", "/applications?limit=1&offset=1", bank_api.secret).json()
    declined = call("GET", "/applications?status=declined", bank_api.secret).json()
    submitted = call("GET", "/applications?status=submitted&limit=5", bank_api.secret).json()

    assert (second["total"], second["limit"], second["offset"]) == (2, 1, 1)
    assert [item["id"] for item in second["items"]] == [bank_api.hidden_application.pk]
    assert declined == {"total": 0, "limit": 20, "offset": 0, "items": []}
    assert [item["id"] for item in submitted["items"]] == [
        bank_api.application.pk,
        bank_api.hidden_application.pk,
    ]


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("limit=0", "query.limit"),
        ("limit=101", "query.limit"),
        ("offset=-1", "query.offset"),
        ("status=lost", "query.status"),
        ("limit=ten", "query.limit"),
    ],
)
def test_bad_list_parameters_are_invalid_input(
    bank_api: BankSetup, query: str, location: str
) -> None:
    response = call("GET", f"/applications?{query}", bank_api.secret)

    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid_request"
    assert [detail["location"] for detail in body["error"]["details"]] == [location]
    assert accesses() == []


def test_an_unknown_parameter_is_refused_rather_than_ignored(bank_api: BankSetup) -> None:
    # A misspelt filter would otherwise list everything
    response = call("GET", "/applications?state=declined", bank_api.secret)

    assert response.status_code == 422
    assert response.json() == invalid(("query.state", "This parameter is not known."))
    assert accesses() == []


def test_another_banks_key_does_not_list_this_banks_applications(bank_api: BankSetup) -> None:
    response = call("GET", "/applications", bank_api.other_secret)

    assert response.json() == {"total": 0, "limit": 20, "offset": 0, "items": []}
    assert accesses() == []


def applicant(bank_api: BankSetup, village: Place, plate: str, *, consents: bool) -> None:
    """A new household of ``village`` applies to the bank, letting it see or not."""
    home = factories.household(village, plate, f"张{plate}")
    head = actor(factories.account(f"张{plate}", Role.HOUSEHOLD_HEAD, village, resident=home.head))
    consent = loans.grant_consent(
        actor=head, household=home, bank=bank_api.bank, days=30, now=POSTED
    )
    loans.apply_for_loan(
        actor=head, household=home, bank=bank_api.bank, amount_yuan=1000, purpose="买种子"
    )
    if not consents:
        loans.revoke_consent(actor=head, consent=consent)


@pytest.mark.parametrize("query", ["", "?status=submitted&limit=100"])
def test_the_list_takes_the_same_number_of_queries_for_any_number_of_households(
    bank_api: BankSetup, django_assert_num_queries: Any, query: str
) -> None:
    url = f"/applications{query}"
    call("GET", url, bank_api.secret)  # the minute's first call counts with an insert
    # The key and its count (7 with savepoints); the count, the page, the consents, the log.
    with django_assert_num_queries(11):
        assert call("GET", url, bank_api.secret).json()["total"] == 2
    # More applications: three of 桂花村, two of 双河村 and two of 玉泉村 in the other
    # township, one of each village with its consent revoked
    world = bank_api.world
    for village, plates in [
        (world.village, ["5-01", "5-02", "5-03"]),
        (world.neighbour_village, ["6-01", "6-02"]),
        (world.far_village, ["7-01", "7-02"]),
    ]:
        for n, plate in enumerate(plates):
            applicant(bank_api, village, plate, consents=n > 0)
    with django_assert_num_queries(11):
        body = call("GET", url, bank_api.secret).json()
    assert body["total"] == 9
    assert [item["visible"] for item in body["items"]].count(True) == 5


# One application


def test_a_bank_reads_an_application_with_its_frozen_snapshot(bank_api: BankSetup) -> None:
    response = call("GET", f"/applications/{bank_api.application.pk}", bank_api.secret)

    assert response.status_code == 200
    body = response.json()
    assert body["snapshot"] == bank_api.application.snapshot
    checkpoint = body.pop("checkpoint")
    assert checkpoint["root_hash"] == bank_api.application.snapshot["checkpoint"]["root_hash"]
    del body["snapshot"]
    assert body == {
        "id": bank_api.application.pk,
        "status": "submitted",
        "applied_at": "2026-06-18T11:01:00+08:00",
        "household": {"token": bank_api.token, **HOUSEHOLD},
        "amount_yuan": 50_000,
        "purpose": "购买农机",
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
        "terms": {
            "eligible": True,
            "discount": "0.12",
            "rate": "4.23",
            "credit_line_yuan": 200_000,
        },
        "decision": None,
    }
    assert accesses() == [
        (
            bank_api.home.pk,
            bank_api.bank.pk,
            bank_api.key.pk,
            bank_api.consent.pk,
            "api",
            "application",
            True,
        )
    ]


def test_without_consent_an_application_is_refused_and_the_refusal_logged(
    bank_api: BankSetup,
) -> None:
    response = call("GET", f"/applications/{bank_api.hidden_application.pk}", bank_api.secret)

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "consent_required", "message": consent_message(), "details": []}
    }
    assert accesses() == [
        (
            bank_api.world.neighbour_home.pk,
            bank_api.bank.pk,
            bank_api.key.pk,
            None,
            "api",
            "application",
            False,
        )
    ]


@pytest.mark.parametrize("path", ["", "/decision"])
def test_another_banks_application_is_not_found(bank_api: BankSetup, path: str) -> None:
    method = "POST" if path else "GET"
    body = {"decision": "decline", "reason": "不符合条件"}
    mine = bank_api.application.pk

    theirs = call(method, f"/applications/{mine}{path}", bank_api.other_secret, body)
    missing = call(method, f"/applications/{mine + 1000}{path}", bank_api.secret, body)

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == not_found()
    assert accesses() == []
    assert unchanged(bank_api.application)


@pytest.mark.parametrize("application_id", ["first", "0", "-1", str(2**63)])
def test_an_id_that_cannot_be_one_is_invalid_input(
    bank_api: BankSetup, application_id: str
) -> None:
    response = call("GET", f"/applications/{application_id}", bank_api.secret)

    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [detail["location"] for detail in details] == ["path.application_id"]


# Decisions


def test_a_bank_approves_with_an_amount_and_a_rate(bank_api: BankSetup) -> None:
    response = call(
        "POST",
        f"/applications/{bank_api.application.pk}/decision",
        bank_api.secret,
        {"decision": "approve", "amount_yuan": 40_000, "rate": "4.23"},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["decision"] == {
        "decided_at": "2026-06-20T09:30:00+08:00",
        "approved_amount_yuan": 40_000,
        "approved_rate": "4.23",
        "decline_reason": None,
    }
    application = LoanApplication.objects.get(pk=bank_api.application.pk)
    assert (
        application.status,
        application.approved_amount_yuan,
        application.approved_rate,
        application.decided_at,
        application.decided_by,
    ) == (LoanApplication.Status.APPROVED, 40_000, Decimal("4.23"), API_NOW, None)
    event = AuditEvent.objects.get(action="loans.approved")
    assert event.after is not None
    assert (event.after["bank"], event.after["rate"]) == ("青山农商银行", "4.23")
    assert accesses()[-1][4:] == ("api", "decision", True)


def test_a_bank_declines_with_a_reason(bank_api: BankSetup) -> None:
    response = call(
        "POST",
        f"/applications/{bank_api.application.pk}/decision",
        bank_api.secret,
        {"decision": "decline", "reason": "  收入证明不足  "},
    )

    assert response.status_code == 200
    assert response.json()["decision"] == {
        "decided_at": "2026-06-20T09:30:00+08:00",
        "approved_amount_yuan": None,
        "approved_rate": None,
        "decline_reason": "收入证明不足",
    }
    application = LoanApplication.objects.get(pk=bank_api.application.pk)
    assert (application.status, application.decline_reason) == ("declined", "收入证明不足")


def test_an_application_is_decided_once(bank_api: BankSetup) -> None:
    path = f"/applications/{bank_api.application.pk}/decision"
    call("POST", path, bank_api.secret, {"decision": "decline", "reason": "收入证明不足"})

    again = call(
        "POST", path, bank_api.secret, {"decision": "approve", "amount_yuan": 1, "rate": "4.00"}
    )

    assert again.status_code == 409
    assert again.json() == {
        "error": {
            "code": "already_decided",
            "message": "This application has already been decided or withdrawn.",
            "details": [],
        }
    }
    application = LoanApplication.objects.get(pk=bank_api.application.pk)
    assert (application.status, application.approved_rate) == ("declined", None)


def test_approving_more_than_was_asked_for_conflicts_with_the_application(
    bank_api: BankSetup,
) -> None:
    asked = bank_api.application.amount_yuan

    response = call(
        "POST",
        f"/applications/{bank_api.application.pk}/decision",
        bank_api.secret,
        {"decision": "approve", "amount_yuan": asked + 1, "rate": "4.00"},
    )

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "amount_above_request",
            "message": "A bank may approve at most the amount the household asked for.",
            "details": [],
        }
    }
    assert unchanged(bank_api.application)


def test_a_withdrawn_application_cannot_be_decided(bank_api: BankSetup) -> None:
    loans.withdraw_application(
        actor=actor(bank_api.world.people["household_head"]), application=bank_api.application
    )

    response = call(
        "POST",
        f"/applications/{bank_api.application.pk}/decision",
        bank_api.secret,
        {"decision": "decline", "reason": "x"},
    )

    assert response.status_code == 409


RATE = "Give the annual rate in percent with two decimals, for example 4.15."


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, [("body.decision", "Unable to extract tag using discriminator 'decision'")]),
        (
            {"decision": "maybe"},
            [
                (
                    "body.decision",
                    "Input tag 'maybe' found using 'decision' does not match any of the "
                    "expected tags: 'approve', 'decline'",
                )
            ],
        ),
        ({"decision": "approve", "amount_yuan": 40_000}, [("body.rate", "Field required")]),
        ({"decision": "approve", "amount_yuan": 40_000, "rate": "4.2"}, [("body.rate", RATE)]),
        ({"decision": "approve", "amount_yuan": 40_000, "rate": "0.00"}, [("body.rate", RATE)]),
        ({"decision": "approve", "amount_yuan": 40_000, "rate": "100.00"}, [("body.rate", RATE)]),
        (
            {"decision": "approve", "amount_yuan": 40_000, "rate": 4.23},
            [("body.rate", "Input should be a valid string")],
        ),
        (
            {"decision": "approve", "amount_yuan": "40000", "rate": "4.23"},
            [("body.amount_yuan", "Input should be a valid integer")],
        ),
        (
            {"decision": "approve", "amount_yuan": 0, "rate": "4.23"},
            [("body.amount_yuan", "Input should be greater than or equal to 1")],
        ),
        (
            {"decision": "decline", "reason": " \n "},
            [("body.reason", "Say why the application is declined.")],
        ),
        (
            {"decision": "decline", "reason": "太多" * 101},
            [("body.reason", "String should have at most 200 characters")],
        ),
        (
            {"decision": "decline", "reason": "x", "rate": "4.23"},
            [("body.rate", "Extra inputs are not permitted")],
        ),
    ],
)
def test_a_decision_that_does_not_fit_is_invalid_input(
    bank_api: BankSetup, body: dict[str, Any], details: list[tuple[str, str]]
) -> None:
    response = call(
        "POST", f"/applications/{bank_api.application.pk}/decision", bank_api.secret, body
    )

    assert response.status_code == 422
    assert response.json() == invalid(*details)
    assert unchanged(bank_api.application)
    assert accesses() == []


def test_a_body_that_is_not_json_is_a_bad_request(bank_api: BankSetup) -> None:
    from django.test import Client

    response = Client(headers={"X-API-Key": bank_api.secret}).post(
        f"/api/v1/applications/{bank_api.application.pk}/decision",
        data="{not json",
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert unchanged(bank_api.application)


def test_without_consent_a_decision_is_refused_logged_and_nothing_changes(
    bank_api: BankSetup,
) -> None:
    response = call(
        "POST",
        f"/applications/{bank_api.hidden_application.pk}/decision",
        bank_api.secret,
        {"decision": "approve", "amount_yuan": 20_000, "rate": "4.35"},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "consent_required"
    assert unchanged(bank_api.hidden_application)
    assert accesses() == [
        (
            bank_api.world.neighbour_home.pk,
            bank_api.bank.pk,
            bank_api.key.pk,
            None,
            "api",
            "decision",
            False,
        )
    ]
