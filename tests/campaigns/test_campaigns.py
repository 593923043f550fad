"""Starting a campaign and inspecting households in its rounds."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jifen.audit.models import AuditEvent
from jifen.campaigns import services
from jifen.campaigns.models import Campaign, Inspection
from jifen.core.idempotency import new_key
from tests.campaigns.conftest import IN_ROUND, NOW, Drive, inspect, start_campaign
from tests.conftest import World
from tests.points import actor


def test_rounds_split_the_campaign_evenly() -> None:
    assert services.split_rounds(date(2026, 6, 1), date(2026, 6, 30), 3) == [
        (date(2026, 6, 1), date(2026, 6, 10)),
        (date(2026, 6, 11), date(2026, 6, 20)),
        (date(2026, 6, 21), date(2026, 6, 30)),
    ]
    with pytest.raises(ValidationError, match=r"1 to 6 rounds"):
        services.split_rounds(date(2026, 6, 1), date(2026, 6, 2), 3)


def test_a_cadre_starts_a_campaign_with_items_and_rounds(world: World) -> None:
    # Given the secretary  When they start a campaign
    campaign = start_campaign(world)
    # Then it has its four items and three rounds, and the start is audited
    assert [i.title for i in campaign.items.order_by("position")] == [
        "清除积水容器",
        "房前屋后无杂草",
        "垃圾入桶",
        "下水道通畅",
    ]
    assert list(campaign.rounds.order_by("number").values_list("number", "starts_on")) == [
        (1, date(2026, 6, 1)),
        (2, date(2026, 6, 11)),
        (3, date(2026, 6, 21)),
    ]
    event = AuditEvent.objects.get(action="campaign.created")
    assert event.after is not None and event.after["title"] == "夏季灭蚊行动"


def test_the_same_form_sent_twice_starts_one_campaign(world: World) -> None:
    key = new_key()
    kwargs: dict[str, Any] = dict(
        village=world.village,
        title="门前三包",
        description="",
        starts_on=date(2026, 7, 1),
        ends_on=date(2026, 7, 31),
        items=["门前卫生", "门前秩序", "门前绿化"],
        rounds=[(date(2026, 7, 1), date(2026, 7, 31))],
        idempotency_key=key,
    )
    first = services.create_campaign(actor=actor(world.people["secretary"]), **kwargs)
    second = services.create_campaign(actor=actor(world.people["secretary"]), **kwargs)
    assert first.pk == second.pk
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": " "}, "Give the campaign a title."),
        ({"items": []}, "List 1 to 10 checklist items, one a line."),
        ({"items": ["a", "a"]}, "Each checklist item is listed once."),
        (
            {"ends_on": date(2026, 5, 31)},
            "A campaign ends on or after its first day, within a year.",
        ),
        (
            {
                "rounds": [
                    (date(2026, 6, 1), date(2026, 6, 10)),
                    (date(2026, 6, 5), date(2026, 6, 20)),
                ]
            },
            "Rounds follow one another within the campaign's dates.",
        ),
    ],
)
def test_a_bad_campaign_is_refused_and_nothing_is_made(
    world: World, changes: dict[str, object], message: str
) -> None:
    fields: dict[str, Any] = {
        "title": "灭蚊",
        "description": "",
        "starts_on": date(2026, 6, 1),
        "ends_on": date(2026, 6, 30),
        "items": ["清除积水容器"],
        "rounds": [(date(2026, 6, 1), date(2026, 6, 30))],
        **changes,
    }
    with pytest.raises(ValidationError) as error:
        services.create_campaign(
            actor=actor(world.people["secretary"]),
            village=world.village,
            idempotency_key=new_key(),
            **fields,
        )
    assert error.value.messages == [message]
    assert Campaign.objects.count() == 0


@pytest.mark.parametrize("who", ["villager", "grid_member", "supervisor", "neighbour_secretary"])
def test_only_the_village_committee_starts_campaigns(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied, match=r"Only the village committee starts campaigns."):
        services.create_campaign(
            actor=actor(world.people[who]),
            village=world.village,
            title="灭蚊",
            description="",
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 6, 30),
            items=["清除积水容器"],
            rounds=[(date(2026, 6, 1), date(2026, 6, 30))],
            idempotency_key=new_key(),
        )
    assert Campaign.objects.count() == 0


def test_a_grid_member_inspects_a_household_of_their_grid(world: World, drive: Drive) -> None:
    # When the grid member of grid 1 fails 1-01 on two items in round 2
    inspect(
        world, drive, "1-01", 2, passed=False, failed=(0, 2), note="后院有积水", who="grid_member"
    )
    # Then the inspection holds the items and the note, and it is audited
    inspection = Inspection.objects.get()
    assert (inspection.passed, inspection.note) == (False, "后院有积水")
    assert sorted(i.title for i in inspection.failed_items.all()) == ["垃圾入桶", "清除积水容器"]
    assert inspection.inspector == world.people["grid_member"]
    assert (
        AuditEvent.objects.filter(
            action="campaign.inspected", household=drive.homes["1-01"]
        ).count()
        == 1
    )


def test_inspecting_again_in_the_round_replaces_the_result(world: World, drive: Drive) -> None:
    inspect(world, drive, "1-01", 2, passed=False, failed=(0,))
    inspect(world, drive, "1-01", 2, passed=True)
    inspection = Inspection.objects.get()
    assert inspection.passed is True
    assert list(inspection.failed_items.all()) == []
    event = AuditEvent.objects.filter(action="campaign.inspected").order_by("pk").last()
    assert event is not None and event.before == {
        "passed": False,
        "failed_items": [drive.items[0].pk],
        "note": "",
    }


def test_a_grid_member_may_not_inspect_another_grid(world: World, drive: Drive) -> None:
    with pytest.raises(
        PermissionDenied, match=r"You inspect only the households of your own grid."
    ):
        inspect(world, drive, "2-01", 2, passed=True, who="grid_member")
    assert Inspection.objects.count() == 0


@pytest.mark.parametrize(
    "who", ["villager", "household_head", "supervisor", "neighbour_secretary", "township_admin"]
)
def test_others_may_not_inspect(world: World, drive: Drive, who: str) -> None:
    with pytest.raises(PermissionDenied):
        inspect(world, drive, "1-01", 2, passed=True, who=who)
    assert Inspection.objects.count() == 0


def test_a_round_is_inspected_only_while_it_is_open(world: World, drive: Drive) -> None:
    # Given round 1 closed on 6-10  When the secretary inspects in it on 6-15
    with pytest.raises(ValidationError) as error:
        services.inspect(
            actor=actor(world.people["secretary"]),
            round_=drive.rounds[0],
            household=drive.homes["1-01"],
            passed=True,
            now=NOW,
        )
    assert error.value.messages == ["Round 1 is open from 2026-06-01 to 2026-06-10."]
    assert Inspection.objects.count() == 0


def test_a_failure_names_its_items_and_a_pass_names_none(world: World, drive: Drive) -> None:
    with pytest.raises(ValidationError, match=r"Tick the items the household failed."):
        inspect(world, drive, "1-01", 2, passed=False)
    with pytest.raises(ValidationError, match=r"A household that passed has no failed items."):
        inspect(world, drive, "1-01", 2, passed=True, failed=(1,))
    assert Inspection.objects.count() == 0


def test_an_item_of_another_campaign_is_refused(world: World, drive: Drive) -> None:
    other = start_campaign(world)
    with pytest.raises(ValidationError, match=r"That item belongs to another campaign."):
        services.inspect(
            actor=actor(world.people["secretary"]),
            round_=drive.rounds[1],
            household=drive.homes["1-01"],
            passed=False,
            failed_items=[other.items.get(position=1)],
            now=IN_ROUND[2],
        )
    assert Inspection.objects.count() == 0
