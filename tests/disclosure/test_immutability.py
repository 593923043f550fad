"""A published publication and its items never change: every path is tried, and refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from jifen.core.idempotency import new_key
from jifen.disclosure import drafting
from jifen.disclosure.models import Item, Publication
from tests.conftest import World, log_in
from tests.disclosure.conftest import NOW, items_of, published_statement
from tests.points import actor

PDF = b"%PDF-1.4\n%test voucher\n"
FROZEN = "This publication is published and can no longer change; publish a correction."


def state(publication: Publication) -> tuple[Any, ...]:
    row = Publication.objects.filter(pk=publication.pk).values().get()
    return (row, items_of(publication))


def refused_by_database(change: Callable[[], object]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        change()


@pytest.fixture
def published(world: World) -> Publication:
    return published_statement(world)


def test_the_services_refuse_every_change(world: World, published: Publication) -> None:
    before = state(published)
    cadre = actor(world.people["secretary"])
    line = published.items.first()
    assert line is not None
    attempts: list[Callable[[], object]] = [
        lambda: drafting.add_item(
            actor=cadre,
            publication=published,
            title="补记",
            occurred_on=date(2026, 5, 30),
            direction="income",
            yuan="1",
        ),
        lambda: drafting.edit_item(
            actor=cadre,
            item=line,
            title="改",
            occurred_on=date(2026, 5, 6),
            direction="income",
            yuan="1",
        ),
        lambda: drafting.edit_item(
            actor=cadre,
            item=line,
            title=line.title,
            occurred_on=line.occurred_on,
            direction=line.direction,
            yuan="50000",
            attachment=SimpleUploadedFile("v.pdf", PDF, content_type="application/pdf"),
        ),
        lambda: drafting.remove_item(actor=cadre, item=line),
        lambda: drafting.update_publication(
            actor=cadre, publication=published, title="改名", opening_balance=1
        ),
        lambda: drafting.submit(actor=cadre, publication=published),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.messages == [FROZEN]
    with pytest.raises(ValidationError):
        drafting.sign_off(actor=actor(world.people["supervisor"]), publication=published)
    with pytest.raises(ValidationError):
        drafting.return_for_changes(
            actor=actor(world.people["supervisor"]), publication=published, reason="改"
        )
    with pytest.raises(PermissionDenied):
        drafting.start_publication(
            actor=actor(world.people["villager"]), period=published.period, title="x"
        )
    assert state(published) == before


def test_every_page_post_leaves_it_unchanged(
    client: Client, world: World, published: Publication
) -> None:
    before = state(published)
    line = published.items.first()
    assert line is not None
    log_in(client, world.people["secretary"])
    fields = {
        "title": "改",
        "occurred_on": "2026-05-06",
        "direction": "income",
        "amount": "1",
        "voucher": "",
        "text": "",
        "idempotency_key": new_key(),
    }
    attachment = SimpleUploadedFile("v.pdf", PDF, content_type="application/pdf")
    responses = [
        client.post(reverse("disclosure_edit", args=[published.pk]), fields),
        client.post(
            reverse("disclosure_item_edit", args=[line.pk]), fields | {"attachment": attachment}
        ),
        client.post(reverse("disclosure_item_remove", args=[line.pk])),
        client.post(reverse("disclosure_submit", args=[published.pk])),
        client.post(reverse("disclosure_publish", args=[published.pk])),
    ]
    assert [r.status_code for r in responses] == [200, 200, 302, 302, 302]
    assert FROZEN in responses[0].content.decode()
    log_in(client, world.people["supervisor"])
    review = client.post(reverse("disclosure_review", args=[published.pk]), {"sign_off": "1"})
    returned = client.post(
        reverse("disclosure_review", args=[published.pk]), {"return": "1", "reason": "改"}
    )
    assert review.status_code == returned.status_code == 200
    assert state(published) == before


def test_the_database_refuses_save_update_delete_and_raw_sql(published: Publication) -> None:
    before = state(published)
    line = Item.objects.filter(publication=published).first()
    assert line is not None

    def save_publication() -> None:
        published.title = "改名"
        published.save()

    def save_item() -> None:
        line.amount = 1
        line.save()

    def replace_attachment() -> None:
        line.attachment = SimpleUploadedFile("v.pdf", PDF)
        line.save()

    attempts: list[Callable[[], object]] = [
        save_publication,
        lambda: Publication.objects.filter(pk=published.pk).update(title="改名"),
        lambda: Publication.objects.filter(pk=published.pk).update(closing_balance=0),
        lambda: Publication.objects.filter(pk=published.pk).delete(),
        save_item,
        replace_attachment,
        lambda: Item.objects.filter(pk=line.pk).update(amount=1),
        lambda: Item.objects.filter(publication=published).delete(),
        lambda: Item.objects.create(publication=published, position=99, title="补记", text=""),
        lambda: Item.objects.bulk_create([Item(publication=published, position=98, title="补")]),
        lambda: connection.cursor().execute(
            "UPDATE disclosure_publication SET title = 'x' WHERE id = %s", [published.pk]
        ),
        lambda: connection.cursor().execute(
            "DELETE FROM disclosure_publication WHERE id = %s", [published.pk]
        ),
        lambda: connection.cursor().execute(
            "UPDATE disclosure_item SET amount = 1 WHERE publication_id = %s", [published.pk]
        ),
        lambda: connection.cursor().execute(
            "DELETE FROM disclosure_item WHERE publication_id = %s", [published.pk]
        ),
        lambda: connection.cursor().execute(
            "INSERT INTO disclosure_item (publication_id, position, title, text, direction, "
            "voucher, attachment) VALUES (%s, 50, 'x', '', '', '', '')",
            [published.pk],
        ),
    ]
    for attempt in attempts:
        refused_by_database(attempt)
        line.refresh_from_db()
    assert state(published) == before


def test_moving_an_item_into_a_published_publication_is_refused(
    world: World, published: Publication
) -> None:
    # Given a draft of another period with a line
    from jifen.disclosure import services
    from jifen.disclosure.models import Kind

    period = services.open_period(village=world.village, kind=Kind.PARTY, day=NOW.date())
    draft = drafting.start_publication(
        actor=actor(world.people["secretary"]), period=period, title="党务"
    )
    stray = drafting.add_item(actor=actor(world.people["secretary"]), publication=draft, title="x")
    before = state(published)
    refused_by_database(
        lambda: Item.objects.filter(pk=stray.pk).update(publication=published, position=77)
    )
    assert state(published) == before
