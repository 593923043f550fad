"""Every role against every disclosure page and action: allowed, or refused with nothing changed.

Published versions are for the village's people and the township and county over it; drafts
for the village's cadres and supervisory committee; writes for the cadres (sign-off for the
supervisor, questions for households and cadres)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.disclosure.models import Item, Period, Publication, Question, Schedule
from tests.access import check_cell
from tests.conftest import World
from tests.disclosure.conftest import draft_statement, published_statement, sign_off
from tests.test_access_matrix import ROLES

PERSONAS = [*ROLES, "neighbour_secretary", "far_township_admin"]
HOUSEHOLD = {"household_head", "villager"}
CADRES = {"secretary", "committee_member"}
DRAFT_READERS = CADRES | {"supervisor"}
VILLAGE = HOUSEHOLD | CADRES | {"grid_member", "supervisor", "representative"}
OVERSIGHT = {"township_officer", "township_admin", "county_admin"}

ALLOWED: dict[str, set[str]] = {
    "view the village's disclosure": VILLAGE | OVERSIGHT,
    "view a published publication": VILLAGE | OVERSIGHT,
    "print a published publication": VILLAGE | OVERSIGHT,
    "view a draft": DRAFT_READERS,
    "print a draft": DRAFT_READERS,
    "open the editor": CADRES,
    "add a line": CADRES,
    "submit for sign-off": CADRES,
    "open the sign-off page": {"supervisor"},
    "sign off": {"supervisor"},
    "publish": CADRES,
    "start a correction": CADRES,
    "ask about a line": HOUSEHOLD | CADRES,
    "view the schedule": CADRES,
    "set the schedule": CADRES,
    "open a major item at once": CADRES,
    "view the township's overdue": OVERSIGHT,
}
WRITES = {
    "add a line",
    "submit for sign-off",
    "sign off",
    "publish",
    "start a correction",
    "ask about a line",
    "set the schedule",
    "open a major item at once",
}

Request = Callable[[], HttpResponseBase]


def prepare(action: str, client: Client, world: World) -> Request:
    code = world.village.code

    def get(name: str, *args: object) -> Request:
        return lambda: client.get(reverse(name, args=args))

    def post(name: str, *args: object, data: Mapping[str, object]) -> Request:
        return lambda: client.post(reverse(name, args=args), data)

    if action in {"view the village's disclosure", "view the township's overdue"}:
        published_statement(world)
    if action == "view the village's disclosure":
        return get("disclosure_village", code)
    if action == "view the township's overdue":
        return get("disclosure_township", world.township.code)
    if action == "view the schedule":
        return get("disclosure_schedule", code)
    if action == "set the schedule":
        return post(
            "disclosure_schedule",
            code,
            data={"kind": "party", "party-cadence": "monthly", "party-due_day": "10"},
        )
    if action == "open a major item at once":
        return post(
            "disclosure_ad_hoc",
            code,
            data={
                "kind": "village",
                "title": "村道工程招标",
                "due_in_days": "3",
                "idempotency_key": new_key(),
            },
        )
    if action in {"view a published publication", "print a published publication"}:
        name = "disclosure_publication" if action.startswith("view") else "disclosure_pdf"
        return get(name, published_statement(world).pk)
    if action == "start a correction":
        return post("disclosure_correct", published_statement(world).pk, data={"reason": "更正"})
    if action == "ask about a line":
        line = published_statement(world).items.get(title="路灯电费")
        return post(
            "disclosure_ask", line.pk, data={"text": "为什么？", "idempotency_key": new_key()}
        )
    draft = draft_statement(world)
    if action in {"view a draft", "print a draft"}:
        name = "disclosure_publication" if action.startswith("view") else "disclosure_pdf"
        return get(name, draft.pk)
    if action == "open the editor":
        return get("disclosure_edit", draft.pk)
    if action == "add a line":
        return post(
            "disclosure_edit",
            draft.pk,
            data={
                "title": "办公费",
                "occurred_on": "2026-05-30",
                "direction": "expense",
                "amount": "88.00",
                "idempotency_key": new_key(),
            },
        )
    if action == "submit for sign-off":
        return post("disclosure_submit", draft.pk, data={})
    if action == "publish":
        return post("disclosure_publish", sign_off(world, draft).pk, data={})
    from jifen.disclosure import drafting
    from tests.points import actor

    drafting.submit(actor=actor(world.people["secretary"]), publication=draft)
    if action == "open the sign-off page":
        return get("disclosure_review", draft.pk)
    if action == "sign off":
        return post("disclosure_review", draft.pk, data={"sign_off": "1"})
    raise AssertionError(action)


def fingerprint() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        Period.objects.count(),
        Schedule.objects.count(),
        sorted(Publication.objects.values_list("pk", "status")),
        Item.objects.count(),
        Question.objects.count(),
    )


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", PERSONAS)
def test_role_against_disclosure_action(
    client: Client, world: World, role: str, action: str
) -> None:
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
