"""Asking about an item raises a linked Villagers Talk matter; the notice-board PDF."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from jifen.disclosure import drafting
from jifen.disclosure.models import Question
from jifen.disclosure.pdf import publication_pdf
from jifen.talk.models import Matter
from tests.conftest import World, log_in
from tests.disclosure.conftest import NOW, draft_statement, published_statement, sign_off
from tests.points import actor


def ask(world: World, who: str = "villager", key: str = "q1") -> Question:
    publication = published_statement(world) if not Question.objects.exists() else None
    item = (publication or Question.objects.get().publication).items.get(title="路灯电费")
    return drafting.ask_question(
        actor=actor(world.people[who]),
        item=item,
        text="路灯电费比去年多了不少，是哪几盏灯？",
        idempotency_key=key,
        now=NOW,
    )


def test_a_villager_asks_about_a_line_and_a_linked_matter_is_raised(world: World) -> None:
    question = ask(world)
    matter = question.matter
    assert matter.category == Matter.Category.QUESTION
    assert matter.title == "2026年5月财务公开：路灯电费"
    assert matter.village == world.village
    assert matter.raised_by == world.people["villager"]
    assert question.item.title == "路灯电费"
    assert list(question.item.questions.all()) == [question]


def test_asking_twice_with_the_same_form_raises_one_matter(world: World) -> None:
    first = ask(world)
    again = drafting.ask_question(
        actor=actor(world.people["villager"]),
        item=first.item,
        text="路灯电费比去年多了不少，是哪几盏灯？",
        idempotency_key="q1",
        now=NOW,
    )
    assert first.pk == again.pk
    assert (Question.objects.count(), Matter.objects.count()) == (1, 1)


def test_only_the_village_asks_and_only_about_published_items(world: World) -> None:
    published = published_statement(world)
    item = published.items.get(title="路灯电费")
    with pytest.raises(PermissionDenied):
        drafting.ask_question(
            actor=actor(world.people["neighbour_secretary"]),
            item=item,
            text="?",
            idempotency_key="x",
        )
    correction = drafting.start_correction(
        actor=actor(world.people["secretary"]), publication=published, reason="更正"
    )
    with pytest.raises(ValidationError) as refused:
        drafting.ask_question(
            actor=actor(world.people["villager"]),
            item=correction.items.get(title="路灯电费"),
            text="?",
            idempotency_key="y",
        )
    assert refused.value.messages == ["Questions are asked about published items."]
    assert Matter.objects.count() == 0


def test_the_matter_page_links_back_to_the_item(client: Client, world: World) -> None:
    question = ask(world)
    log_in(client, world.people["household_head"])
    page = client.get(reverse("talk_matter", args=[question.matter_id])).content.decode()
    target = reverse("disclosure_publication", args=[question.publication_id])
    assert f'href="{target}#item-{question.item_id}"' in page
    publication = client.get(target).content.decode()
    assert reverse("talk_matter", args=[question.matter_id]) in publication


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def test_the_pdf_has_the_lines_totals_sign_off_version_and_no_phone(world: World) -> None:
    first = published_statement(world)
    cadre = actor(world.people["secretary"])
    correction = drafting.start_correction(
        actor=cadre, publication=first, reason="路灯电费录入错误", now=NOW
    )
    second = drafting.publish(actor=cadre, publication=sign_off(world, correction), now=NOW)
    content = publication_pdf(publication=second, url="https://jifen.example/disclosure/2/")
    text = text_of(content)
    for expected in [
        "2026年5月财务公开",
        "桂花村",
        "财务公开",
        "上级转移支付",
        "50,000.00",
        "1,800.00",
        "236.45",
        "记-2026-05-001",
        "上期结余",
        "本期收入合计",
        "本期支出合计",
        "47,963.55",
        "第2版",
        "更正第1版",
        "路灯电费录入错误",
        "村务监督委员会审核：吴监督",
        "2026年6月3日 09:00",
    ]:
        assert expected in text, expected
    for person in world.people.values():
        assert person.phone not in text
    assert b"/URI (https://jifen.example/disclosure/2/)" in content


def test_the_pdf_page_is_for_those_who_see_the_publication(client: Client, world: World) -> None:
    draft = draft_statement(world)
    log_in(client, world.people["villager"])
    assert client.get(reverse("disclosure_pdf", args=[draft.pk])).status_code == 403
    log_in(client, world.people["supervisor"])
    response = client.get(reverse("disclosure_pdf", args=[draft.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "尚未审核" in text_of(response.content)
