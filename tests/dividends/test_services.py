"""A dividend round's life: the basis from the ledger, the shares, notice, final, and refusals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.dividends import services
from jifen.dividends.models import DividendRound, DividendShare
from jifen.rules.models import VillageSettings
from tests import factories
from tests.conftest import World
from tests.dividends.conftest import (
    CST,
    DECISION,
    JULY_5,
    POOL_FEN,
    cadre_home,
    draft,
    earn,
    june_points,
)
from tests.points import Items, actor


def lines(dividend_round: DividendRound) -> list[tuple[str, str, int, bool, int]]:
    return list(
        DividendShare.objects.filter(dividend_round=dividend_round)
        .order_by("door_plate")
        .values_list("door_plate", "head_name", "points", "qualifies", "payout_fen")
    )


def actions(dividend_round: DividendRound) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type="dividends.dividendround", object_id=str(dividend_round.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


def state() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        sorted(
            DividendRound.objects.values_list(
                "pk", "status", "total_points", "computed_at", "notice_closes_at", "finalised_at"
            )
        ),
        sorted(DividendShare.objects.values_list("pk", "points", "payout_fen")),
    )


# The basis and the shares --------------------------------------------------------------------


def test_the_basis_is_the_score_posted_in_the_period(world: World, items: Items) -> None:
    # Given points posted in May, in June (with a deduction) and in July, and a household
    # with nothing at all
    june_points(world, items)
    earn(world, world.home, items.patrol, on=datetime(2026, 5, 20, 10, 0, tzinfo=CST))
    earn(world, world.home, items.patrol, on=datetime(2026, 6, 29, 10, 0, tzinfo=CST))
    factories.household(world.village, "1-03", "张三")
    # When the secretary draws up a round about June
    secretary = actor(world.people["secretary"])
    dividend_round = services.create_round(
        actor=secretary,
        village=world.village,
        title="  2026年6月  积分分红 ",
        pool_fen=POOL_FEN,
        decision=DECISION,
        decided_on=date(2026, 7, 1),
        period_start=date(2026, 6, 1),
        period_end=date(2026, 6, 30),
        now=JULY_5,
    )
    # Then only June's postings count: the 29 June deed was posted on 2 July
    assert dividend_round.status == DividendRound.Status.DRAFT
    assert dividend_round.title == "2026年6月 积分分红"
    assert dividend_round.total_points == 35
    assert dividend_round.created_by == world.people["secretary"]
    assert dividend_round.computed_at == JULY_5
    # 1000 yuan over 35 points: 85714.28… and 14285.71… fen; the fen left goes to 1-02
    assert lines(dividend_round) == [
        ("1-01", "王建国", 30, True, 85714),
        ("1-02", "李书记", 5, True, 14286),
        ("1-03", "张三", 0, False, 0),
    ]
    assert str(dividend_round.point_value_yuan) == "28.5714"
    assert actions(dividend_round) == ["dividend.create"]
    event = AuditEvent.objects.get(action="dividend.create")
    assert event.village == world.village and event.actor == world.people["secretary"]
    assert event.actor_role == "secretary"
    assert event.after is not None
    assert event.after["pool_fen"] == POOL_FEN and event.after["period_end"] == "2026-06-30"
    assert event.after["total_points"] == 35 and event.after["paid_fen"] == POOL_FEN
    assert event.after["households_sharing"] == 2


def test_the_period_runs_from_midnight_to_midnight_local_time(world: World, items: Items) -> None:
    deed = datetime(2026, 6, 26, 10, 0, tzinfo=CST)
    # Posted in the last second of 30 June, and at the first moment of 1 July
    earn(
        world,
        world.home,
        items.patrol,
        on=deed,
        posted_at=datetime(2026, 6, 30, 23, 59, 59, tzinfo=CST),
    )
    earn(
        world,
        cadre_home(world),
        items.patrol,
        on=deed,
        posted_at=datetime(2026, 7, 1, 0, 0, tzinfo=CST),
    )
    # And posted at the first moment of 1 June
    earn(
        world,
        cadre_home(world),
        items.yard,
        on=datetime(2026, 5, 28, 10, 0, tzinfo=CST),
        posted_at=datetime(2026, 6, 1, 0, 0, tzinfo=CST),
    )
    dividend_round = draft(world)
    assert lines(dividend_round) == [
        ("1-01", "王建国", 10, True, 76923),
        ("1-02", "李书记", 3, True, 23077),
    ]


def test_households_below_the_minimum_score_share_nothing(world: World, items: Items) -> None:
    june_points(world, items)
    dividend_round = draft(world, min_score=10)
    assert dividend_round.total_points == 30
    assert lines(dividend_round) == [
        ("1-01", "王建国", 30, True, POOL_FEN),
        ("1-02", "李书记", 5, False, 0),
    ]
    # Exactly the minimum qualifies
    assert draft(world, min_score=30).total_points == 30
    assert draft(world, min_score=31).total_points == 0


def test_a_negative_score_in_the_period_shares_nothing(world: World, items: Items) -> None:
    earn(world, world.home, items.patrol, on=datetime(2026, 6, 2, 10, 0, tzinfo=CST))
    earn(world, cadre_home(world), items.littering, on=datetime(2026, 6, 2, 10, 0, tzinfo=CST))
    dividend_round = draft(world)
    assert lines(dividend_round) == [
        ("1-01", "王建国", 10, True, POOL_FEN),
        ("1-02", "李书记", -5, False, 0),
    ]


def test_payouts_add_up_to_the_pool_in_a_large_village(world: World, items: Items) -> None:
    # 40 households, each earning a different number of patrols and yard inspections
    homes = [factories.household(world.village, f"5-{n:02d}", f"户{n}") for n in range(40)]
    for n, home in enumerate(homes):
        for _ in range(n % 3):
            earn(world, home, items.patrol, on=datetime(2026, 6, 2 + n % 20, 10, 0, tzinfo=CST))
        if n % 4:
            earn(world, home, items.yard, on=datetime(2026, 6, 3, 10, 0, tzinfo=CST))
    dividend_round = draft(world, pool_fen=1_234_567)
    shares = list(DividendShare.objects.filter(dividend_round=dividend_round))
    assert len(shares) == 42
    assert sum(share.payout_fen for share in shares) == 1_234_567
    total = sum(share.points for share in shares if share.qualifies)
    assert total == dividend_round.total_points
    for share in shares:
        exact = 1_234_567 * share.points / total if share.qualifies else 0
        assert abs(share.payout_fen - exact) < 1
        assert share.qualifies == (share.points > 0)


# The life of a round -------------------------------------------------------------------------


def test_draft_then_notice_then_final(world: World, items: Items) -> None:
    june_points(world, items)
    VillageSettings.objects.filter(village=world.village).update(notice_days=5)
    secretary = actor(world.people["secretary"])
    committee = actor(world.people["committee_member"])
    dividend_round = draft(world)
    published = services.publish_notice(
        actor=secretary, dividend_round=dividend_round, now=JULY_5 + timedelta(hours=1)
    )
    assert published.status == DividendRound.Status.ON_NOTICE
    assert published.notice_opens_at == JULY_5 + timedelta(hours=1)
    assert published.notice_closes_at == JULY_5 + timedelta(days=5, hours=1)
    closes = JULY_5 + timedelta(days=5, hours=1)
    # Not before the notice closes
    before = state()
    with pytest.raises(ValidationError, match="runs until 2026-07-10 10:00"):
        services.finalise_round(
            actor=committee, dividend_round=published, now=closes - timedelta(seconds=1)
        )
    assert state() == before
    final = services.finalise_round(actor=committee, dividend_round=published, now=closes)
    assert final.status == DividendRound.Status.FINAL
    assert final.finalised_by == world.people["committee_member"]
    assert final.finalised_at == closes
    assert actions(final) == ["dividend.create", "dividend.publish", "dividend.finalise"]
    publish = AuditEvent.objects.get(action="dividend.publish")
    assert publish.after is not None and publish.before is not None
    assert publish.before["status"] == "draft" and publish.after["status"] == "on_notice"
    home, cadre = world.home.pk, cadre_home(world).pk
    assert publish.after["shares"] == [[home, 30, 85714], [cadre, 5, 14286]]
    # A final round changes no more
    before = state()
    for step in (services.publish_notice, services.recompute_round, services.finalise_round):
        with pytest.raises(ValidationError):
            step(actor=secretary, dividend_round=final, now=closes + timedelta(days=1))
    with pytest.raises(ValidationError, match="Only a draft round"):
        services.discard_round(actor=secretary, dividend_round=final)
    with pytest.raises(ValidationError, match="Only a round on public notice"):
        services.withdraw_notice(actor=secretary, dividend_round=final, reason="算错了")
    assert state() == before


def test_the_figures_are_frozen_from_the_notice_on(world: World, items: Items) -> None:
    june_points(world, items)
    dividend_round = services.publish_notice(actor=None, dividend_round=draft(world), now=JULY_5)
    factories.household(world.village, "1-03", "张三")
    before = state()
    with pytest.raises(ValidationError, match="Only a draft round can be changed"):
        services.recompute_round(actor=None, dividend_round=dividend_round, now=JULY_5)
    with pytest.raises(ValidationError, match="Only a draft round"):
        services.publish_notice(actor=None, dividend_round=dividend_round, now=JULY_5)
    assert state() == before
    assert len(lines(dividend_round)) == 2


def test_a_draft_is_computed_again_from_the_registry_and_ledger(world: World, items: Items) -> None:
    june_points(world, items)
    dividend_round = draft(world)
    factories.household(world.village, "1-03", "张三")
    later = JULY_5 + timedelta(days=1)
    again = services.recompute_round(
        actor=actor(world.people["secretary"]), dividend_round=dividend_round, now=later
    )
    assert again.computed_at == later
    assert lines(again)[-1] == ("1-03", "张三", 0, False, 0)
    assert DividendShare.objects.filter(dividend_round=again).count() == 3
    event = AuditEvent.objects.get(action="dividend.recompute")
    assert event.before == {"total_points": 35, "households_sharing": 2, "paid_fen": POOL_FEN}
    assert event.after == event.before


def test_a_notice_is_withdrawn_with_a_reason_and_published_again(
    world: World, items: Items
) -> None:
    june_points(world, items)
    secretary = actor(world.people["secretary"])
    dividend_round = services.publish_notice(
        actor=secretary, dividend_round=draft(world), now=JULY_5
    )
    before = state()
    with pytest.raises(ValidationError, match="reason for withdrawing"):
        services.withdraw_notice(actor=secretary, dividend_round=dividend_round, reason="  ")
    assert state() == before
    withdrawn = services.withdraw_notice(
        actor=secretary, dividend_round=dividend_round, reason="村民异议：门牌1-02漏记", now=JULY_5
    )
    assert withdrawn.status == DividendRound.Status.DRAFT
    assert withdrawn.notice_opens_at is None and withdrawn.notice_closes_at is None
    event = AuditEvent.objects.get(action="dividend.withdraw")
    assert event.after is not None and event.after["reason"] == "村民异议：门牌1-02漏记"
    again = services.publish_notice(
        actor=secretary, dividend_round=withdrawn, now=JULY_5 + timedelta(days=1)
    )
    assert again.notice_closes_at == JULY_5 + timedelta(days=4)
    assert actions(again) == [
        "dividend.create",
        "dividend.publish",
        "dividend.withdraw",
        "dividend.publish",
    ]


def test_a_round_without_qualifying_points_cannot_be_published(world: World, items: Items) -> None:
    # Given points only outside the period
    earn(world, world.home, items.patrol, on=datetime(2026, 5, 2, 10, 0, tzinfo=CST))
    dividend_round = draft(world)
    assert dividend_round.total_points == 0
    assert dividend_round.point_value_yuan is None
    assert lines(dividend_round) == [
        ("1-01", "王建国", 0, False, 0),
        ("1-02", "李书记", 0, False, 0),
    ]
    before = state()
    with pytest.raises(ValidationError, match="No household has qualifying points"):
        services.publish_notice(actor=None, dividend_round=dividend_round, now=JULY_5)
    assert state() == before


def test_a_draft_is_discarded_with_its_shares(world: World, items: Items) -> None:
    june_points(world, items)
    dividend_round = draft(world)
    services.discard_round(
        actor=actor(world.people["committee_member"]), dividend_round=dividend_round
    )
    assert not DividendRound.objects.exists() and not DividendShare.objects.exists()
    event = AuditEvent.objects.get(action="dividend.discard")
    assert event.before is not None and event.before["title"] == "2026年6月积分分红"


def test_the_demo_builds_a_final_round(world: World, items: Items) -> None:
    june_points(world, items)
    dividend_round = services.build_final_round(
        village=world.village,
        title="2026年上半年积分分红",
        pool_fen=3_000_000,
        decision=DECISION,
        decided_on=date(2026, 7, 1),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        now=JULY_5,
    )
    assert dividend_round.status == DividendRound.Status.FINAL
    assert dividend_round.notice_opens_at == JULY_5
    assert dividend_round.finalised_at == JULY_5 + timedelta(days=3)
    assert dividend_round.created_by is None and dividend_round.finalised_by is None
    assert sum(payout for *_, payout in lines(dividend_round)) == 3_000_000
    assert actions(dividend_round) == ["dividend.create", "dividend.publish", "dividend.finalise"]
    assert set(
        AuditEvent.objects.values_list("actor_role", flat=True).filter(
            action__startswith="dividend"
        )
    ) == {"system"}


# Refusals ------------------------------------------------------------------------------------

GOOD_TERMS: dict[str, Any] = {
    "title": "2026年6月积分分红",
    "pool_fen": POOL_FEN,
    "decision": DECISION,
    "decided_on": date(2026, 7, 1),
    "period_start": date(2026, 6, 1),
    "period_end": date(2026, 6, 30),
    "min_score": 0,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "  "}, "Give the round a title of at most 80 characters."),
        ({"title": "分" * 81}, "Give the round a title of at most 80 characters."),
        ({"pool_fen": 0}, "The pool must be more than 0 and at most 1,000,000,000 yuan."),
        ({"pool_fen": -100}, "The pool must be more than 0 and at most 1,000,000,000 yuan."),
        (
            {"pool_fen": 100_000_000_001},
            "The pool must be more than 0 and at most 1,000,000,000 yuan.",
        ),
        ({"decision": ""}, "Name the meeting that decided the pool"),
        ({"decided_on": date(2026, 7, 6)}, "The date of the decision cannot be in the future."),
        (
            {"period_start": date(2026, 7, 1)},
            "The period must start on or before its last day.",
        ),
        ({"period_end": date(2026, 7, 5)}, "The period must be over"),
        ({"min_score": -1}, "The minimum score must be between 0 and 1,000,000."),
    ],
)
def test_bad_terms_are_refused_and_change_nothing(
    world: World, items: Items, change: dict[str, Any], message: str
) -> None:
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.create_round(
            actor=actor(world.people["secretary"]),
            village=world.village,
            now=JULY_5,
            **(GOOD_TERMS | change),
        )
    assert refused.value.messages[0].startswith(message)
    assert state() == before


@pytest.mark.parametrize(
    "role",
    [
        "household_head",
        "villager",
        "supervisor",
        "grid_member",
        "township_admin",
        "county_admin",
        "neighbour_secretary",
    ],
)
def test_only_the_village_cadres_run_rounds(world: World, items: Items, role: str) -> None:
    june_points(world, items)
    existing = draft(world)
    someone = actor(world.people[role])
    before = state()
    with pytest.raises(PermissionDenied, match="may not run dividend rounds"):
        services.create_round(actor=someone, village=world.village, now=JULY_5, **GOOD_TERMS)
    for step in (services.recompute_round, services.publish_notice):
        with pytest.raises(PermissionDenied):
            step(actor=someone, dividend_round=existing, now=JULY_5)
    with pytest.raises(PermissionDenied):
        services.discard_round(actor=someone, dividend_round=existing)
    on_notice = services.publish_notice(actor=None, dividend_round=existing, now=JULY_5)
    before = state()
    with pytest.raises(PermissionDenied):
        services.finalise_round(
            actor=someone, dividend_round=on_notice, now=JULY_5 + timedelta(days=9)
        )
    with pytest.raises(PermissionDenied):
        services.withdraw_notice(
            actor=someone, dividend_round=on_notice, reason="不同意", now=JULY_5
        )
    assert state() == before


def test_a_resent_form_makes_one_round(world: World, items: Items) -> None:
    june_points(world, items)
    secretary = actor(world.people["secretary"])
    key = new_key()
    first = services.create_round(
        actor=secretary, village=world.village, idempotency_key=key, now=JULY_5, **GOOD_TERMS
    )
    again = services.create_round(
        actor=secretary, village=world.village, idempotency_key=key, now=JULY_5, **GOOD_TERMS
    )
    assert again.pk == first.pk
    assert DividendRound.objects.count() == 1
    with pytest.raises(ValidationError, match="already sent with different content"):
        services.create_round(
            actor=secretary,
            village=world.village,
            idempotency_key=key,
            now=JULY_5,
            **(GOOD_TERMS | {"pool_fen": 1}),
        )
    assert DividendRound.objects.count() == 1


def test_only_a_village_shares_dividends(world: World) -> None:
    with pytest.raises(ValidationError, match="Only a village"):
        services.create_round(actor=None, village=world.township, now=JULY_5, **GOOD_TERMS)


# The database's own guarantees ---------------------------------------------------------------


def test_the_database_refuses_a_payout_without_qualifying_points(
    world: World, items: Items
) -> None:
    june_points(world, items)
    dividend_round = draft(world)
    share = DividendShare.objects.get(dividend_round=dividend_round, door_plate="1-02")
    with pytest.raises(IntegrityError), transaction.atomic():
        DividendShare.objects.filter(pk=share.pk).update(qualifies=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        DividendShare.objects.filter(pk=share.pk).update(payout_fen=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DividendShare.objects.create(
            dividend_round=dividend_round,
            household=world.home,
            door_plate="1-01",
            points=1,
            qualifies=True,
            payout_fen=1,
        )


def test_the_database_refuses_a_final_round_before_its_notice_closed(
    world: World, items: Items
) -> None:
    june_points(world, items)
    dividend_round = services.publish_notice(actor=None, dividend_round=draft(world), now=JULY_5)
    with pytest.raises(IntegrityError), transaction.atomic():
        DividendRound.objects.filter(pk=dividend_round.pk).update(
            status="final", finalised_at=JULY_5 + timedelta(days=1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DividendRound.objects.filter(pk=dividend_round.pk).update(status="final")
    with pytest.raises(IntegrityError), transaction.atomic():
        DividendRound.objects.filter(pk=dividend_round.pk).update(status="draft")
    with pytest.raises(IntegrityError), transaction.atomic():
        DividendRound.objects.filter(pk=dividend_round.pk).update(total_points=0)
