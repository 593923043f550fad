"""Matters of 桂花村 at a fixed moment, photos to upload, and a few builders.

Every test here reads the English messages (the ``in_english`` fixture is automatic).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from jifen.accounts.models import User
from jifen.core.idempotency import new_key
from jifen.talk import services
from jifen.talk.models import Comment, Matter, Task
from tests.conftest import World
from tests.points import actor

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning in the village.
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def in_english(client: Client, settings: Any) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    """Uploaded photos go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg(name: str = "ditch.jpg", size: tuple[int, int] = (640, 480)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def raise_matter(
    world: World,
    who: str = "villager",
    *,
    title: str = "村口路灯坏了",
    text: str = "村口那盏路灯一个星期没亮了，晚上走路看不见。",
    category: str = Matter.Category.REPAIR,
    photos: Sequence[SimpleUploadedFile] = (),
    now: datetime = NOW,
) -> Matter:
    return services.raise_matter(
        actor=actor(world.people[who]),
        village=world.village,
        title=title,
        text=text,
        category=category,
        photos=photos,
        idempotency_key=new_key(),
        now=now,
    )


def comment(
    world: World,
    matter: Matter,
    who: str = "household_head",
    text: str = "我也看到了。",
    *,
    reply_to: Comment | None = None,
    now: datetime = NOW,
) -> Comment:
    return services.comment_on(
        actor=actor(world.people[who]),
        matter=matter,
        text=text,
        reply_to=reply_to,
        idempotency_key=new_key(),
        now=now,
    )


def hand_out(
    world: World,
    matter: Matter,
    *,
    assignees: Sequence[str] = ("committee_member",),
    due_on: date = TODAY + timedelta(days=7),
    now: datetime = NOW,
) -> Task:
    return services.create_task(
        actor=actor(world.people["secretary"]),
        matter=matter,
        text="换一个新灯泡",
        assignees=[world.people[name] for name in assignees],
        due_on=due_on,
        now=now,
    )


def done(
    world: World, task: Task, *, who: str = "committee_member", now: datetime | None = NOW
) -> Task:
    return services.mark_done(actor=actor(world.people[who]), task=task, now=now)


def person(world: World, name: str) -> User:
    return world.people[name]
