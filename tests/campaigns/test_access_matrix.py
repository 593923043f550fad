"""Every role against every campaign and list page and action: allowed, or refused with
nothing changed. The lists follow the default privacy setting (the village and those over it);
tests/campaigns/test_privacy.py holds the public setting."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date

import pytest
import time_machine
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from jifen.audit.models import AuditEvent
from jifen.campaigns import services
from jifen.campaigns.models import Board, Campaign, Entry, Inspection
from jifen.core.idempotency import new_key
from tests.access import check_cell
from tests.campaigns.conftest import NOW, start_campaign
from tests.conftest import World
from tests.points import actor
from tests.test_access_matrix import ROLES

PERSONAS = [*ROLES, "neighbour_secretary", "far_township_admin"]
HOUSEHOLD = {"household_head", "villager"}
CADRES = {"secretary", "committee_member"}
VILLAGE = HOUSEHOLD | CADRES | {"grid_member", "supervisor", "representative"}
OVERSIGHT = {"township_officer", "township_admin", "county_admin"}

ALLOWED: dict[str, set[str]] = {
    "view the campaigns": VILLAGE | OVERSIGHT,
    "view a campaign": VILLAGE | OVERSIGHT,
    "open the campaign form": CADRES,
    "start a campaign": CADRES,
    "view a round": CADRES | {"grid_member"},
    "open an inspection": CADRES | {"grid_member"},
    "inspect a household": CADRES | {"grid_member"},
    "view the lists": VILLAGE | OVERSIGHT,
    "view a confirmed board": VILLAGE | OVERSIGHT,
    "print a confirmed board": VILLAGE | OVERSIGHT,
    "view a draft board": CADRES,
    "draw up a board": CADRES,
    "add an entry": CADRES,
    "edit an entry": CADRES,
    "remove an entry": CADRES,
    "confirm a board": CADRES,
    "discard a draft": CADRES,
    "withdraw an entry": CADRES,
}
WRITES: dict[str, int] = {
    name: 302
    for name in [
        "start a campaign",
        "inspect a household",
        "draw up a board",
        "add an entry",
        "edit an entry",
        "remove an entry",
        "confirm a board",
        "discard a draft",
        "withdraw an entry",
    ]
}

Request = Callable[[], HttpResponseBase]


@pytest.fixture(autouse=True)
def mid_june() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def prepare(action: str, client: Client, world: World) -> Request:
    """Make what the action needs (a campaign, a draft board for June with a black entry, a
    confirmed board for May with a red entry), and the request that attempts it."""
    campaign = start_campaign(world)
    cadre = actor(world.people["secretary"])
    draft = services.prepare_board(actor=cadre, village=world.village, month=date(2026, 6, 1))
    entry = services.add_entry(
        actor=cadre, board=draft, household=world.home, colour="black", reason="乱倒垃圾"
    )
    may = services.prepare_board(actor=cadre, village=world.village, month=date(2026, 5, 1))
    honoured = services.add_entry(
        actor=cadre, board=may, household=world.home, colour="red", reason="好人好事"
    )
    services.confirm_board(actor=cadre, board=may)
    round_two = campaign.rounds.get(number=2)
    code = world.village.code

    def get(name: str, *args: object) -> Request:
        return lambda: client.get(reverse(name, args=args))

    def post(name: str, *args: object, data: Mapping[str, object]) -> Request:
        return lambda: client.post(reverse(name, args=args), data)

    requests: dict[str, Request] = {
        "view the campaigns": get("campaigns_village", code),
        "view a campaign": get("campaigns_campaign", campaign.pk),
        "open the campaign form": get("campaigns_new", code),
        "start a campaign": post(
            "campaigns_new",
            code,
            data={
                "idempotency_key": new_key(),
                "title": "门前三包",
                "starts_on": "2026-07-01",
                "ends_on": "2026-07-31",
                "items": "门前卫生",
                "round_count": "1",
            },
        ),
        "view a round": get("campaigns_round", round_two.pk),
        "open an inspection": get("campaigns_inspect", round_two.pk, world.home.pk),
        "inspect a household": post(
            "campaigns_inspect", round_two.pk, world.home.pk, data={"result": "pass"}
        ),
        "view the lists": get("campaigns_lists", code),
        "view a confirmed board": get("campaigns_board", may.pk),
        "print a confirmed board": get("campaigns_board_pdf", may.pk),
        "view a draft board": get("campaigns_board", draft.pk),
        "draw up a board": post("campaigns_board_new", code, data={"month": "2026-04"}),
        "add an entry": post(
            "campaigns_entry_add",
            draft.pk,
            data={"household": _other_home(world), "colour": "red", "reason": "助人"},
        ),
        "edit an entry": post(
            "campaigns_entry",
            entry.pk,
            data={
                "reason": "乱倒垃圾",
                "remedy": "清理",
                "remedy_by": "2026-06-30",
                "expires_on": "",
            },
        ),
        "remove an entry": post("campaigns_entry_remove", entry.pk, data={}),
        "confirm a board": post("campaigns_board_confirm", _ready(draft, entry), data={}),
        "discard a draft": post("campaigns_board_discard", draft.pk, data={}),
        "withdraw an entry": post(
            "campaigns_entry_withdraw", honoured.pk, data={"reason": "搞错了"}
        ),
    }
    return requests[action]


def _other_home(world: World) -> int:
    other = world.village.households.exclude(pk=world.home.pk).first()
    assert other is not None
    return other.pk


def _ready(draft: Board, entry: Entry) -> int:
    """Say what to put right, so that the draft can be confirmed."""
    Entry.objects.filter(pk=entry.pk).update(
        remedy="清理", remedy_by=date(2026, 6, 30), expires_on=date(2026, 7, 30)
    )
    return draft.pk


def fingerprint() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        Campaign.objects.count(),
        Inspection.objects.count(),
        sorted(Board.objects.values_list("pk", "status")),
        sorted(Entry.objects.values_list("pk", "reason", "remedy", "withdrawn_at"), key=str),
    )


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", PERSONAS)
def test_role_against_campaign_action(client: Client, world: World, role: str, action: str) -> None:
    check_cell(
        client,
        world,
        role,
        action,
        actions={action: lambda c, w: prepare(action, c, w)},
        allowed=ALLOWED,
        changes=WRITES,
        fingerprint=fingerprint,
    )
