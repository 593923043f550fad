"""The loan pages: every role against every page, consent on every page and in the export with
each refusal logged, what the household is told, and the county admin's pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jifen.accounts.models import Role, User
from jifen.audit.models import AuditEvent
from jifen.loans import services
from jifen.loans.models import (
    ApiKey,
    Bank,
    BankAccess,
    BankOfficer,
    Consent,
    LoanApplication,
    LoanPolicy,
)
from jifen.places.models import Household, Place, Resident
from tests import factories
from tests.access import check_cell
from tests.conftest import World, log_in
from tests.loans.conftest import another_officer, give_points
from tests.points import Items, actor
from tests.test_access_matrix import ROLES

HOUSEHOLD = {"household_head", "villager"}
OFFICER = {"bank_officer"}
ADMIN = {"county_admin"}
REFUSAL = "The household has not given this bank consent to see its points."


# The scene: the county bank with its officer and policy; 王建国's household lets it see


def scene(world: World) -> Bank:
    bank = factories.bank(world.county, world.people["bank_officer"])
    factories.loan_policy(bank, world.county)
    services.grant_consent(
        actor=actor(world.people["household_head"]), household=world.home, bank=bank, days=90
    )
    return bank


def with_application(world: World) -> Bank:
    bank = scene(world)
    services.apply_for_loan(
        actor=actor(world.people["household_head"]),
        household=world.home,
        bank=bank,
        amount_yuan=50_000,
        purpose="买化肥和种子",
    )
    return bank


def with_candidate(world: World) -> Bank:
    bank = scene(world)
    another_officer(world)
    return bank


def with_key(world: World) -> Bank:
    bank = scene(world)
    services.issue_api_key(actor=actor(world.people["county_admin"]), bank=bank, name="信贷系统")
    return bank


Request = Callable[[], HttpResponseBase]
Prepare = Callable[[Client, World], Request]
Arg = Callable[[World, Bank], Any]


def get(name: str, setup: Callable[[World], Bank], *args: Arg, query: Arg | None = None) -> Prepare:
    def prepare(client: Client, world: World) -> Request:
        bank = setup(world)
        url = reverse(name, args=[arg(world, bank) for arg in args])
        params = query(world, bank) if query else {}
        return lambda: client.get(url, params)

    return prepare


def post(
    name: str,
    setup: Callable[[World], Bank],
    *args: Arg,
    data: Arg = lambda world, bank: {},
) -> Prepare:
    def prepare(client: Client, world: World) -> Request:
        bank = setup(world)
        url = reverse(name, args=[arg(world, bank) for arg in args])
        payload = data(world, bank)
        return lambda: client.post(url, payload)

    return prepare


def county(world: World, bank: Bank) -> str:
    return world.county.code


def bank_pk(world: World, bank: Bank) -> int:
    return bank.pk


def application(world: World, bank: Bank) -> int:
    return LoanApplication.objects.get(bank=bank).pk


def consent(world: World, bank: Bank) -> int:
    return Consent.objects.get(bank=bank).pk


def policy_form(world: World, bank: Bank) -> dict[str, Any]:
    return {
        "name": "积分贷",
        "area": world.village.pk,
        "base_rate": "4.35",
        "discount_per_100": "0.1",
        "mode": "stepped",
        "max_discount": "1.00",
        "min_stars": "1",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "credit_1": "50000",
        "credit_2": "100000",
        "credit_3": "200000",
    }


# action -> the roles allowed to do it. Everyone else is refused.
ALLOWED: dict[str, set[str]] = {
    "view my loans page": HOUSEHOLD,
    "let a bank see my points": HOUSEHOLD,
    "stop a bank seeing my points": HOUSEHOLD,
    "apply for a loan": HOUSEHOLD,
    "withdraw an application": HOUSEHOLD,
    "view the bank's applications": OFFICER,
    "look up a household": OFFICER,
    "open an application": OFFICER,
    "approve an application": OFFICER,
    "decline an application": OFFICER,
    "export the applications": OFFICER,
    "view the county's banks": ADMIN,
    "add a bank": ADMIN,
    "view a bank": ADMIN,
    "assign an officer": ADMIN,
    "remove an officer": ADMIN,
    "open the policy form": ADMIN,
    "add a policy": ADMIN,
    "issue an API key": ADMIN,
    "revoke an API key": ADMIN,
}

ACTIONS: dict[str, Prepare] = {
    "view my loans page": get("loans_my", scene),
    "let a bank see my points": post(
        "loans_consent_grant", scene, data=lambda world, bank: {"bank": bank.pk, "days": "30"}
    ),
    "stop a bank seeing my points": post("loans_consent_revoke", scene, consent),
    "apply for a loan": post(
        "loans_apply",
        scene,
        data=lambda world, bank: {"bank": bank.pk, "amount_yuan": "20000", "purpose": "养猪"},
    ),
    "withdraw an application": post("loans_withdraw", with_application, application),
    "view the bank's applications": get("loans_bank_home", with_application),
    "look up a household": get(
        "loans_bank_lookup", scene, query=lambda world, bank: {"q": world.home.public_token}
    ),
    "open an application": get("loans_bank_application", with_application, application),
    "approve an application": post(
        "loans_bank_approve",
        with_application,
        application,
        data=lambda world, bank: {"amount_yuan": "40000", "rate": "4.20"},
    ),
    "decline an application": post(
        "loans_bank_decline",
        with_application,
        application,
        data=lambda world, bank: {"reason": "额度已满"},
    ),
    "export the applications": get("loans_bank_export", with_application),
    "view the county's banks": get("loans_banks", scene, county),
    "add a bank": post(
        "loans_banks",
        scene,
        county,
        data=lambda world, bank: {"name": "青山村镇银行", "short_name": "村镇银行"},
    ),
    "view a bank": get("loans_bank_admin", scene, county, bank_pk),
    "assign an officer": post(
        "loans_officer_assign",
        with_candidate,
        county,
        bank_pk,
        data=lambda world, bank: {"user": User.objects.get(name="孙信贷").pk},
    ),
    "remove an officer": post(
        "loans_officer_remove",
        scene,
        county,
        bank_pk,
        lambda world, bank: BankOfficer.objects.get(bank=bank).pk,
    ),
    "open the policy form": get("loans_policy_new", scene, county, bank_pk),
    "add a policy": post("loans_policy_new", scene, county, bank_pk, data=policy_form),
    "issue an API key": post(
        "loans_key_issue", scene, county, bank_pk, data=lambda world, bank: {"name": "信贷系统"}
    ),
    "revoke an API key": post(
        "loans_key_revoke",
        with_key,
        county,
        bank_pk,
        lambda world, bank: ApiKey.objects.get(bank=bank).pk,
    ),
}
# Allowed, these change something: a redirect, except the key, whose secret is on the answer.
CHANGES = {
    "let a bank see my points": 302,
    "stop a bank seeing my points": 302,
    "apply for a loan": 302,
    "withdraw an application": 302,
    "approve an application": 302,
    "decline an application": 302,
    "add a bank": 302,
    "assign an officer": 302,
    "remove an officer": 302,
    "add a policy": 302,
    "issue an API key": 200,
    "revoke an API key": 302,
}


def fingerprint() -> tuple[object, ...]:
    """Everything these pages could change, the banks' log of looks included."""
    return (
        AuditEvent.objects.count(),
        BankAccess.objects.count(),
        sorted(Consent.objects.values_list("pk", "revoked_at")),
        sorted(LoanApplication.objects.values_list("pk", "status", "approved_rate")),
        Bank.objects.count(),
        sorted(BankOfficer.objects.values_list("pk", "bank_id", "user_id")),
        LoanPolicy.objects.count(),
        sorted(ApiKey.objects.values_list("pk", "revoked_at")),
    )


def test_the_table_covers_every_action() -> None:
    assert set(ALLOWED) == set(ACTIONS)
    assert set(CHANGES) < set(ACTIONS)


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_role_against_action(client: Client, world: World, role: str, action: str) -> None:
    check_cell(
        client,
        world,
        role,
        action,
        actions=ACTIONS,
        allowed=ALLOWED,
        changes=CHANGES,
        fingerprint=fingerprint,
    )


def test_a_refused_look_is_not_rolled_back_with_its_request() -> None:
    # The refusal row is written in autocommit, before the 403: no transaction per request.
    assert connection.settings_dict["ATOMIC_REQUESTS"] is False


# Consent on every page of the bank


def officer(client: Client, world: World) -> Client:
    return log_in(client, world.people["bank_officer"])


def looks(bank: Bank) -> list[tuple[object, ...]]:
    return list(
        BankAccess.objects.filter(bank=bank)
        .order_by("pk")
        .values_list("household_id", "channel", "action", "allowed", "officer_id")
    )


def private_numbers(household: Household) -> list[str]:
    residents = Resident.objects.filter(household=household)
    return [r.id_number for r in residents] + [r.phone for r in residents if r.phone]


def test_a_lookup_with_consent_shows_score_rank_stars_and_terms(
    client: Client, world: World, items: Items
) -> None:
    give_points(world, items, 250)
    bank = scene(world)
    officer(client, world)
    pasted = f"https://jifen.example.cn/h/{world.home.public_token}/"
    response = client.get(reverse("loans_bank_lookup"), {"q": pasted})
    assert response.status_code == 200
    page = response.content.decode()
    assert "1-01" in page and "王建国" in page
    assert "<strong>250</strong>" in page
    assert "No. 1 of 2 households" in page
    assert "★★★ (3)" in page
    assert "4.10% a year (0.25 percentage points off), credit line 200000 yuan" in page
    assert all(number not in page for number in private_numbers(world.home))
    assert looks(bank) == [
        (world.home.pk, "web", "standing", True, world.people["bank_officer"].pk)
    ]


@pytest.mark.parametrize("state", ["never given", "revoked"])
def test_a_lookup_without_consent_is_refused_logged_and_shows_nothing(
    client: Client, world: World, items: Items, state: str
) -> None:
    give_points(world, items, 250)
    bank = factories.bank(world.county, world.people["bank_officer"])
    factories.loan_policy(bank, world.county)
    if state == "revoked":
        household_head = actor(world.people["household_head"])
        given = services.grant_consent(
            actor=household_head, household=world.home, bank=bank, days=30
        )
        services.revoke_consent(actor=household_head, consent=given)
    officer(client, world)
    response = client.get(reverse("loans_bank_lookup"), {"q": world.home.public_token})
    assert response.status_code == 403
    page = response.content.decode()
    assert REFUSAL in page
    assert "1-01" not in page and "王建国" not in page and "250" not in page
    assert looks(bank) == [
        (world.home.pk, "web", "standing", False, world.people["bank_officer"].pk)
    ]


def test_a_lookup_of_an_unknown_plate_is_refused_the_same_way(client: Client, world: World) -> None:
    bank = scene(world)
    officer(client, world)
    response = client.get(reverse("loans_bank_lookup"), {"q": "/h/AAAAAAAAAAAAAAAAAAAAAA/"})
    assert response.status_code == 403
    assert REFUSAL in response.content.decode()
    assert looks(bank) == [(None, "web", "lookup", False, world.people["bank_officer"].pk)]


@pytest.mark.parametrize("typed", ["hello world!", "王建国", "https://jifen.example.cn/h/%3Cx%3E/"])
def test_a_lookup_that_is_not_a_door_plate_code_looks_at_nothing(
    client: Client, world: World, typed: str
) -> None:
    bank = scene(world)
    officer(client, world)
    response = client.get(reverse("loans_bank_lookup"), {"q": typed})
    assert response.status_code == 200
    assert "This is not a door-plate code" in response.content.decode()
    assert looks(bank) == []


def test_an_application_without_consent_is_refused_and_logged(client: Client, world: World) -> None:
    bank = with_application(world)
    services.revoke_consent(
        actor=actor(world.people["household_head"]), consent=Consent.objects.get()
    )
    pk = LoanApplication.objects.get().pk
    officer(client, world)
    before = AuditEvent.objects.count()
    detail = client.get(reverse("loans_bank_application", args=[pk]))
    approve = client.post(
        reverse("loans_bank_approve", args=[pk]), {"amount_yuan": "40000", "rate": "4.20"}
    )
    decline = client.post(reverse("loans_bank_decline", args=[pk]), {"reason": "不符合条件"})
    assert (detail.status_code, approve.status_code, decline.status_code) == (403, 403, 403)
    assert REFUSAL in detail.content.decode() and REFUSAL in approve.content.decode()
    assert "买化肥和种子" not in detail.content.decode()
    assert [row[2:4] for row in looks(bank)] == [
        ("application", False),
        ("decision", False),
        ("decision", False),
    ]
    assert LoanApplication.objects.get().status == "submitted"
    assert AuditEvent.objects.count() == before


def test_the_queue_marks_applications_the_bank_may_not_open(client: Client, world: World) -> None:
    bank = with_application(world)
    pk = LoanApplication.objects.get().pk
    officer(client, world)
    link = reverse("loans_bank_application", args=[pk])
    assert link in client.get(reverse("loans_bank_home")).content.decode()
    services.revoke_consent(
        actor=actor(world.people["household_head"]), consent=Consent.objects.get()
    )
    page = client.get(reverse("loans_bank_home")).content.decode()
    assert link not in page
    assert "no consent now: you cannot open it" in page
    application = LoanApplication.objects.get()
    for private in [world.home.door_plate, application.purpose, str(application.amount_yuan)]:
        assert private not in page
    # Listing the bank's own applications is not a look at a household
    assert looks(bank) == []


def test_an_application_shows_the_frozen_snapshot_beside_the_standing_now(
    client: Client, world: World, items: Items
) -> None:
    give_points(world, items, 250)
    bank = with_application(world)
    give_points(world, items, 100)
    pk = LoanApplication.objects.get().pk
    officer(client, world)
    response = client.get(reverse("loans_bank_application", args=[pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<tr><th scope="row">Score</th><td>250</td><td>350</td></tr>' in page
    assert "<td><strong>4.10</strong></td><td>4.00</td>" in page
    assert all(number not in page for number in private_numbers(world.home))
    assert looks(bank)[-1][1:4] == ("web", "application", True)


# The decision, and what the household is told


def test_the_bank_approves_and_the_household_is_told(
    client: Client, world: World, items: Items
) -> None:
    give_points(world, items, 250)
    with_application(world)
    pk = LoanApplication.objects.get().pk
    officer(client, world)
    response = client.post(
        reverse("loans_bank_approve", args=[pk]), {"amount_yuan": "40000", "rate": " 4.2% "}
    )
    assert response.status_code == 302
    decided = LoanApplication.objects.get()
    assert (decided.status, decided.approved_amount_yuan) == ("approved", 40_000)
    assert decided.approved_rate == Decimal("4.20")
    log_in(client, world.people["villager"])
    page = client.get(reverse("loans_my")).content.decode()
    assert "青山农商银行 approved your application." in page
    assert "40000 yuan at 4.20% a year." in page
    assert page.index("approved your application") < page.index("What the bank would see")


def test_the_bank_declines_and_the_household_reads_the_reason(client: Client, world: World) -> None:
    with_application(world)
    pk = LoanApplication.objects.get().pk
    officer(client, world)
    response = client.post(reverse("loans_bank_decline", args=[pk]), {"reason": "已有未结清贷款"})
    assert response.status_code == 302
    log_in(client, world.people["household_head"])
    page = client.get(reverse("loans_my")).content.decode()
    assert "青山农商银行 declined your application." in page
    assert "Reason: 已有未结清贷款" in page


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("4.255", "at most 2 decimals"),
        ("abc", "at most 2 decimals"),
        ("1e1", "at most 2 decimals"),
        ("4,35", "at most 2 decimals"),
        ("-4.2", "at most 2 decimals"),
        ("NaN", "at most 2 decimals"),
        ("100", "at most 2 decimals"),
        ("", "This field is required."),
        ("0.00", "Enter the annual rate in percent, for example 4.35."),
    ],
)
def test_a_rate_is_an_exact_decimal_or_refused(
    client: Client, world: World, rate: str, message: str
) -> None:
    with_application(world)
    pk = LoanApplication.objects.get().pk
    officer(client, world)
    response = client.post(
        reverse("loans_bank_approve", args=[pk]), {"amount_yuan": "40000", "rate": rate}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert LoanApplication.objects.get().status == "submitted"


def test_the_household_sees_every_look_allowed_or_refused(client: Client, world: World) -> None:
    bank = scene(world)
    other = factories.bank(world.county, another_officer(world), name="青山村镇银行")
    officer(client, world)
    client.get(reverse("loans_bank_lookup"), {"q": world.home.public_token})
    log_in(client, other.officers.get().user)
    assert (
        client.get(reverse("loans_bank_lookup"), {"q": world.home.public_token}).status_code == 403
    )
    log_in(client, world.people["villager"])
    page = client.get(reverse("loans_my")).content.decode()
    assert page.count("read score, rank and stars") == 2
    assert "allowed" in page and "refused: no consent" in page
    assert bank.name in page and other.name in page
    assert "钱信贷" in page and "孙信贷" in page


# The household's page


def test_the_household_sees_each_banks_terms_for_it(
    client: Client, world: World, items: Items
) -> None:
    give_points(world, items, 480)
    scene(world)
    log_in(client, world.people["household_head"])
    page = client.get(reverse("loans_my")).content.decode()
    assert "4.35% a year" in page
    assert "0.10 percentage points per 100 points" in page
    assert "in proportion to the points" in page
    assert "1.00 percentage points" in page
    assert "1★: 50000 yuan; 2★: 100000 yuan; 3★: 200000 yuan" in page
    assert "3.87% a year (0.48 percentage points off), credit line 200000 yuan" in page
    assert "Stop 青山农商 seeing my points" in page


def test_the_household_consents_and_revokes_through_its_page(client: Client, world: World) -> None:
    bank = factories.bank(world.county, world.people["bank_officer"])
    log_in(client, world.people["household_head"])
    response = client.post(reverse("loans_consent_grant"), {"bank": bank.pk, "days": "180"})
    assert response.status_code == 302
    given = Consent.objects.get()
    assert given.expires_at - given.granted_at == timedelta(days=180)
    response = client.post(reverse("loans_consent_revoke", args=[given.pk]))
    assert response.status_code == 302
    given.refresh_from_db()
    assert given.revoked_at is not None
    # Not a choice on the form: refused
    response = client.post(reverse("loans_consent_grant"), {"bank": bank.pk, "days": "7"})
    assert response.status_code == 200
    assert Consent.objects.count() == 1


def test_applying_without_consent_says_what_to_do(client: Client, world: World) -> None:
    bank = factories.bank(world.county, world.people["bank_officer"])
    factories.loan_policy(bank, world.county)
    log_in(client, world.people["household_head"])
    response = client.post(
        reverse("loans_apply"), {"bank": bank.pk, "amount_yuan": "20000", "purpose": "养猪"}
    )
    assert response.status_code == 200
    assert "First let the bank see your points" in response.content.decode()
    assert not LoanApplication.objects.exists()


def test_a_household_cannot_touch_another_households_consent(client: Client, world: World) -> None:
    scene(world)
    given = Consent.objects.get()
    neighbour = world.neighbour_home
    assert neighbour.head is not None
    log_in(
        client,
        factories.account(
            "赵大海", Role.HOUSEHOLD_HEAD, world.neighbour_village, resident=neighbour.head
        ),
    )
    response = client.post(reverse("loans_consent_revoke", args=[given.pk]))
    assert response.status_code == 404
    given.refresh_from_db()
    assert given.revoked_at is None


# Other banks, other counties


def test_an_officer_of_another_bank_sees_none_of_its_applications(
    client: Client, world: World
) -> None:
    bank = with_application(world)
    other = factories.bank(world.county, another_officer(world), name="青山村镇银行")
    pk = LoanApplication.objects.get().pk
    log_in(client, other.officers.get().user)
    assert client.get(reverse("loans_bank_application", args=[pk])).status_code == 404
    assert client.post(reverse("loans_bank_decline", args=[pk]), {"reason": "x"}).status_code == 404
    assert "买化肥和种子" not in client.get(reverse("loans_bank_home")).content.decode()
    assert LoanApplication.objects.get().status == "submitted"
    assert looks(bank) == [] and looks(other) == []


def test_a_bank_officer_who_works_for_no_bank_is_refused(client: Client, world: World) -> None:
    log_in(client, another_officer(world))
    assert client.get(reverse("loans_bank_home")).status_code == 403
    assert client.get(reverse("loans_bank_export")).status_code == 403


def test_an_officer_acting_in_another_county_is_refused(client: Client, world: World) -> None:
    other = factories.county("510682000000", "白水县")
    user = factories.account("白信贷", Role.BANK_OFFICER, other)
    BankOfficer.objects.create(bank=scene(world), user=user)
    log_in(client, user)
    assert client.get(reverse("loans_bank_home")).status_code == 403


def test_the_admin_of_another_county_sees_none_of_its_banks(client: Client, world: World) -> None:
    bank = scene(world)
    other = factories.county("510682000000", "白水县")
    log_in(client, factories.account("白县管", Role.COUNTY_ADMIN, other))
    assert client.get(reverse("loans_banks", args=[world.county.code])).status_code == 403
    assert client.get(reverse("loans_banks", args=[other.code])).status_code == 200
    response = client.get(reverse("loans_bank_admin", args=[other.code, bank.pk]))
    assert response.status_code == 404


# The export


def test_the_export_leaves_out_and_logs_households_without_consent(
    client: Client, world: World, items: Items
) -> None:
    give_points(world, items, 250)
    bank = with_application(world)
    neighbour = world.neighbour_home
    assert neighbour.head is not None
    neighbour_head = actor(
        factories.account(
            "赵大海", Role.HOUSEHOLD_HEAD, world.neighbour_village, resident=neighbour.head
        )
    )
    given = services.grant_consent(actor=neighbour_head, household=neighbour, bank=bank, days=30)
    services.apply_for_loan(
        actor=neighbour_head, household=neighbour, bank=bank, amount_yuan=8000, purpose="修房"
    )
    services.revoke_consent(actor=neighbour_head, consent=given)
    officer(client, world)
    response = client.get(reverse("loans_bank_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="loan-applications-')
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:8] == [
        "Application",
        "Applied at",
        "Village",
        "Door plate",
        "Head of household",
        "Amount (yuan)",
        "Purpose",
        "Status",
    ]
    data = rows[1]
    assert data[2:8] == ["桂花村", "1-01", "王建国", 50_000, "买化肥和种子", "waiting for the bank"]
    assert data[8:12] == [250, 1, 2, 3]
    assert Decimal(str(data[15])) == Decimal("0.25") and Decimal(str(data[16])) == Decimal("4.10")
    assert sheet.cell(row=2, column=17).number_format == "0.00"
    assert rows[2] == [None] * len(rows[0])
    assert str(rows[3][0]).startswith("青山农商银行, exported ")
    assert rows[4][0] == (
        "1 applications left out: the household has not given the bank consent to see its points."
    )
    assert len(rows) == 5
    cells = " ".join(str(value) for row in rows for value in row if value is not None)
    assert "2-01" not in cells and "修房" not in cells
    for household in (world.home, neighbour):
        assert all(number not in cells for number in private_numbers(household))
    assert sorted(row[:4] for row in looks(bank)) == sorted(
        [
            (world.home.pk, "export", "application", True),
            (neighbour.pk, "export", "application", False),
        ]
    )


# The county admin's pages


def admin(client: Client, world: World) -> Client:
    return log_in(client, world.people["county_admin"])


def test_a_key_secret_is_shown_once(client: Client, world: World) -> None:
    bank = scene(world)
    admin(client, world)
    response = client.post(
        reverse("loans_key_issue", args=[world.county.code, bank.pk]), {"name": "信贷系统"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert services.key_for_secret(secret) == key
    page = client.get(reverse("loans_bank_admin", args=[world.county.code, bank.pk]))
    assert secret not in page.content.decode()
    assert f"{key.prefix}…" in page.content.decode()


def test_a_policy_form_refuses_with_clear_messages(client: Client, world: World) -> None:
    bank = scene(world)
    admin(client, world)
    url = reverse("loans_policy_new", args=[world.county.code, bank.pk])
    cases = [
        ({"base_rate": "4.355"}, "Enter a number below 100 with at most 2 decimals"),
        ({"discount_per_100": "0.1255"}, "Enter a number below 100 with at most 3 decimals"),
        ({"max_discount": "4.35"}, "The largest discount must be below the base rate."),
        ({"valid_until": "2025-12-31"}, "The policy cannot end before it starts."),
        ({"credit_2": "10000"}, "A higher star level cannot have a smaller credit line"),
        ({"credit_1": "", "credit_2": "", "credit_3": ""}, "at least one star level"),
        ({"min_stars": "6"}, "Ensure this value is less than or equal to 5."),
    ]
    for changes, message in cases:
        response = client.post(url, policy_form(world, bank) | changes)
        assert response.status_code == 200, changes
        assert message in response.content.decode(), changes
    assert LoanPolicy.objects.filter(area=world.village).count() == 0


def test_a_new_version_starts_from_the_one_before(client: Client, world: World) -> None:
    bank = scene(world)
    admin(client, world)
    url = reverse("loans_policy_new", args=[world.county.code, bank.pk])
    assert client.post(url, policy_form(world, bank)).status_code == 302
    first = LoanPolicy.objects.get(area=world.village)
    assert (first.version, first.discount_per_100, first.mode) == (1, Decimal("0.1"), "stepped")
    form = client.get(url, {"from": first.pk}).content.decode()
    assert 'value="0.1"' in form and 'value="4.35"' in form and 'value="200000"' in form
    assert client.post(url, policy_form(world, bank) | {"base_rate": "4.1"}).status_code == 302
    newest = LoanPolicy.objects.filter(area=world.village).order_by("-version").first()
    assert newest is not None and (newest.version, newest.base_rate) == (2, Decimal("4.10"))
    other_bank = factories.bank(world.county, name="青山村镇银行")
    foreign = factories.loan_policy(other_bank, world.county)
    assert client.get(url, {"from": foreign.pk}).status_code == 404


def test_officers_are_assigned_from_the_county_bank_officers(client: Client, world: World) -> None:
    bank = scene(world)
    candidate = another_officer(world)
    admin(client, world)
    page = client.get(reverse("loans_bank_admin", args=[world.county.code, bank.pk]))
    options = page.context["officer_form"].fields["user"].queryset
    assert list(options) == [candidate]  # 钱信贷 works for the bank already
    url = reverse("loans_officer_assign", args=[world.county.code, bank.pk])
    response = client.post(url, {"user": world.people["secretary"].pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert client.post(url, {"user": candidate.pk}).status_code == 302
    assert BankOfficer.objects.get(user=candidate).bank == bank


# Query counts: the pages do not grow with the number of households


def applicant(world: World, bank: Bank, plate: str, village: Place | None = None) -> None:
    """A new household of ``village`` (桂花村 unless said) consents to the bank and applies."""
    village = village or world.village
    household = factories.household(village, plate, "张" + plate)
    assert household.head is not None
    who = actor(
        factories.account("张" + plate, Role.HOUSEHOLD_HEAD, village, resident=household.head)
    )
    services.grant_consent(actor=who, household=household, bank=bank, days=30)
    services.apply_for_loan(
        actor=who, household=household, bank=bank, amount_yuan=1000, purpose="周转"
    )


@pytest.mark.parametrize(("name", "expected"), [("loans_bank_home", 9), ("loans_bank_export", 11)])
def test_the_queue_and_the_export_do_not_grow_with_households(
    client: Client, world: World, django_assert_num_queries: Any, name: str, expected: int
) -> None:
    # Given one application waiting for the bank
    bank = with_application(world)
    officer(client, world)
    url = reverse(name)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    # When five more households of 桂花村 apply, and one each of 双河村 and 玉泉村
    for n in range(3, 8):
        applicant(world, bank, f"1-{n:02d}")
    applicant(world, bank, "2-09", world.neighbour_village)
    applicant(world, bank, "3-09", world.far_village)
    # Then the page takes exactly as many queries
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_the_households_page_does_not_grow_with_its_history(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    bank = with_application(world)
    log_in(client, world.people["household_head"])
    url = reverse("loans_my")
    with django_assert_num_queries(19):
        assert client.get(url).status_code == 200
    viewer = services.Viewer(bank=bank, channel="web", officer=world.people["bank_officer"])
    for _ in range(5):
        services.bank_view(viewer, world.home, action=BankAccess.Action.STANDING)
    household_head = actor(world.people["household_head"])
    application_ = LoanApplication.objects.get()
    services.withdraw_application(actor=household_head, application=application_)
    services.apply_for_loan(
        actor=household_head, household=world.home, bank=bank, amount_yuan=10, purpose="再申请"
    )
    services.grant_consent(actor=household_head, household=world.home, bank=bank, days=30)
    with django_assert_num_queries(19):
        assert client.get(url).status_code == 200
