"""The disclosure pages: what they show, and query counts that do not grow with publications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse

from jifen.core.idempotency import new_key
from jifen.disclosure import drafting, services
from jifen.disclosure.models import Item, Kind, Publication
from jifen.places.models import Place
from tests.conftest import World, log_in
from tests.disclosure.conftest import SHANGHAI, draft_statement, published_statement
from tests.points import actor

LATER = datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)


def months(world: World, first: int, last: int) -> None:
    """Monthly statements of 桂花村 published, from month ``first`` to ``last``."""
    for month in range(first, last + 1):
        period = services.open_period(
            village=world.village, kind=Kind.FINANCE, day=date(2026, month, 1)
        )
        published_statement(
            world, period=period, lines=[(f"2026-{month:02d}-05", "收入", "income", "10")]
        )


def test_the_village_page_shows_status_and_overdue(client: Client, world: World) -> None:
    # Given May published, April with a draft awaiting sign-off, and the first quarter's party
    # affairs never published (due 20 April)
    published_statement(world)
    april = services.open_period(village=world.village, kind=Kind.FINANCE, day=date(2026, 4, 1))
    draft = draft_statement(world, period=april)
    drafting.submit(actor=actor(world.people["secretary"]), publication=draft)
    services.open_period(village=world.village, kind=Kind.PARTY, day=date(2026, 2, 1))
    log_in(client, world.people["supervisor"])
    with time_machine.travel(datetime(2026, 6, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        page = client.get(reverse("disclosure_village", args=[world.village.code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Awaiting sign-off by the supervisory committee" in html
    assert reverse("disclosure_review", args=[draft.pk]) in html
    assert html.count("Overdue") >= 2  # April (due 15 May) and the first quarter's party affairs
    # A villager sees no draft
    log_in(client, world.people["villager"])
    html = client.get(reverse("disclosure_village", args=[world.village.code])).content.decode()
    assert reverse("disclosure_publication", args=[draft.pk]) not in html


def test_the_township_page_lists_overdue_per_village(client: Client, world: World) -> None:
    services.open_period(village=world.neighbour_village, kind=Kind.FINANCE, day=date(2026, 4, 1))
    published_statement(world)
    log_in(client, world.people["township_officer"])
    with time_machine.travel(datetime(2026, 6, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        html = client.get(
            reverse("disclosure_township", args=[world.township.code])
        ).content.decode()
    assert "1 overdue publication in the township." in html
    assert "双河村" in html and "桂花村" in html and "2026-05-15" in html


def test_a_corrected_publication_shows_both_versions_and_what_changed(
    client: Client, world: World
) -> None:
    first = published_statement(world)
    cadre = actor(world.people["secretary"])
    correction = drafting.start_correction(actor=cadre, publication=first, reason="电费录错")
    line = correction.items.get(title="路灯电费")
    drafting.edit_item(
        actor=cadre,
        item=line,
        title=line.title,
        occurred_on=line.occurred_on,
        direction=line.direction,
        yuan="2364.50",
    )
    from tests.disclosure.conftest import sign_off

    second = drafting.publish(actor=cadre, publication=sign_off(world, correction))
    log_in(client, world.people["villager"])
    old = client.get(reverse("disclosure_publication", args=[first.pk])).content.decode()
    new = client.get(reverse("disclosure_publication", args=[second.pk])).content.decode()
    assert "Superseded: corrected by version 2." in old
    assert "Superseded" not in new
    assert "电费录错" in new and "Version 1" in new
    assert "236.45" in new and "2,364.50" in new  # in "what changed"
    assert "Changed: 路灯电费 (236.45) → 路灯电费 (2,364.50)" in new


def test_the_editor_adds_a_line_from_yuan_and_refuses_a_bad_amount(
    client: Client, world: World
) -> None:
    draft = draft_statement(world, lines=[])
    log_in(client, world.people["committee_member"])
    url = reverse("disclosure_edit", args=[draft.pk])
    fields = {"title": "办公费", "occurred_on": "2026-05-30", "direction": "expense"}
    bad = client.post(url, fields | {"amount": "12.345", "idempotency_key": new_key()})
    assert "Enter the amount in yuan with at most two decimals." in bad.content.decode()
    assert Item.objects.count() == 0
    key = new_key()
    good = client.post(
        url, fields | {"amount": "1,280.5", "voucher": "记-2026-05-009", "idempotency_key": key}
    )
    assert good.status_code == 302
    # The same form sent again (a double tap) adds nothing
    again = client.post(
        url, fields | {"amount": "1,280.5", "voucher": "记-2026-05-009", "idempotency_key": key}
    )
    assert again.status_code == 302
    assert list(Item.objects.values_list("amount", "voucher")) == [(128050, "记-2026-05-009")]


def test_an_attachment_must_be_a_photo_or_pdf(client: Client, world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    draft = draft_statement(world, lines=[])
    log_in(client, world.people["secretary"])
    fields = {
        "title": "办公费",
        "occurred_on": "2026-05-30",
        "direction": "expense",
        "amount": "5",
        "idempotency_key": new_key(),
    }
    script = SimpleUploadedFile("v.pdf", b"#!/bin/sh\n", content_type="application/pdf")
    response = client.post(
        reverse("disclosure_edit", args=[draft.pk]), fields | {"attachment": script}
    )
    assert "Attach a photo (JPEG or PNG) or a PDF." in response.content.decode()
    assert Item.objects.count() == 0
    pdf = SimpleUploadedFile("v.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    fields["idempotency_key"] = new_key()
    client.post(reverse("disclosure_edit", args=[draft.pk]), fields | {"attachment": pdf})
    assert Item.objects.get().attachment.name.endswith(".pdf")


def due(village: Place, month: int) -> None:
    """The village's statement of ``month`` is due, and not published."""
    services.open_period(village=village, kind=Kind.FINANCE, day=date(2026, month, 1))


def test_list_pages_do_not_grow_with_the_number_of_publications(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    # Given two months published in 桂花村 and one due there, and one due in 双河村 (with none
    # due in the township, its page skips one query: the drafts of the months due)
    months(world, 1, 2)
    due(world.village, 6)
    due(world.neighbour_village, 2)
    village = reverse("disclosure_village", args=[world.village.code])
    township = reverse("disclosure_township", args=[world.township.code])
    pages = [("supervisor", village, 8), ("township_officer", township, 8)]
    for who, url, expected in pages:
        log_in(client, world.people[who])
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200
    # When three more are published in 桂花村 and one more is due, and three more in 双河村
    months(world, 3, 5)
    due(world.village, 7)
    for month in (3, 4, 5):
        due(world.neighbour_village, month)
    assert Publication.objects.count() == 5
    # Then each page takes exactly as many queries
    for who, url, expected in pages:
        log_in(client, world.people[who])
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200
