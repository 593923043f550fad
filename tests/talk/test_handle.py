"""Tasks: handed out to named cadres, progress with photos, done, and overdue as time passes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.notify.models import Notification
from jifen.talk import selectors, services
from jifen.talk.models import Matter, Progress, ProgressPhoto, Task
from tests import factories
from tests.conftest import World, log_in
from tests.points import actor
from tests.talk.conftest import NOW, TODAY, done, hand_out, jpeg, raise_matter


@pytest.fixture
def matter(world: World) -> Matter:
    return raise_matter(world)


def progress(
    world: World,
    task: Task,
    who: str = "committee_member",
    *,
    text: str = "已买好灯泡。",
    photos: Sequence[SimpleUploadedFile] = (),
) -> Progress:
    return services.post_progress(
        actor=actor(world.people[who]),
        task=task,
        text=text,
        photos=photos,
        idempotency_key=new_key(),
        now=NOW,
    )


def test_the_committee_hands_out_a_task(world: World, matter: Matter) -> None:
    task = hand_out(world, matter, assignees=["committee_member", "secretary"])
    assert task.village == world.village
    assert task.due_on == TODAY + timedelta(days=7)
    assert set(task.assignees.all()) == {
        world.people["committee_member"],
        world.people["secretary"],
    }
    assert task.created_by == world.people["secretary"]
    assert not task.is_done
    assert selectors.stage_of(matter) == Matter.Stage.IN_HAND
    event = AuditEvent.objects.get(action="talk.task_created")
    assert event.after == {
        "matter": matter.pk,
        "due_on": "2026-06-08",
        "assignees": sorted([world.people["committee_member"].pk, world.people["secretary"].pk]),
    }


def test_one_task_per_matter(world: World, matter: Matter) -> None:
    hand_out(world, matter)
    with pytest.raises(ValidationError) as refused:
        hand_out(world, matter)
    assert refused.value.messages == ["This matter has a task already."]
    assert Task.objects.count() == 1


@pytest.mark.parametrize(
    ("assignees", "message"),
    [
        ([], "Name at least one cadre in charge."),
        (["grid_member"], "Tasks go only to the secretary and committee members."),
        (["neighbour_secretary"], "Tasks go only to the secretary and committee members."),
        (["committee_member", "villager"], "Tasks go only to the secretary and committee members."),
    ],
)
def test_tasks_go_to_the_villages_cadres(
    world: World, matter: Matter, assignees: list[str], message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        hand_out(world, matter, assignees=assignees)
    assert refused.value.messages == [message]
    assert not Task.objects.exists()


def test_a_revoked_cadre_is_not_given_tasks(world: World, matter: Matter) -> None:
    world.people["committee_member"].grants.update(revoked_at=NOW)
    with pytest.raises(ValidationError):
        hand_out(world, matter)
    assert [u.name for u in services.village_cadres(world.village)] == ["李书记"]


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (-1, "The due date cannot be in the past."),
        (367, "The due date must be within a year."),
    ],
)
def test_the_due_date_is_today_to_a_year_ahead(
    world: World, matter: Matter, due: int, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        hand_out(world, matter, due_on=TODAY + timedelta(days=due))
    assert refused.value.messages == [message]
    hand_out(world, matter, due_on=TODAY)  # today is fine


@pytest.mark.parametrize("who", ["villager", "grid_member", "supervisor", "township_admin"])
def test_only_the_committee_hands_out_tasks(world: World, matter: Matter, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.create_task(
            actor=actor(world.people[who]),
            matter=matter,
            text="修",
            assignees=[world.people["committee_member"]],
            due_on=TODAY,
            now=NOW,
        )
    assert not Task.objects.exists()


def test_progress_with_photos(world: World, matter: Matter) -> None:
    task = hand_out(world, matter)
    step = progress(world, task, photos=[jpeg("1.jpg"), jpeg("2.jpg")])
    assert (step.author, step.text, step.posted_at) == (
        world.people["committee_member"],
        "已买好灯泡。",
        NOW,
    )
    assert step.photos.count() == 2
    # Any cadre posts progress too, not only those named
    progress(world, task, "secretary", text="明天装。")
    assert task.progress.count() == 2
    assert AuditEvent.objects.filter(action="talk.progress").count() == 2


def test_progress_takes_at_most_six_photos_and_some_text(world: World, matter: Matter) -> None:
    task = hand_out(world, matter)
    with pytest.raises(ValidationError) as too_many:
        progress(world, task, photos=[jpeg(f"{n}.jpg") for n in range(7)])
    assert too_many.value.messages == ["At most 6 photos."]
    with pytest.raises(ValidationError) as empty:
        progress(world, task, text=" ")
    assert empty.value.messages == ["Say what was done."]
    assert (Progress.objects.count(), ProgressPhoto.objects.count()) == (0, 0)


def test_an_assignee_acting_in_another_village_role_still_works_on_the_task(
    world: World, matter: Matter
) -> None:
    # The secretary is named, and also holds the villager role here
    task = hand_out(world, matter, assignees=["secretary"])
    factories.grant(world.people["secretary"], "villager", world.village)
    services.post_progress(
        actor=actor(world.people["secretary"], "villager"),
        task=task,
        text="在办",
        idempotency_key=new_key(),
    )
    assert task.progress.count() == 1


@pytest.mark.parametrize(
    "who", ["villager", "grid_member", "township_officer", "neighbour_secretary"]
)
def test_others_do_not_post_progress_or_mark_done(world: World, matter: Matter, who: str) -> None:
    task = hand_out(world, matter)
    with pytest.raises(PermissionDenied):
        progress(world, task, who)
    with pytest.raises(PermissionDenied):
        done(world, task, who=who)
    task.refresh_from_db()
    assert not task.is_done
    assert not Progress.objects.exists()


def test_done_asks_the_raiser_to_rate(world: World, matter: Matter) -> None:
    task = hand_out(world, matter)
    done(world, task, now=NOW + timedelta(days=2))
    task.refresh_from_db()
    assert (task.done_at, task.done_by) == (
        NOW + timedelta(days=2),
        world.people["committee_member"],
    )
    assert selectors.stage_of(matter) == Matter.Stage.DONE
    note = Notification.objects.get(kind=Notification.Kind.TASK_DONE)
    assert note.user == world.people["villager"]
    assert note.text == "“村口路灯坏了” is done. Please rate the work."
    assert AuditEvent.objects.get(action="talk.task_done").after == {
        "done": True,
        "due_on": "2026-06-08",
    }
    # Done is done: once, and no more progress after
    with pytest.raises(ValidationError) as again:
        done(world, task, who="secretary")
    assert again.value.messages == ["This task is done already."]
    with pytest.raises(ValidationError) as late:
        progress(world, task)
    assert late.value.messages == ["This task is done; no more progress is posted."]
    assert Notification.objects.filter(kind=Notification.Kind.TASK_DONE).count() == 1


def test_a_task_is_overdue_the_day_after_its_due_date(world: World, matter: Matter) -> None:
    task = hand_out(world, matter, due_on=TODAY + timedelta(days=3))
    tasks = Task.objects.filter(village=world.village)
    on_due_day = selectors.overdue_tasks(tasks, TODAY + timedelta(days=3))
    day_after = selectors.overdue_tasks(tasks, TODAY + timedelta(days=4))
    ten_days = selectors.overdue_tasks(tasks, TODAY + timedelta(days=13))
    assert on_due_day == []
    assert [(o.task, o.days) for o in day_after] == [(task, 1)]
    assert [(o.task, o.days) for o in ten_days] == [(task, 10)]
    # A done task is never overdue
    done(world, task, now=NOW + timedelta(days=12))
    assert selectors.overdue_tasks(tasks, TODAY + timedelta(days=13)) == []


def test_overdue_tasks_show_on_the_village_and_township_pages(
    client: Client, world: World, matter: Matter
) -> None:
    hand_out(world, matter, due_on=TODAY + timedelta(days=3))
    village_page = reverse("talk_matters", args=[world.village.code])
    township_page = reverse("talk_township", args=[world.township.code])
    log_in(client, world.people["villager"])
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        assert "No task is overdue." in client.get(village_page).content.decode()
    with time_machine.travel(NOW + timedelta(days=5), tick=False):
        page = client.get(village_page).content.decode()
    assert "Due 2026-06-04, 2 days overdue" in page
    log_in(client, world.people["township_officer"])
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        page = client.get(township_page).content.decode()
    assert "桂花村 · 换一个新灯泡" in page
    assert "Due 2026-06-04, 1 day overdue" in page
