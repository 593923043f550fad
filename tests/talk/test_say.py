"""Raising a matter: who may, what it takes, photos, and a refusal that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.talk import services
from jifen.talk.models import Matter, MatterPhoto
from tests.conftest import World
from tests.points import actor
from tests.talk.conftest import NOW, jpeg, raise_matter


def state() -> tuple[int, int, int]:
    return Matter.objects.count(), MatterPhoto.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("who", ["villager", "household_head", "secretary", "committee_member"])
def test_villagers_and_cadres_raise_a_matter(world: World, who: str) -> None:
    # When someone of the village raises a matter with two photos
    matter = raise_matter(world, who, photos=[jpeg("a.jpg"), jpeg("b.jpg")])
    # Then it is the village's, raised now, waiting for a reply, with its photos
    assert matter.village == world.village
    assert matter.raised_by == world.people[who]
    assert matter.raised_at == NOW
    assert matter.first_reply_at is None
    assert matter.category == Matter.Category.REPAIR
    assert [photo.image.name.endswith(".jpg") for photo in matter.photos.all()] == [True, True]
    event = AuditEvent.objects.get(action="talk.raised")
    assert event.village == world.village
    assert event.after == {"title": "村口路灯坏了", "category": "repair", "photos": 2}


@pytest.mark.parametrize(
    "who",
    [
        "grid_member",
        "supervisor",
        "representative",
        "store_keeper",
        "township_officer",
        "county_admin",
        "neighbour_secretary",
    ],
)
def test_others_may_not_raise_a_matter_here(world: World, who: str) -> None:
    before = state()
    with pytest.raises(PermissionDenied):
        raise_matter(world, who)
    assert state() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "   "}, "Give the matter a title."),
        ({"text": ""}, "Say what the matter is about."),
        ({"title": "路" * 81}, "Keep it to 80 characters; this has 81."),
        ({"text": "字" * 2001}, "Keep it to 2000 characters; this has 2001."),
        (
            {"category": "gossip"},
            "Choose a category: repair, suggestion, complaint or proposal.",
        ),
        ({"photos": [jpeg(f"{n}.jpg") for n in range(7)]}, "At most 6 photos."),
        (
            {"photos": [SimpleUploadedFile("x.jpg", b"not a photo", "image/jpeg")]},
            "This file is not a photo we can read.",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(
    world: World, fields: dict[str, Any], message: str
) -> None:
    before = state()
    with pytest.raises(ValidationError) as refused:
        raise_matter(world, **fields)
    assert refused.value.messages == [message]
    assert state() == before


def test_six_photos_are_the_most(world: World) -> None:
    matter = raise_matter(world, photos=[jpeg(f"{n}.jpg") for n in range(6)])
    assert matter.photos.count() == 6


def test_photos_are_shrunk_and_stripped(world: World, media: object) -> None:
    matter = raise_matter(world, photos=[jpeg(size=(4000, 3000))])
    photo = matter.photos.get()
    assert (photo.width, photo.height) == (1600, 1200)
    with Image.open(photo.image.path) as image:
        assert image.getexif() == {}


def test_title_and_text_are_trimmed(world: World) -> None:
    matter = raise_matter(world, title="  水渠堵了 ", text="\n三组水渠堵了。 ")
    assert (matter.title, matter.text) == ("水渠堵了", "三组水渠堵了。")


def test_a_double_tap_raises_one_matter(world: World) -> None:
    key = new_key()
    villager = actor(world.people["villager"])
    fields: dict[str, Any] = {
        "village": world.village,
        "title": "水渠堵了",
        "text": "三组水渠堵了。",
        "category": Matter.Category.REPAIR,
        "idempotency_key": key,
        "now": NOW,
    }
    first = services.raise_matter(actor=villager, **fields)
    second = services.raise_matter(actor=villager, **fields)
    assert first == second
    assert Matter.objects.count() == 1
