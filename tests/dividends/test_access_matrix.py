"""Every role against every dividend page and action, as a table: allowed or refused.

A refused request answers 403 or 404 and changes nothing; an allowed change redirects and
changes something.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.dividends import services
from jifen.dividends.models import DividendRound, DividendShare
from tests.access import check_cell
from tests.conftest import World
from tests.dividends.conftest import draft, final, june_points
from tests.points import small_rulebook
from tests.test_access_matrix import ROLES

ALL_ROLES = [*ROLES, "neighbour_secretary", "far_township_admin"]
CADRES = {"secretary", "committee_member"}
OVERSIGHT = {"township_officer", "township_admin", "county_admin"}
# Villagers of 桂花村 in the sense of its village board: the store keeper is not among them.
VILLAGERS = CADRES | {"household_head", "villager", "grid_member", "supervisor", "representative"}
READERS = VILLAGERS | OVERSIGHT
DRAFT_READERS = CADRES | {"supervisor"} | OVERSIGHT

# action -> the roles allowed to do it. Everyone else is refused.
ALLOWED: dict[str, set[str]] = {
    "view the rounds": READERS,
    "view a final round": READERS,
    "view a round on notice": READERS,
    "view a draft round": DRAFT_READERS,
    "open the new round form": CADRES,
    "create a round": CADRES,
    "compute a draft again": CADRES,
    "publish a draft": CADRES,
    "withdraw a notice": CADRES,
    "finalise a round": CADRES,
    "discard a draft": CADRES,
    "download the payout list": CADRES | OVERSIGHT,
}

Request = Callable[[], HttpResponseBase]
Prepare = Callable[[Client, World], Request]


def with_points(world: World) -> None:
    june_points(world, small_rulebook(world.village))


def a_draft(world: World) -> DividendRound:
    with_points(world)
    return draft(world)


def a_final_round(world: World) -> DividendRound:
    with_points(world)
    return final(world)


def on_notice_until_yesterday(world: World) -> DividendRound:
    """Published long enough ago that its notice has closed, by the real clock of the views."""
    with_points(world)
    published = timezone.now() - timedelta(days=10)
    return services.publish_notice(actor=None, dividend_round=draft(world), now=published)


def on_notice_now(world: World) -> DividendRound:
    with_points(world)
    return services.publish_notice(actor=None, dividend_round=draft(world), now=timezone.now())


def page(
    name: str,
    setup: Callable[[World], object],
    *,
    method: str = "get",
    data: dict[str, Any] | None = None,
) -> Prepare:
    def prepare(client: Client, world: World) -> Request:
        made = setup(world)
        args: list[object] = [world.village.code]
        if isinstance(made, DividendRound):
            args.append(made.pk)
        url = reverse(name, args=args)
        if method == "post":
            return lambda: client.post(url, data or {})
        return lambda: client.get(url)

    return prepare


NEW_ROUND = {
    "title": "2026年6月积分分红",
    "pool_yuan": "1000.00",
    "decision": "村民代表会议 2026-07-01 决议：集体经营性收入的30%",
    "decided_on": "2026-07-01",
    "period_start": "2026-06-01",
    "period_end": "2026-06-30",
    "min_score": "0",
    "idempotency_key": "k" * 32,
}

ACTIONS: dict[str, Prepare] = {
    "view the rounds": page("dividends_rounds", with_points),
    "view a final round": page("dividends_round", a_final_round),
    "view a round on notice": page("dividends_round", on_notice_now),
    "view a draft round": page("dividends_round", a_draft),
    "open the new round form": page("dividends_new", with_points),
    "create a round": page("dividends_new", with_points, method="post", data=NEW_ROUND),
    "compute a draft again": page("dividends_recompute", a_draft, method="post"),
    "publish a draft": page("dividends_publish", a_draft, method="post"),
    "withdraw a notice": page(
        "dividends_withdraw", on_notice_now, method="post", data={"reason": "村民异议成立"}
    ),
    "finalise a round": page("dividends_finalise", on_notice_until_yesterday, method="post"),
    "discard a draft": page("dividends_discard", a_draft, method="post"),
    "download the payout list": page("dividends_payouts", a_final_round),
}
# The actions that change something when allowed (a POST that redirects).
CHANGES = {
    "create a round",
    "compute a draft again",
    "publish a draft",
    "withdraw a notice",
    "finalise a round",
    "discard a draft",
}


def fingerprint() -> tuple[object, ...]:
    """Everything these actions could change."""
    return (
        AuditEvent.objects.count(),
        sorted(
            DividendRound.objects.values_list(
                "pk", "status", "computed_at", "notice_closes_at", "finalised_at"
            )
        ),
        sorted(DividendShare.objects.values_list("pk", "points", "payout_fen")),
    )


def test_the_table_covers_every_action() -> None:
    assert set(ALLOWED) == set(ACTIONS)
    assert set(CHANGES) < set(ACTIONS)
    assert all(allowed <= set(ALL_ROLES) for allowed in ALLOWED.values())


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ALL_ROLES)
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
