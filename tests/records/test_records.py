"""Records: photos, caps, idempotency keys, and the review guards on the page path."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from jifen.core.idempotency import IdempotencyConflict, new_key
from jifen.records import services
from jifen.records.models import Record
from tests.conftest import World, log_in
from tests.points import NOW, TODAY, Items, actor, small_rulebook


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


def gps_photo(width: int = 4000, height: int = 3000) -> SimpleUploadedFile:
    """A phone photo with a GPS position in its EXIF."""
    image = Image.new("RGB", (width, height), (90, 140, 60))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 7.0, 12.0), 3: "E", 4: (104.0, 4.0, 9.0)}
    exif[0x010F] = "PhoneMaker"
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_photos_are_shrunk_and_lose_their_location(world: World, items: Items) -> None:
    record = services.declare_deed(
        actor=actor(world.people["household_head"]),
        household=world.home,
        item=items.honour,
        occurred_on=TODAY,
        photos=[gps_photo()],
        idempotency_key=new_key(),
        now=NOW,
    )
    photo = record.photos.get()
    assert (photo.width, photo.height) == (1600, 1200)
    with Image.open(photo.image.path) as stored:
        assert max(stored.size) == 1600
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info


def test_an_item_that_needs_a_photo_is_refused_without_one(world: World, items: Items) -> None:
    with translation.override("en"), pytest.raises(ValidationError, match="needs a photo"):
        services.declare_deed(
            actor=actor(world.people["household_head"]),
            household=world.home,
            item=items.honour,
            occurred_on=TODAY,
            idempotency_key=new_key(),
            now=NOW,
        )
    assert not Record.objects.exists()


def test_a_cap_per_period_is_enforced_with_a_clear_message(world: World, items: Items) -> None:
    head = actor(world.people["household_head"])
    for _ in range(4):  # 4 × 5 = the cap of 20 a month
        services.declare_deed(
            actor=head,
            household=world.home,
            item=items.labour,
            occurred_on=TODAY,
            idempotency_key=new_key(),
            now=NOW,
        )
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.declare_deed(
            actor=head,
            household=world.home,
            item=items.labour,
            occurred_on=TODAY,
            idempotency_key=new_key(),
            now=NOW,
        )
    assert refused.value.messages == [
        "“义务劳动” is capped at 20 points per month. "
        "This household has 20 already, so 5 more would pass the cap."
    ]
    assert Record.objects.count() == 4
    # Next month starts afresh
    services.declare_deed(
        actor=head,
        household=world.home,
        item=items.labour,
        occurred_on=TODAY.replace(month=5),
        idempotency_key=new_key(),
        now=NOW,
    )


def test_the_same_key_twice_creates_one_record_and_a_different_request_is_refused(
    world: World, items: Items
) -> None:
    grid = actor(world.people["grid_member"])
    key = new_key()
    first = services.record_deed(
        actor=grid,
        household=world.home,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=key,
        now=NOW,
    )
    again = services.record_deed(
        actor=grid,
        household=world.home,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=key,
        now=NOW,
    )
    assert first.pk == again.pk
    with pytest.raises(IdempotencyConflict):
        services.record_deed(
            actor=grid,
            household=world.home,
            item=items.patrol,
            quantity=2,
            occurred_on=TODAY,
            idempotency_key=key,
            now=NOW,
        )
    assert Record.objects.count() == 1


def test_a_double_tap_on_the_form_records_once(client: Client, world: World, items: Items) -> None:
    log_in(client, world.people["grid_member"])
    url = reverse("record_for", args=[world.village.code, world.home.pk])
    form = {
        "item": items.patrol.pk,
        "quantity": 1,
        "occurred_on": TODAY.isoformat(),
        "idempotency_key": new_key(),
        "description": "",
    }
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert Record.objects.count() == 1


def test_the_review_page_refuses_the_recorders_own_record(
    client: Client, world: World, items: Items
) -> None:
    record = services.record_deed(
        actor=actor(world.people["committee_member"]),
        household=world.home,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
    )
    log_in(client, world.people["committee_member"])
    page = client.get(reverse("review_queue", args=[world.village.code])).content.decode()
    assert f'value="{record.pk}"' not in page  # no box to tick
    response = client.post(
        reverse("review_queue", args=[world.village.code]),
        {"record": record.pk, "decision": "approve"},
        follow=True,
    )
    assert "不能审核自己登记的记录" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Record.Status.PENDING


def test_the_review_page_refuses_a_record_about_the_reviewers_household(
    client: Client, world: World, items: Items
) -> None:
    secretary_home = world.people["secretary"].resident
    assert secretary_home is not None
    record = services.record_deed(
        actor=actor(world.people["committee_member"]),
        household=secretary_home.household,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
    )
    log_in(client, world.people["secretary"])
    response = client.post(
        reverse("review_queue", args=[world.village.code]),
        {"record": record.pk, "decision": "approve"},
        follow=True,
    )
    assert "不能审核自己家的记录" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Record.Status.PENDING
