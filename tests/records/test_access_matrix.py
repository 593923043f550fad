"""Every role against every points page and action; refusals change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.ledger.models import Entry
from jifen.ledger.services import create_checkpoint, post_due_records
from jifen.places.models import Household
from jifen.records import services
from jifen.records.models import Objection, Record, Report
from tests.conftest import World, log_in
from tests.points import Items, actor, small_rulebook
from tests.test_access_matrix import ROLES

VILLAGE_MEMBERS = {
    "household_head",
    "villager",
    "grid_member",
    "secretary",
    "committee_member",
    "supervisor",
    "representative",
}
CADRES = {"secretary", "committee_member"}

ALLOWED: dict[str, set[str]] = {
    "open the declaration form": {"household_head", "villager"},
    "open the record form for a household": CADRES | {"grid_member"},
    "open the inspection round": {"grid_member"},
    "open the report form": VILLAGE_MEMBERS - {"household_head", "villager"},
    "open the review queue": CADRES,
    "approve a record": CADRES,
    "object to a record on notice": VILLAGE_MEMBERS - {"grid_member"},
    "decide an objection": CADRES,
    "verify a report": CADRES,
    "open the correction form": CADRES,
    "view the village board": VILLAGE_MEMBERS
    | {"township_officer", "township_admin", "county_admin"},
    "view a household's points": {
        "household_head",
        "villager",
        "secretary",
        "committee_member",
        "supervisor",
    },
    "download an entry's proof": {
        "household_head",
        "villager",
        "secretary",
        "committee_member",
        "supervisor",
    },
}

Request = Callable[[], HttpResponseBase]


def _pending(world: World, items: Items) -> Record:
    return services.record_deed(
        actor=actor(world.people["grid_member"]),
        household=world.home,
        item=items.patrol,
        occurred_on=world_today(),
        idempotency_key=new_key(),
    )


def world_today() -> date:
    return timezone.localdate()


def _on_notice(world: World, items: Items) -> Record:
    record = _pending(world, items)
    return services.review_record(
        actor=actor(world.people["committee_member"]), record=record, approve=True
    )


def _posted(world: World, items: Items) -> Record:
    record = _on_notice(world, items)
    post_due_records(now=timezone.now() + timedelta(days=4))
    create_checkpoint(village=world.village, now=timezone.now() + timedelta(days=4))
    record.refresh_from_db()
    return record


def other_household(world: World) -> Household:
    return Household.objects.get(village=world.village, door_plate="1-02")


def prepare(action: str, client: Client, world: World, items: Items) -> Request:
    code = world.village.code
    if action == "open the declaration form":
        return lambda: client.get(reverse("declare", args=[code]))
    if action == "open the record form for a household":
        return lambda: client.get(reverse("record_for", args=[code, world.home.pk]))
    if action == "open the inspection round":
        return lambda: client.get(reverse("inspection", args=[code]))
    if action == "open the report form":
        return lambda: client.get(reverse("report", args=[code, world.home.pk]))
    if action == "open the review queue":
        return lambda: client.get(reverse("review_queue", args=[code]))
    if action == "approve a record":
        record = _pending(world, items)
        return lambda: client.post(
            reverse("review_queue", args=[code]), {"record": record.pk, "decision": "approve"}
        )
    if action == "object to a record on notice":
        record = _on_notice(world, items)
        return lambda: client.post(reverse("object_to", args=[code, record.pk]), {"reason": "不对"})
    if action == "decide an objection":
        record = _on_notice(world, items)
        objection = services.object_to_record(
            actor=actor(world.people["representative"]), record=record, reason="不对"
        )
        return lambda: client.post(
            reverse("decide_objection", args=[code, objection.pk]),
            {"decision": "dismiss", "reason": "核实无误"},
        )
    if action == "verify a report":
        report = services.report_deed(
            actor=actor(world.people["representative"]),
            household=world.home,
            item=items.littering,
            description="乱扔垃圾",
            occurred_on=world_today(),
            idempotency_key=new_key(),
        )
        return lambda: client.post(
            reverse("verify_report", args=[code, report.pk]),
            {"decision": "confirm", "note": "属实"},
        )
    if action == "open the correction form":
        record = _posted(world, items)
        return lambda: client.get(reverse("correct", args=[code, record.pk]))
    if action == "view the village board":
        return lambda: client.get(reverse("village_board", args=[code]))
    if action == "view a household's points":
        return lambda: client.get(reverse("household_points", args=[code, world.home.pk]))
    if action == "download an entry's proof":
        _posted(world, items)
        entry = Entry.objects.filter(account__household=world.home).first()
        assert entry is not None
        return lambda: client.get(reverse("entry_proof", args=[code, entry.seq]))
    raise AssertionError(action)


def fingerprint() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        Record.objects.count(),
        sorted(Record.objects.values_list("status", flat=True)),
        Objection.objects.filter(outcome=Objection.Outcome.OPEN).count(),
        Report.objects.filter(status=Report.Status.WAITING).count(),
        Entry.objects.count(),
    )


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_role_against_points_action(client: Client, world: World, role: str, action: str) -> None:
    items = small_rulebook(world.village)
    perform = prepare(action, client, world, items)
    log_in(client, world.people[role])
    before = fingerprint()
    response = perform()
    if role in ALLOWED[action]:
        assert response.status_code in {200, 302}, f"{role} may {action}"
        if action in {
            "approve a record",
            "object to a record on notice",
            "decide an objection",
            "verify a report",
        }:
            assert fingerprint() != before, f"{role}'s {action} changed nothing"
    else:
        assert response.status_code in {403, 404}, (
            f"{role} may not {action}: {response.status_code}"
        )
        assert fingerprint() == before
