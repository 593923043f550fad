"""The printouts: door plates, passbooks and notices, read back with pypdf, and who gets them."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
import segno
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from jifen.board.pdf import (
    PassbookRow,
    door_plates_pdf,
    notice_pdf,
    notice_records,
    passbook_pdf,
    passbook_rows,
)
from jifen.core.idempotency import new_key
from jifen.ledger.ranking import Position
from jifen.ledger.services import create_checkpoint, post_due_records
from jifen.places.models import Household, Resident, VillagerGroup
from jifen.places.services import rotate_household_token
from jifen.records import services
from jifen.records.models import Notice, Record
from jifen.rules.models import Item
from tests import factories
from tests.conftest import World, log_in
from tests.points import NOW, TODAY, Items, actor, after_notice, small_rulebook


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def page_count(content: bytes) -> int:
    return len(PdfReader(BytesIO(content)).pages)


def links(content: bytes) -> list[str]:
    found = []
    for page in PdfReader(BytesIO(content)).pages:
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if annotation["/Subtype"] == "/Link":
                found.append(str(annotation["/A"]["/URI"]))
    return found


def contains(content: bytes, secret: str) -> bool:
    """Whether ``secret`` appears anywhere: raw bytes, page streams (as ASCII or as the
    UTF-16 the Chinese font uses), or the extracted text."""
    streams = [content]
    for page in PdfReader(BytesIO(content)).pages:
        contents = page.get_contents()
        if contents is not None:
            streams.append(contents.get_data())
    needles = [secret.encode(), secret.encode("utf-16-be")]
    return any(n in s for n in needles for s in streams) or secret in pdf_text(content)


def plate_url(household: Household) -> str:
    return f"http://testserver/h/{household.public_token}/"


def plates_of(world: World, households: list[Household]) -> bytes:
    return door_plates_pdf(village=world.village, households=households, url_for=plate_url)


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


def record(world: World, item: Item, household: Household, *, day: int = 0, **extra) -> Record:
    """A deed recorded by a cadre and approved by another, on notice from NOW + ``day``."""
    when = NOW + timedelta(days=day)
    deed = services.record_deed(
        actor=actor(world.people["committee_member"]),
        household=household,
        item=item,
        occurred_on=TODAY,
        idempotency_key=new_key(),
        now=when,
        **extra,
    )
    return services.review_record(
        actor=actor(world.people["secretary"]), record=deed, approve=True, now=when
    )


def post_through(day: int) -> int:
    """Post everything whose notice, opened on NOW + ``day``, has closed."""
    return post_due_records(now=after_notice() + timedelta(days=day))


# Door plates ------------------------------------------------------------------------------


def test_each_plate_links_its_household_live_page_and_prints_no_score(world: World) -> None:
    homes = [world.home, factories.household(world.village, "1-02b", "张秀英")]
    content = plates_of(world, homes)
    assert sorted(links(content)) == sorted(plate_url(home) for home in homes)
    text = pdf_text(content)
    for expected in ["桂花村", "1-01", "王建国", "1-02b", "张秀英", "扫码查看本户积分（实时）"]:
        assert expected in text
    assert "积分：" not in text and "名" not in text


def test_the_qr_code_is_at_least_three_centimetres(world: World) -> None:
    page = PdfReader(BytesIO(plates_of(world, [world.home]))).pages[0]
    annotations = page["/Annots"]
    assert isinstance(annotations, ArrayObject) and len(annotations) == 1
    rect = annotations[0].get_object()["/Rect"]
    left, bottom, right, top = (float(n) for n in rect)
    # The link covers the code and its quiet zone of 4 modules on each side.
    modules = segno.make(plate_url(world.home), error="m").symbol_size(border=0)[0]
    code_side_cm = (right - left) * modules / (modules + 8) / 72 * 2.54
    assert code_side_cm >= 3
    assert right - left == pytest.approx(top - bottom)


@pytest.mark.parametrize(("households", "pages"), [(1, 1), (8, 1), (9, 2), (17, 3)])
def test_eight_plates_fit_on_a_page(world: World, households: int, pages: int) -> None:
    homes = [world.home] + [
        factories.household(world.village, f"5-{n:02d}") for n in range(households - 1)
    ]
    content = plates_of(world, homes)
    assert page_count(content) == pages
    assert len(links(content)) == households


def test_a_rotated_token_changes_the_link_on_a_newly_printed_plate(world: World) -> None:
    before = links(plates_of(world, [world.home]))
    old_token = world.home.public_token
    home = rotate_household_token(actor=actor(world.people["secretary"]), household=world.home)
    after = links(plates_of(world, [home]))
    assert before == [f"http://testserver/h/{old_token}/"]
    assert after == [f"http://testserver/h/{home.public_token}/"]
    assert home.public_token != old_token


def test_the_plates_of_a_group_hold_only_that_group(client: Client, world: World) -> None:
    second = VillagerGroup.objects.create(village=world.village, name="第二组", number=2)
    group_homes = [factories.household(world.village, f"2-{n:02d}") for n in range(3)]
    Household.objects.filter(pk__in=[h.pk for h in group_homes]).update(group=second)
    log_in(client, world.people["secretary"])
    url = reverse("print_door_plates", args=[world.village.code])

    response = client.get(url, {"group": second.pk})

    assert response.status_code == 200
    tokens = Household.objects.filter(group=second).values_list("public_token", flat=True)
    assert sorted(links(response.content)) == sorted(
        f"http://testserver/h/{token}/" for token in tokens
    )
    whole_village = client.get(url)
    assert (
        len(links(whole_village.content)) == Household.objects.filter(village=world.village).count()
    )
    # A group of another village, or no group at all, is not found
    other = VillagerGroup.objects.get(village=world.neighbour_village)
    assert client.get(url, {"group": other.pk}).status_code == 404
    assert client.get(url, {"group": "二"}).status_code == 404


def test_door_plate_queries_do_not_grow_with_households(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("print_door_plates", args=[world.village.code])
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    for n in range(12):
        factories.household(world.village, f"8-{n:02d}")
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


# Passbook ---------------------------------------------------------------------------------


def test_passbook_rows_are_the_postings_of_the_household(world: World, items: Items) -> None:
    record(world, items.patrol, world.home, quantity=2)
    record(world, items.base, world.home)
    record(world, items.patrol, factories.household(world.village, "1-03", "张秀英"))
    assert post_through(0) == 3
    littering = record(world, items.littering, world.home, day=4)
    assert post_through(4) == 1
    correction = services.request_correction(
        actor=actor(world.people["committee_member"]),
        record=littering,
        reason="不是本户",
        idempotency_key=new_key(),
        now=NOW + timedelta(days=8),
    )
    services.review_record(
        actor=actor(world.people["secretary"]),
        record=correction,
        approve=True,
        now=NOW + timedelta(days=8),
    )
    assert post_through(8) == 1

    rows = passbook_rows(world.home)

    assert [
        (
            f"{row.posted_on:%m-%d}",
            row.title,
            row.score_change,
            row.score_after,
            row.spendable_change,
            row.spendable_after,
        )
        for row in rows
    ] == [
        ("06-18", "治安巡逻 ×2", 20, 20, 20, 20),
        ("06-18", "基础分", 100, 120, 0, 20),
        ("06-22", "乱扔垃圾", -5, 115, -5, 15),
        ("06-26", "更正：乱扔垃圾（不是本户）", 5, 120, 5, 20),
    ]
    assert [row.seq for row in rows] == sorted(row.seq for row in rows)


def test_passbook_shows_standing_and_names_the_checkpoint(
    client: Client, world: World, items: Items
) -> None:
    record(world, items.patrol, world.home)
    record(world, items.base, world.home)
    post_through(0)
    checkpoint = create_checkpoint(village=world.village, now=after_notice())
    record(world, items.yard, world.home, day=4)
    post_through(4)  # after the checkpoint: marked as not signed yet
    log_in(client, world.people["household_head"])

    response = client.get(reverse("print_passbook", args=[world.village.code, world.home.pk]))

    assert response.status_code == 200
    text = pdf_text(response.content)
    for expected in [
        "积分存折",
        "清平镇 桂花村",
        "门牌号：1-01",
        "户主：王建国",
        "当前积分：113",
        "可用积分：13",
        "村内排名：第1名 / 2户",
        "星级：★★★ 3星",
        f"本村账本前{checkpoint.tree_size}条",
        f"根哈希 {checkpoint.root_hash[:16]}",
        "签于2026年6月18日 10:01",
        "第1页 共1页",
    ]:
        assert expected in text
    assert "治安巡逻\n" in text or "治安巡逻 " in text
    assert "庭院整洁 *" in text
    assert "治安巡逻 *" not in text and "基础分 *" not in text


def passbook_of(world: World, rows: int) -> bytes:
    return passbook_pdf(
        household=world.home,
        rows=[
            PassbookRow(TODAY, f"义务劳动{n:03d}", 5, 5 * n, 5, 5 * n, seq=2 * n)
            for n in range(1, rows + 1)
        ],
        balances={"score": 5 * rows, "spendable": 5 * rows},
        position=Position(rank=1, of=2, score=5 * rows),
        stars=0,
        printed_at=NOW,
        checkpoint=None,
    )


@pytest.mark.parametrize(("rows", "pages"), [(0, 1), (25, 1), (26, 2), (56, 2), (57, 3), (200, 7)])
def test_the_passbook_grows_a_page_at_a_time(world: World, rows: int, pages: int) -> None:
    content = passbook_of(world, rows)
    text = pdf_text(content)
    assert page_count(content) == pages
    assert [f"第{n}页 共{pages}页" in text for n in range(1, pages + 1)] == [True] * pages
    assert text.count("义务劳动") == rows
    assert ("暂无记账" in text) == (rows == 0)
    assert "尚无签名校验点" in text


# Notice -----------------------------------------------------------------------------------


def test_the_notice_has_a_row_per_record_and_says_how_to_object(
    client: Client, world: World, items: Items
) -> None:
    third = factories.household(world.village, "1-03", "张秀英")
    record(world, items.patrol, world.home)
    record(world, items.yard, world.home)
    record(world, items.patrol, third)
    voided = record(world, items.littering, third)
    objection = services.object_to_record(
        actor=actor(world.people["household_head"]), record=voided, reason="那天不在家", now=NOW
    )
    services.decide_objection(
        actor=actor(world.people["secretary"]), objection=objection, uphold=True, reason="属实"
    )
    notice = Notice.objects.get(village=world.village)
    log_in(client, world.people["villager"])

    response = client.get(reverse("print_notice", args=[world.village.code, notice.pk]))

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert len(notice_records(notice)) == 3
    assert text.count("2026-06-15") == 3
    for expected in [
        "积分公示",
        "桂花村",
        "公示期：2026年6月15日 10:00 至 2026年6月18日 10:00",
        "治安巡逻",
        "庭院整洁",
        "张秀英",
        "+10",
        "+3",
        "如有异议，请在公示期内向村委会或通过积分平台提出",
        "公示截止：2026年6月18日 10:00",
        "第1页 共1页",
    ]:
        assert expected in text
    assert "乱扔垃圾" not in text


def test_a_long_notice_runs_over_pages(world: World, items: Items) -> None:
    homes = [factories.household(world.village, f"7-{n:02d}") for n in range(40)]
    for home in homes:
        record(world, items.patrol, home)
    notice = Notice.objects.get(village=world.village)
    content = notice_pdf(notice=notice, records=notice_records(notice))
    text = pdf_text(content)
    assert page_count(content) == 2
    assert text.count("2026-06-15") == 40
    assert "第2页 共2页" in text


# Who may print what -----------------------------------------------------------------------

ROLES = [
    "household_head",
    "villager",
    "grid_member",
    "secretary",
    "committee_member",
    "supervisor",
    "representative",
    "store_keeper",
    "township_officer",
    "township_admin",
    "county_admin",
    "bank_officer",
    "neighbour_secretary",
    "far_township_admin",
]
CADRES = {"secretary", "committee_member"}
ALLOWED = {
    "print_door_plates": CADRES,
    "print_passbook": CADRES | {"supervisor", "household_head", "villager"},
    "print_notice": CADRES
    | {"household_head", "villager", "grid_member", "supervisor", "representative"},
}


@pytest.fixture
def urls(world: World, items: Items) -> dict[str, str]:
    record(world, items.patrol, world.home)
    notice = Notice.objects.get(village=world.village)
    code = world.village.code
    return {
        "print_door_plates": reverse("print_door_plates", args=[code]),
        "print_passbook": reverse("print_passbook", args=[code, world.home.pk]),
        "print_notice": reverse("print_notice", args=[code, notice.pk]),
    }


@pytest.mark.parametrize("name", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_who_may_print(
    client: Client, world: World, urls: dict[str, str], name: str, role: str
) -> None:
    log_in(client, world.people[role])
    response = client.get(urls[name])
    if role in ALLOWED[name]:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith('inline; filename="')
        assert response["Content-Disposition"].endswith('.pdf"')
        assert "no-store" in response["Cache-Control"]
        assert response.content.startswith(b"%PDF-")
    else:
        assert response.status_code == 403


def test_a_villager_gets_no_passbook_of_another_household(client: Client, world: World) -> None:
    other = world.people["secretary"].resident
    assert other is not None
    log_in(client, world.people["household_head"])
    url = reverse("print_passbook", args=[world.village.code, other.household_id])
    assert client.get(url).status_code == 403


def test_nothing_is_reached_through_another_village_code(
    client: Client, world: World, urls: dict[str, str]
) -> None:
    log_in(client, world.people["neighbour_secretary"])
    own = world.neighbour_village.code
    notice = Notice.objects.get(village=world.village)
    assert client.get(reverse("print_passbook", args=[own, world.home.pk])).status_code == 404
    assert client.get(reverse("print_notice", args=[own, notice.pk])).status_code == 404
    assert client.get(reverse("print_door_plates", args=["510681101299"])).status_code == 404


def test_strangers_are_sent_to_log_in(client: Client, urls: dict[str, str]) -> None:
    for url in urls.values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_no_printout_carries_an_id_number_or_a_phone_number(
    client: Client, world: World, items: Items
) -> None:
    record(world, items.patrol, world.home)
    post_through(0)
    record(world, items.yard, world.home, day=4)
    create_checkpoint(village=world.village, now=after_notice())
    notice = Notice.objects.filter(village=world.village).first()
    assert notice is not None
    log_in(client, world.people["secretary"])
    code = world.village.code
    printouts = [
        client.get(reverse("print_door_plates", args=[code])).content,
        client.get(reverse("print_passbook", args=[code, world.home.pk])).content,
        client.get(reverse("print_notice", args=[code, notice.pk])).content,
    ]
    residents = Resident.objects.filter(village=world.village)
    secrets = [r.id_number for r in residents] + [r.phone for r in residents if r.phone]
    assert len(secrets) >= 6
    for content in printouts:
        # The search finds what is printed, so that it finding nothing below means something
        assert contains(content, "王建国")
        assert [secret for secret in secrets if contains(content, secret)] == []
