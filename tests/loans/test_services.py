"""Consent, the bank's gate, applications and their frozen snapshot, decisions, API keys, and the
county admin's banks and policies."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from jifen.accounts.models import Role
from jifen.audit.models import AuditEvent
from jifen.ledger.services import create_checkpoint
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
from jifen.loans.services import ConsentRequired, Viewer
from jifen.loans.terms import Policy, terms_for
from tests import factories
from tests.conftest import World
from tests.loans.conftest import another_officer, give_points
from tests.points import NOW, Items, actor, after_notice

WEB = BankAccess.Channel.WEB
LATER = after_notice(1)


def head(world: World):
    return actor(world.people["household_head"])


def officer_view(world: World, bank: Bank, channel: str = WEB) -> Viewer:
    return Viewer(bank=bank, channel=channel, officer=world.people["bank_officer"])


def consent_for(world: World, bank: Bank, days: int = 90, at=NOW) -> Consent:
    return services.grant_consent(
        actor=head(world), household=world.home, bank=bank, days=days, now=at
    )


def apply(world: World, bank: Bank, amount: int = 50_000, at=LATER) -> LoanApplication:
    return services.apply_for_loan(
        actor=head(world),
        household=world.home,
        bank=bank,
        amount_yuan=amount,
        purpose="买化肥和种子",
        now=at,
    )


def accesses(bank: Bank) -> list[tuple[object, ...]]:
    return list(
        BankAccess.objects.filter(bank=bank)
        .order_by("pk")
        .values_list("household_id", "channel", "action", "allowed", "consent_id")
    )


# Consent


def test_a_consent_runs_for_the_days_given(world: World, bank: Bank) -> None:
    consent = consent_for(world, bank, days=30)
    assert consent.granted_at == NOW
    assert consent.expires_at == NOW + timedelta(days=30)
    assert consent.granted_by == world.people["household_head"]
    assert (
        services.active_consent(bank, world.home, NOW + timedelta(days=30, seconds=-1)) == consent
    )
    assert services.active_consent(bank, world.home, NOW + timedelta(days=30)) is None
    event = AuditEvent.objects.get(action="loans.consent_granted")
    assert event.household == world.home
    assert event.after is not None and event.after["bank"] == bank.name


def test_a_villager_of_the_household_may_consent_too(world: World, bank: Bank) -> None:
    consent = services.grant_consent(
        actor=actor(world.people["villager"]), household=world.home, bank=bank, days=90, now=NOW
    )
    assert consent.granted_by == world.people["villager"]


def test_a_new_consent_replaces_the_running_one(world: World, bank: Bank) -> None:
    first = consent_for(world, bank, days=30)
    second = consent_for(world, bank, days=365, at=NOW + timedelta(days=1))
    first.refresh_from_db()
    assert first.revoked_at == NOW + timedelta(days=1)
    assert first.revoked_by == world.people["household_head"]
    assert services.active_consent(bank, world.home, NOW + timedelta(days=2)) == second
    live = Consent.objects.filter(revoked_at__isnull=True, expires_at__gt=NOW + timedelta(days=2))
    assert live.count() == 1


def test_revoking_ends_the_consent_at_once(world: World, bank: Bank) -> None:
    consent = consent_for(world, bank)
    services.revoke_consent(actor=head(world), consent=consent, now=NOW + timedelta(hours=1))
    consent.refresh_from_db()
    assert consent.revoked_at == NOW + timedelta(hours=1)
    assert services.active_consent(bank, world.home, NOW + timedelta(hours=1)) is None
    with pytest.raises(ValidationError, match="already ended"):
        services.revoke_consent(actor=head(world), consent=consent, now=NOW + timedelta(hours=2))


def test_an_expired_consent_cannot_be_revoked(world: World, bank: Bank) -> None:
    consent = consent_for(world, bank, days=30)
    with pytest.raises(ValidationError, match="already ended"):
        services.revoke_consent(actor=head(world), consent=consent, now=NOW + timedelta(days=31))
    consent.refresh_from_db()
    assert consent.revoked_at is None


@pytest.mark.parametrize(
    "who", ["secretary", "grid_member", "bank_officer", "county_admin", "neighbour_secretary"]
)
def test_only_the_household_consents_or_revokes(world: World, bank: Bank, who: str) -> None:
    consent = consent_for(world, bank)
    with pytest.raises(PermissionDenied):
        services.grant_consent(
            actor=actor(world.people[who]), household=world.home, bank=bank, days=30, now=NOW
        )
    with pytest.raises(PermissionDenied):
        services.revoke_consent(actor=actor(world.people[who]), consent=consent, now=NOW)
    assert Consent.objects.count() == 1
    assert Consent.objects.get().revoked_at is None


@pytest.mark.parametrize("days", [0, -1, 367, 10_000])
def test_a_consent_lasts_a_day_to_a_year(world: World, bank: Bank, days: int) -> None:
    with pytest.raises(ValidationError, match="from 1 day to one year"):
        consent_for(world, bank, days=days)
    assert not Consent.objects.exists()


def test_a_bank_of_another_county_cannot_be_given_consent(world: World) -> None:
    elsewhere = factories.bank(factories.county("510682000000", "白水县"), name="白水农商银行")
    with pytest.raises(ValidationError, match="does not serve your county"):
        consent_for(world, elsewhere)
    assert not Consent.objects.exists()


# The gate


def test_the_gate_logs_an_allowed_look(world: World, bank: Bank) -> None:
    consent = consent_for(world, bank)
    found = services.bank_view(
        officer_view(world, bank), world.home, action=BankAccess.Action.STANDING, now=LATER
    )
    assert found == consent
    access = BankAccess.objects.get()
    assert (access.household, access.officer, access.consent, access.at) == (
        world.home,
        world.people["bank_officer"],
        consent,
        LATER,
    )
    assert (access.channel, access.action, access.allowed) == ("web", "standing", True)


@pytest.mark.parametrize("state", ["never given", "revoked", "expired", "another bank's"])
def test_the_gate_refuses_and_logs_without_a_live_consent(
    world: World, bank: Bank, state: str
) -> None:
    other = factories.bank(world.county, name="青山村镇银行")
    if state == "revoked":
        services.revoke_consent(actor=head(world), consent=consent_for(world, bank), now=NOW)
    elif state == "expired":
        consent_for(world, bank, days=1, at=NOW - timedelta(days=2))
    elif state == "another bank's":
        consent_for(world, other)
    with pytest.raises(ConsentRequired, match="has not given this bank consent"):
        services.bank_view(
            officer_view(world, bank), world.home, action=BankAccess.Action.STANDING, now=NOW
        )
    assert accesses(bank) == [(world.home.pk, "web", "standing", False, None)]


def test_a_token_that_matches_no_household_is_refused_the_same_way(
    world: World, bank: Bank
) -> None:
    assert services.household_by_token("no-such-token-000") is None
    with pytest.raises(ConsentRequired, match="has not given this bank consent"):
        services.bank_view(officer_view(world, bank), None, action=BankAccess.Action.LOOKUP)
    assert accesses(bank) == [(None, "web", "lookup", False, None)]


def test_the_gate_for_many_households_logs_each_once(world: World, bank: Bank) -> None:
    consent = consent_for(world, bank)
    viewer = officer_view(world, bank, BankAccess.Channel.EXPORT)
    found = services.bank_view_households(
        viewer,
        [world.home, world.neighbour_home, world.home],
        action=BankAccess.Action.APPLICATION,
        now=LATER,
    )
    assert found == {world.home.pk: consent}
    assert sorted(accesses(bank), key=str) == sorted(
        [
            (world.home.pk, "export", "application", True, consent.pk),
            (world.neighbour_home.pk, "export", "application", False, None),
        ],
        key=str,
    )


# Applications and their snapshot


def test_applying_freezes_what_the_bank_saw(
    world: World, bank: Bank, policy: LoanPolicy, items: Items
) -> None:
    give_points(world, items, 250)
    checkpoint = create_checkpoint(village=world.village, now=after_notice())
    consent_for(world, bank)
    application = apply(world, bank)
    assert (application.status, application.amount_yuan, application.purpose) == (
        "submitted",
        50_000,
        "买化肥和种子",
    )
    # 250 points, first of 2 households, 3 stars: 4.35 - 0.25 = 4.10, 200,000 yuan
    assert (application.score, application.rank, application.ranked_households) == (250, 1, 2)
    assert application.stars == 3 and application.eligible is True
    assert application.discount == Decimal("0.25") and application.rate == Decimal("4.10")
    assert application.credit_line_yuan == 200_000
    assert application.policy == policy and application.checkpoint == checkpoint
    assert application.snapshot == {
        "taken_at": LATER.isoformat(),
        "village": world.village.code,
        "door_plate": "1-01",
        "score": 250,
        "rank": 1,
        "ranked_households": 2,
        "stars": 3,
        "policy": {
            "id": policy.pk,
            "version": 1,
            "bank": "青山农商银行",
            "base_rate": "4.35",
            "discount_per_100": "0.100",
            "mode": "proportional",
            "max_discount": "1.00",
            "min_stars": 1,
            "credit_lines": {"1": 50_000, "2": 100_000, "3": 200_000},
        },
        "terms": {
            "eligible": True,
            "discount": "0.25",
            "rate": "4.10",
            "credit_line_yuan": 200_000,
        },
        "checkpoint": {
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "signed_at": checkpoint.signed_at_text,
            "key_id": checkpoint.key.key_id,
        },
    }
    event = AuditEvent.objects.get(action="loans.applied")
    assert event.after == {"bank": bank.name, "amount_yuan": 50_000, "rate": "4.10"}


def test_the_snapshot_reproduces_the_terms(
    world: World, bank: Bank, policy: LoanPolicy, items: Items
) -> None:
    give_points(world, items, 480)
    consent_for(world, bank)
    application = apply(world, bank)
    frozen = application.snapshot["policy"]
    recomputed = terms_for(
        Policy(
            base_rate=Decimal(frozen["base_rate"]),
            discount_per_100=Decimal(frozen["discount_per_100"]),
            stepped=frozen["mode"] == "stepped",
            max_discount=Decimal(frozen["max_discount"]),
            min_stars=frozen["min_stars"],
            credit_lines={int(s): y for s, y in frozen["credit_lines"].items()},
        ),
        score=application.snapshot["score"],
        stars=application.snapshot["stars"],
    )
    assert str(recomputed.rate) == application.snapshot["terms"]["rate"] == "3.87"
    assert recomputed.rate == application.rate
    assert str(recomputed.discount) == application.snapshot["terms"]["discount"] == "0.48"
    assert recomputed.credit_line_yuan == application.credit_line_yuan == 200_000


def test_the_snapshot_stays_frozen_when_points_and_policies_change(
    world: World, bank: Bank, policy: LoanPolicy, items: Items
) -> None:
    give_points(world, items, 100)
    consent_for(world, bank)
    application = apply(world, bank)
    snapshot = dict(application.snapshot)
    give_points(world, items, 500)
    factories.loan_policy(bank, world.county, version=2, base_rate="3.85", mode="stepped")
    application.refresh_from_db()
    assert application.snapshot == snapshot
    assert (application.score, application.rate, application.policy_id) == (
        100,
        Decimal("4.25"),
        policy.pk,
    )
    now = services.standing_of(bank, world.home, LATER)
    assert (now.score, now.policy.version if now.policy else None) == (600, 2)
    assert now.terms is not None and str(now.terms.rate) == "3.25"


def test_without_a_checkpoint_the_snapshot_says_so(
    world: World, bank: Bank, policy: LoanPolicy
) -> None:
    consent_for(world, bank)
    application = apply(world, bank)
    assert application.checkpoint is None and application.snapshot["checkpoint"] is None
    # No points, no stars: below the lowest star level
    assert (application.score, application.stars, application.eligible) == (0, 0, False)
    assert (str(application.rate), str(application.discount)) == ("4.35", "0.00")
    assert application.credit_line_yuan == 0


def test_applying_needs_consent_and_a_policy(world: World, bank: Bank) -> None:
    with pytest.raises(ValidationError, match="First let the bank see your points"):
        apply(world, bank)
    consent_for(world, bank)
    with pytest.raises(ValidationError, match="no point-loan policy for your village today"):
        apply(world, bank)
    assert not LoanApplication.objects.exists()


def test_a_policy_for_the_village_wins_over_the_county(
    world: World, bank: Bank, policy: LoanPolicy
) -> None:
    village_policy = factories.loan_policy(bank, world.village, base_rate="3.95")
    factories.loan_policy(bank, world.township, base_rate="4.05")
    consent_for(world, bank)
    application = apply(world, bank)
    assert application.policy == village_policy
    assert services.policy_for(bank, world.neighbour_home, LATER.date()) != village_policy


@pytest.mark.parametrize(
    ("amount", "purpose", "message"),
    [
        (0, "买化肥", "Enter the amount to borrow"),
        (-5, "买化肥", "Enter the amount to borrow"),
        (100_000_001, "买化肥", "Enter the amount to borrow"),
        (5_000, "   ", "Say what the loan is for"),
    ],
)
def test_an_application_needs_an_amount_and_a_purpose(
    world: World, bank: Bank, policy: LoanPolicy, amount: int, purpose: str, message: str
) -> None:
    consent_for(world, bank)
    with pytest.raises(ValidationError, match=message):
        services.apply_for_loan(
            actor=head(world),
            household=world.home,
            bank=bank,
            amount_yuan=amount,
            purpose=purpose,
            now=LATER,
        )
    assert not LoanApplication.objects.exists()


def test_only_the_household_applies(world: World, bank: Bank, policy: LoanPolicy) -> None:
    consent_for(world, bank)
    for who in ("secretary", "bank_officer", "county_admin"):
        with pytest.raises(PermissionDenied):
            services.apply_for_loan(
                actor=actor(world.people[who]),
                household=world.home,
                bank=bank,
                amount_yuan=1000,
                purpose="x",
                now=LATER,
            )
    assert not LoanApplication.objects.exists()


def test_one_waiting_application_per_bank(world: World, bank: Bank, policy: LoanPolicy) -> None:
    consent_for(world, bank)
    first = apply(world, bank)
    with pytest.raises(ValidationError, match="already have an application waiting"):
        apply(world, bank, amount=10_000)
    assert LoanApplication.objects.count() == 1
    # Another bank is another queue
    other = factories.bank(world.county, name="青山村镇银行")
    factories.loan_policy(other, world.county)
    consent_for(world, other)
    apply(world, other)
    # Withdrawn, the household may apply again
    services.withdraw_application(actor=head(world), application=first)
    apply(world, bank, amount=10_000)
    assert LoanApplication.objects.filter(bank=bank, status="submitted").count() == 1


def test_the_database_keeps_one_waiting_application_per_bank(
    world: World, bank: Bank, policy: LoanPolicy
) -> None:
    consent_for(world, bank)
    first = apply(world, bank)
    copy = LoanApplication.objects.get(pk=first.pk)
    copy.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_withdrawing(world: World, bank: Bank, policy: LoanPolicy) -> None:
    consent_for(world, bank)
    application = apply(world, bank)
    with pytest.raises(PermissionDenied):
        services.withdraw_application(
            actor=actor(world.people["secretary"]), application=application
        )
    services.withdraw_application(actor=head(world), application=application, now=LATER)
    application.refresh_from_db()
    assert (application.status, application.decided_at) == ("withdrawn", LATER)
    with pytest.raises(ValidationError, match="already decided"):
        services.withdraw_application(actor=head(world), application=application)


# Decisions


@pytest.fixture
def waiting(world: World, bank: Bank, policy: LoanPolicy) -> LoanApplication:
    consent_for(world, bank)
    return apply(world, bank)


def decide(world: World, bank: Bank, application: LoanApplication, **fields: object):
    return services.decide_application(
        viewer=officer_view(world, bank),
        application=application,
        actor=actor(world.people["bank_officer"]),
        now=after_notice(2),
        **fields,  # type: ignore[arg-type]
    )


def test_the_bank_approves_at_most_what_was_asked(
    world: World, bank: Bank, waiting: LoanApplication
) -> None:
    with pytest.raises(ValidationError):
        decide(
            world,
            bank,
            waiting,
            approve=True,
            amount_yuan=waiting.amount_yuan + 1,
            rate=Decimal("4.2"),
        )
    waiting.refresh_from_db()
    assert waiting.status == "submitted"
    decided = decide(
        world, bank, waiting, approve=True, amount_yuan=waiting.amount_yuan, rate=Decimal("4.2")
    )
    assert decided.approved_amount_yuan == waiting.amount_yuan


def test_the_bank_approves_with_amount_and_rate(
    world: World, bank: Bank, waiting: LoanApplication
) -> None:
    decided = decide(world, bank, waiting, approve=True, amount_yuan=40_000, rate=Decimal("4.2"))
    decided.refresh_from_db()
    assert decided.status == "approved"
    assert (decided.approved_amount_yuan, decided.approved_rate) == (40_000, Decimal("4.20"))
    assert str(decided.approved_rate) == "4.20"
    assert (decided.decided_by, decided.decided_at) == (
        world.people["bank_officer"],
        after_notice(2),
    )
    assert accesses(bank)[-1][1:4] == ("web", "decision", True)
    event = AuditEvent.objects.get(action="loans.approved")
    assert event.after is not None and event.after["rate"] == "4.20"
    assert event.actor == world.people["bank_officer"]


def test_the_bank_declines_with_a_reason(
    world: World, bank: Bank, waiting: LoanApplication
) -> None:
    decided = decide(world, bank, waiting, approve=False, reason="  已有未结清贷款  ")
    assert (decided.status, decided.decline_reason) == ("declined", "已有未结清贷款")
    assert decided.approved_rate is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"approve": True, "amount_yuan": 0, "rate": Decimal("4.2")}, "amount approved"),
        ({"approve": True, "amount_yuan": None, "rate": Decimal("4.2")}, "amount approved"),
        ({"approve": True, "amount_yuan": 10**9, "rate": Decimal("4.2")}, "amount approved"),
        ({"approve": True, "amount_yuan": 1000, "rate": None}, "annual rate in percent"),
        ({"approve": True, "amount_yuan": 1000, "rate": Decimal("0")}, "annual rate in percent"),
        ({"approve": True, "amount_yuan": 1000, "rate": Decimal("-1")}, "annual rate in percent"),
        ({"approve": True, "amount_yuan": 1000, "rate": Decimal("100")}, "annual rate in percent"),
        ({"approve": True, "amount_yuan": 1000, "rate": Decimal("NaN")}, "annual rate in percent"),
        (
            {"approve": True, "amount_yuan": 1000, "rate": Decimal("Infinity")},
            "annual rate in percent",
        ),
        ({"approve": True, "amount_yuan": 1000, "rate": Decimal("4.355")}, "two decimals"),
        ({"approve": True, "amount_yuan": 1000, "rate": Decimal("4.2001")}, "two decimals"),
        ({"approve": False, "reason": "   "}, "Say why"),
    ],
)
def test_a_decision_is_checked_and_refused_input_logs_no_decision(
    world: World, bank: Bank, waiting: LoanApplication, fields: dict[str, object], message: str
) -> None:
    before = accesses(bank)
    with pytest.raises(ValidationError, match=message):
        decide(world, bank, waiting, **fields)
    waiting.refresh_from_db()
    assert waiting.status == "submitted" and waiting.decided_at is None
    assert accesses(bank) == before


def test_a_decision_needs_the_households_consent(
    world: World, bank: Bank, waiting: LoanApplication
) -> None:
    consent = Consent.objects.get()
    services.revoke_consent(actor=head(world), consent=consent, now=LATER)
    with pytest.raises(ConsentRequired):
        decide(world, bank, waiting, approve=True, amount_yuan=1000, rate=Decimal("4.2"))
    waiting.refresh_from_db()
    assert waiting.status == "submitted"
    assert accesses(bank)[-1] == (world.home.pk, "web", "decision", False, None)
    assert not AuditEvent.objects.filter(action__in=["loans.approved", "loans.declined"]).exists()


def test_another_bank_cannot_decide(world: World, bank: Bank, waiting: LoanApplication) -> None:
    other = factories.bank(world.county, another_officer(world), name="青山村镇银行")
    viewer = Viewer(bank=other, channel=WEB, officer=other.officers.get().user)
    with pytest.raises(PermissionDenied, match="another bank"):
        services.decide_application(viewer=viewer, application=waiting, approve=False, reason="x")
    waiting.refresh_from_db()
    assert waiting.status == "submitted"
    assert not BankAccess.objects.filter(bank=other).exists()


def test_a_decided_application_is_not_decided_again(
    world: World, bank: Bank, waiting: LoanApplication
) -> None:
    decide(world, bank, waiting, approve=False, reason="额度已满")
    with pytest.raises(ValidationError, match="already been decided"):
        decide(world, bank, waiting, approve=True, amount_yuan=1000, rate=Decimal("4.2"))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.approved_rate) == ("declined", None)


# Exports


def test_the_export_holds_only_households_that_consent(
    world: World, bank: Bank, policy: LoanPolicy
) -> None:
    consent_for(world, bank)
    apply(world, bank)
    neighbour = world.neighbour_home
    assert neighbour.head is not None
    neighbour_head = factories.account(
        "赵大海", Role.HOUSEHOLD_HEAD, world.neighbour_village, resident=neighbour.head
    )
    neighbour_actor = actor(neighbour_head)
    services.grant_consent(actor=neighbour_actor, household=neighbour, bank=bank, days=30, now=NOW)
    services.apply_for_loan(
        actor=neighbour_actor,
        household=neighbour,
        bank=bank,
        amount_yuan=8_000,
        purpose="修房",
        now=LATER,
    )
    services.revoke_consent(actor=neighbour_actor, consent=neighbour.consents.get(), now=LATER)
    export = services.export_applications(
        actor=actor(world.people["bank_officer"]),
        viewer=officer_view(world, bank, BankAccess.Channel.EXPORT),
        now=after_notice(2),
    )
    assert (export.rows, export.withheld) == (1, 1)
    assert export.content[:2] == b"PK"
    logged = sorted(accesses(bank)[-2:], key=lambda row: not row[3])
    assert [(row[0], row[1], row[2], row[3]) for row in logged] == [
        (world.home.pk, "export", "application", True),
        (neighbour.pk, "export", "application", False),
    ]
    event = AuditEvent.objects.get(action="loans.export")
    assert event.after == {"rows": 1, "withheld": 1}


# API keys


def test_a_key_is_kept_only_as_a_digest(world: World, bank: Bank) -> None:
    admin = actor(world.people["county_admin"])
    key, secret = services.issue_api_key(actor=admin, bank=bank, name="信贷系统", now=NOW)
    assert secret.startswith("jfk_") and len(secret) > 40
    assert key.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert key.prefix == secret[:12]
    # The secret is nowhere in the database
    for model in apps.get_models():
        for row in model._default_manager.values():
            assert all(secret not in str(value) for value in row.values()), model
    assert services.key_for_secret(secret) == key
    assert services.key_for_secret(secret + "x") is None
    assert services.key_for_secret("not-a-key") is None
    services.revoke_api_key(actor=admin, key=key, now=LATER)
    assert services.key_for_secret(secret) is None
    with pytest.raises(ValidationError, match="already been revoked"):
        services.revoke_api_key(actor=admin, key=key)


def test_a_key_needs_a_name(world: World, bank: Bank) -> None:
    with pytest.raises(ValidationError, match="Name the key"):
        services.issue_api_key(actor=actor(world.people["county_admin"]), bank=bank, name="  ")
    assert not ApiKey.objects.exists()


# The county admin: banks, officers, policies


def test_the_county_admin_adds_a_bank(world: World) -> None:
    admin = actor(world.people["county_admin"])
    bank = services.create_bank(
        actor=admin, county=world.county, name=" 青山农商银行 ", short_name="青山农商"
    )
    assert (bank.county, bank.name, bank.short_name) == (world.county, "青山农商银行", "青山农商")
    assert AuditEvent.objects.filter(action="loans.bank_created").count() == 1
    with pytest.raises(ValidationError, match="already has a bank of this name"):
        services.create_bank(actor=admin, county=world.county, name="青山农商银行", short_name="x")
    with pytest.raises(ValidationError, match="full name"):
        services.create_bank(actor=admin, county=world.county, name="", short_name="x")
    assert Bank.objects.count() == 1


@pytest.mark.parametrize("who", ["township_admin", "bank_officer", "secretary"])
def test_only_the_county_admin_runs_banks(world: World, who: str) -> None:
    bank = factories.bank(world.county)
    with pytest.raises(PermissionDenied):
        services.create_bank(
            actor=actor(world.people[who]), county=world.county, name="某银行", short_name="某"
        )
    with pytest.raises(PermissionDenied):
        services.assign_officer(
            actor=actor(world.people[who]), bank=bank, user=world.people["bank_officer"]
        )
    with pytest.raises(PermissionDenied):
        create_policy(actor(world.people[who]), bank, world)
    assert Bank.objects.count() == 1
    assert not BankOfficer.objects.exists() and not LoanPolicy.objects.exists()


def test_the_admin_of_another_county_runs_none_of_its_banks(world: World) -> None:
    other = factories.county("510682000000", "白水县")
    stranger = actor(factories.account("白县管", Role.COUNTY_ADMIN, other))
    bank = factories.bank(world.county)
    with pytest.raises(PermissionDenied):
        services.assign_officer(actor=stranger, bank=bank, user=world.people["bank_officer"])
    with pytest.raises(PermissionDenied):
        create_policy(stranger, bank, world)


def test_officers_are_assigned_and_removed(world: World) -> None:
    admin = actor(world.people["county_admin"])
    bank = factories.bank(world.county)
    officer = services.assign_officer(actor=admin, bank=bank, user=world.people["bank_officer"])
    assert (officer.bank, officer.user) == (bank, world.people["bank_officer"])
    other = factories.bank(world.county, name="青山村镇银行")
    with pytest.raises(ValidationError, match="already works for a bank"):
        services.assign_officer(actor=admin, bank=other, user=world.people["bank_officer"])
    with pytest.raises(ValidationError, match="bank officer role in this county"):
        services.assign_officer(actor=admin, bank=bank, user=world.people["secretary"])
    services.remove_officer(actor=admin, officer=officer)
    assert not BankOfficer.objects.exists()
    assert services.assign_officer(actor=admin, bank=other, user=world.people["bank_officer"])
    actions = list(
        AuditEvent.objects.filter(action__startswith="loans.officer").values_list(
            "action", flat=True
        )
    )
    assert actions == ["loans.officer_assigned", "loans.officer_removed", "loans.officer_assigned"]


def create_policy(who, bank: Bank, world: World, **changes: object) -> LoanPolicy:
    fields: dict[str, object] = {
        "area": world.county,
        "name": "积分贷",
        "base_rate": Decimal("4.35"),
        "discount_per_100": Decimal("0.125"),
        "mode": LoanPolicy.Mode.STEPPED,
        "max_discount": Decimal("1.20"),
        "min_stars": 2,
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2026, 12, 31),
        "credit_lines": {1: 30_000, 2: 50_000, 3: 100_000},
    }
    return services.create_policy(actor=who, bank=bank, **(fields | changes))  # type: ignore[arg-type]


def test_a_policy_and_its_next_version(world: World) -> None:
    admin = actor(world.people["county_admin"])
    bank = factories.bank(world.county)
    first = create_policy(admin, bank, world)
    assert (first.version, first.base_rate, first.discount_per_100) == (
        1,
        Decimal("4.35"),
        Decimal("0.125"),
    )
    assert {line.stars: line.limit_yuan for line in first.credit_lines.all()} == {
        1: 30_000,
        2: 50_000,
        3: 100_000,
    }
    second = create_policy(admin, bank, world, base_rate=Decimal("4.1"))
    village = create_policy(admin, bank, world, area=world.village)
    assert (second.version, village.version) == (2, 1)
    first.refresh_from_db()
    assert first.base_rate == Decimal("4.35")  # never changed
    event = AuditEvent.objects.filter(action="loans.policy_created").order_by("pk").first()
    assert event is not None and event.after is not None
    assert event.after["discount_per_100"] == "0.125" and event.after["base_rate"] == "4.35"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": " "}, "name", "Give the policy a name"),
        ({"base_rate": Decimal("0")}, "base_rate", "base rate in percent"),
        ({"base_rate": Decimal("4.355")}, "base_rate", "at most two decimals"),
        ({"base_rate": Decimal("100")}, "base_rate", "below 100"),
        ({"base_rate": Decimal("NaN")}, "base_rate", "base rate in percent"),
        ({"discount_per_100": Decimal("0.1255")}, "discount_per_100", "three decimals"),
        ({"discount_per_100": Decimal("-0.1")}, "discount_per_100", "three decimals"),
        ({"max_discount": Decimal("1.205")}, "max_discount", "two decimals"),
        ({"max_discount": Decimal("4.35")}, "max_discount", "below the base rate"),
        ({"max_discount": Decimal("5")}, "max_discount", "below the base rate"),
        ({"mode": "sometimes"}, "mode", "how the discount is applied"),
        ({"min_stars": 6}, "min_stars", "from 0 to 5"),
        ({"valid_until": date(2025, 12, 31)}, "valid_until", "cannot end before it starts"),
        ({"credit_lines": {}}, "__all__", "at least one star level"),
        ({"credit_lines": {1: 0}}, "__all__", "above 0"),
        ({"credit_lines": {9: 1000}}, "__all__", "star levels 0 to 5"),
        ({"credit_lines": {1: 50_000, 2: 40_000}}, "__all__", "smaller credit line"),
    ],
)
def test_a_policy_is_checked_field_by_field(
    world: World, changes: dict[str, object], field: str, message: str
) -> None:
    bank = factories.bank(world.county)
    with pytest.raises(ValidationError) as refused:
        create_policy(actor(world.people["county_admin"]), bank, world, **changes)
    assert list(refused.value.message_dict) == [field]
    assert message in refused.value.message_dict[field][0]
    assert not LoanPolicy.objects.exists()


def test_a_policy_covers_only_places_of_the_banks_county(world: World) -> None:
    other = factories.county("510682000000", "白水县")
    bank = factories.bank(world.county)
    with pytest.raises(ValidationError, match="in the bank's county"):
        create_policy(actor(world.people["county_admin"]), bank, world, area=other)
