"""Every role against every Talk page and action: allowed, or refused with nothing changed.

Besides the personas of 桂花村, its township and its county, the table holds a secretary of
双河村 (same township, another village) and an admin of another township.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.accounts.models import Role
from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.talk import services
from jifen.talk.models import Comment, CommentReport, Like, Matter, Progress, Rating, Task
from tests import factories
from tests.access import check_cell
from tests.conftest import World
from tests.points import actor
from tests.talk.conftest import comment, hand_out, raise_matter
from tests.test_access_matrix import ROLES

PERSONAS = [*ROLES, "neighbour_secretary", "far_township_admin"]
HOUSEHOLD = {"household_head", "villager"}
CADRES = {"secretary", "committee_member"}
VILLAGE = HOUSEHOLD | CADRES | {"grid_member", "supervisor", "representative"}
OVERSIGHT = {"township_officer", "township_admin", "county_admin"}

ALLOWED: dict[str, set[str]] = {
    "view the village's matters": VILLAGE | OVERSIGHT,
    "open the new matter form": HOUSEHOLD | CADRES,
    "raise a matter": HOUSEHOLD | CADRES,
    "view a matter": VILLAGE | OVERSIGHT,
    "comment on a matter": VILLAGE,
    "like a matter": VILLAGE,
    "report a comment": VILLAGE,
    "hide a comment": CADRES,
    "view the reported comments": CADRES,
    "open the task form": CADRES,
    "hand out a task": CADRES,
    "open the progress form": CADRES,
    "post progress": CADRES,
    "mark a task done": CADRES,
    "open the rating form": HOUSEHOLD,
    "rate a task": HOUSEHOLD,
    "view the township's overview": OVERSIGHT,
}
WRITES = {
    "raise a matter",
    "comment on a matter",
    "like a matter",
    "report a comment",
    "hide a comment",
    "hand out a task",
    "post progress",
    "mark a task done",
    "rate a task",
}

Request = Callable[[], HttpResponseBase]


def prepare(action: str, client: Client, world: World) -> Request:
    """What ``action`` needs (a matter raised by a villager outside the table, a comment by
    them, a task), and the request that attempts it."""
    author = factories.account("孙村民", Role.VILLAGER, world.village)
    world.people["author"] = author
    matter = raise_matter(world, "author")
    said = comment(world, matter, "author", "路灯早该修了。")
    code = world.village.code

    def get(name: str, *args: object) -> Request:
        return lambda: client.get(reverse(name, args=args))

    def post(name: str, *args: object, data: Mapping[str, object]) -> Request:
        return lambda: client.post(reverse(name, args=args), data)

    matter_data = {
        "title": "水渠堵了",
        "category": "repair",
        "text": "三组水渠堵了。",
        "idempotency_key": new_key(),
    }
    simple: dict[str, Callable[[], Request]] = {
        "view the village's matters": lambda: get("talk_matters", code),
        "open the new matter form": lambda: get("talk_matter_new", code),
        "raise a matter": lambda: post("talk_matter_new", code, data=matter_data),
        "view a matter": lambda: get("talk_matter", matter.pk),
        "comment on a matter": lambda: post(
            "talk_matter", matter.pk, data={"text": "同意", "idempotency_key": new_key()}
        ),
        "like a matter": lambda: post("talk_like", matter.pk, data={"liked": "1"}),
        "report a comment": lambda: post("talk_report", said.pk, data={"reason": "骂人"}),
        "hide a comment": lambda: post("talk_hide", said.pk, data={"reason": "跑题"}),
        "view the reported comments": lambda: get("talk_reports", code),
        "open the task form": lambda: get("talk_task_new", matter.pk),
        "hand out a task": lambda: post(
            "talk_task_new",
            matter.pk,
            data={
                "text": "换灯泡",
                "assignees": [world.people["committee_member"].pk],
                "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
            },
        ),
        "view the township's overview": lambda: get("talk_township", world.township.code),
    }
    if action in simple:
        return simple[action]()
    task = hand_out(world, matter)
    if action == "open the progress form":
        return get("talk_progress", task.pk)
    if action == "post progress":
        return post(
            "talk_progress", task.pk, data={"text": "买好灯泡了", "idempotency_key": new_key()}
        )
    if action == "mark a task done":
        return post("talk_done", task.pk, data={})
    # Done now, whatever the day: the rating window is open
    services.mark_done(actor=actor(world.people["committee_member"]), task=task)
    if action == "open the rating form":
        return get("talk_rate", task.pk)
    if action == "rate a task":
        return post("talk_rate", task.pk, data={"stars": "4", "comment": "修得快"})
    raise AssertionError(action)


def fingerprint() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        Matter.objects.count(),
        sorted(Comment.objects.values_list("text", "hidden_reason")),
        Like.objects.count(),
        CommentReport.objects.count(),
        sorted(Task.objects.values_list("done_at", flat=True), key=str),
        Progress.objects.count(),
        Rating.objects.count(),
    )


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", PERSONAS)
def test_role_against_talk_action(client: Client, world: World, role: str, action: str) -> None:
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
