"""The supermarket through its pages: goods and stock, the counter, online orders, cancellations."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.ledger.models import Account, Entry, Measure, Posting
from jifen.ledger.selectors import balances
from jifen.market import services
from jifen.market.forms import token_of
from jifen.market.models import Good, Redemption, StockIn, Store
from jifen.places.models import Household
from jifen.rules.models import VillageSettings
from tests.conftest import World, log_in
from tests.market.conftest import earned
from tests.points import Items, actor

pytestmark = pytest.mark.usefixtures("in_english")


def page(client: Client, name: str, *args: object, **query: str) -> str:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def spendable(household: Household) -> int:
    return balances(household)[Measure.SPENDABLE]


def stocks(*goods: Good) -> list[int]:
    return [Good.objects.get(pk=good.pk).stock for good in goods]


def confirm(
    client: Client, store: Store, household: Household, quantities: dict[Good, int], **extra: str
) -> Any:
    data = {f"qty-{good.pk}": str(quantity) for good, quantity in quantities.items()}
    data |= {"idempotency_key": extra.pop("key", new_key()), "step": "confirm", **extra}
    url = reverse("market_basket", args=[store.pk, household.public_token])
    return client.post(url, data)


def state() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        Entry.objects.count(),
        sorted(Redemption.objects.values_list("status", flat=True)),
        sorted(Good.objects.values_list("name", "stock")),
        StockIn.objects.count(),
    )


# The store's goods and stock -----------------------------------------------------------------


def test_the_store_page_shows_goods_by_category_and_warns_of_low_stock(
    client: Client, world: World, store: Store, soap: Good, oil: Good
) -> None:
    Good.objects.create(store=store, name="洗衣液", category="cleaning", price=20, stock=0)
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_store", store.pk)
    # Categories in their order: food before cleaning
    assert html.index("<h2>food and cooking</h2>") < html.index("<h2>cleaning</h2>")
    assert "Running low" in html
    low = html[html.index("Running low") : html.index("</ul>", html.index("Running low"))]
    assert "食用油" in low and "2 left" in low and "洗衣液" in low and "肥皂" not in low
    assert html.count("Low stock") == 1 and html.count("Out of stock") == 1


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (2400, 1200), "orange")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 40.0, 50.0)}  # GPS
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_the_keeper_adds_a_good_with_a_photo_stripped_of_its_location(
    client: Client, world: World, store: Store, media: Any
) -> None:
    log_in(client, world.people["store_keeper"])
    original = jpeg_with_location()
    assert Image.open(BytesIO(original)).getexif().get(0x8825) is not None
    response = client.post(
        reverse("market_good_new", args=[store.pk]),
        {
            "name": "食用油",
            "category": "food",
            "price": "40",
            "low_stock_at": "3",
            "on_sale": "on",
            "photo": SimpleUploadedFile("IMG_0001.jpg", original, content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302
    good = Good.objects.get(store=store)
    assert (good.name, good.category, good.price, good.low_stock_at, good.stock, good.on_sale) == (
        "食用油",
        "food",
        40,
        3,
        0,
        True,
    )
    with Image.open(good.photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 1600
        assert not stored.getexif()
    assert AuditEvent.objects.filter(action="market.good_saved").count() == 1


def test_a_file_that_is_not_a_photo_is_refused(
    client: Client, world: World, store: Store, soap: Good, media: Any
) -> None:
    log_in(client, world.people["store_keeper"])
    before = state()
    response = client.post(
        reverse("market_good_edit", args=[store.pk, soap.pk]),
        {
            "name": "肥皂",
            "category": "cleaning",
            "price": "5",
            "low_stock_at": "5",
            "on_sale": "on",
            "photo": SimpleUploadedFile("soap.jpg", b"not a photo", content_type="image/jpeg"),
        },
    )
    assert "This file is not a photo we can read." in response.content.decode()
    assert state() == before
    assert not Good.objects.get(pk=soap.pk).photo


def test_a_cadre_removes_a_good_photo_and_takes_it_off_sale(
    client: Client, world: World, store: Store, soap: Good, media: Any
) -> None:
    soap.photo.save("soap.jpg", SimpleUploadedFile("soap.jpg", jpeg_with_location()))
    log_in(client, world.people["committee_member"])
    html = page(client, "market_good_edit", store.pk, soap.pk)
    assert 'name="photo-clear"' in html and 'name="on_sale"' in html
    response = client.post(
        reverse("market_good_edit", args=[store.pk, soap.pk]),
        {
            "name": "肥皂",
            "category": "cleaning",
            "price": "6",
            "low_stock_at": "5",
            "photo-clear": "on",
        },
    )
    assert response.status_code == 302
    soap.refresh_from_db()
    assert (soap.price, soap.on_sale, soap.stock, bool(soap.photo)) == (6, False, 10, False)
    event = AuditEvent.objects.get(action="market.good_saved")
    assert event.before is not None and event.after is not None
    assert (event.before["price"], event.after["price"]) == (5, 6)
    # Off sale: not in the basket
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_basket", store.pk, world.home.public_token)
    assert "肥皂" not in html and "No goods are on sale at this store." in html


def test_the_keeper_finds_the_counter_from_the_village_stores(
    client: Client, world: World, store: Store
) -> None:
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_stores", world.village.code)
    assert reverse("market_counter", args=[store.pk]) in html
    assert reverse("market_store_new", args=[world.village.code]) not in html
    log_in(client, world.people["secretary"])
    html = page(client, "market_stores", world.village.code)
    assert reverse("market_counter", args=[store.pk]) not in html
    assert reverse("market_store_new", args=[world.village.code]) in html


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("2.5", "Enter a whole number."),
        ("", "This field is required."),
    ],
)
def test_a_price_is_a_positive_whole_number_of_points(
    client: Client, world: World, store: Store, soap: Good, price: str, message: str
) -> None:
    log_in(client, world.people["store_keeper"])
    before = state()
    response = client.post(
        reverse("market_good_edit", args=[store.pk, soap.pk]),
        {"name": "肥皂", "category": "cleaning", "price": price, "low_stock_at": "5"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before


def test_a_second_good_of_the_same_name_is_refused(
    client: Client, world: World, store: Store, soap: Good
) -> None:
    log_in(client, world.people["secretary"])
    before = state()
    response = client.post(
        reverse("market_good_new", args=[store.pk]),
        {"name": "肥皂", "category": "cleaning", "price": "6", "low_stock_at": "5"},
    )
    assert "The store already has a good of this name." in response.content.decode()
    assert state() == before


def test_a_resent_stock_in_receives_the_goods_once(
    client: Client, world: World, store: Store, soap: Good
) -> None:
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_stock", store.pk, good=str(soap.pk))
    assert f'<option value="{soap.pk}" selected>' in html
    data = {"good": soap.pk, "quantity": "24", "note": "镇供销社", "idempotency_key": new_key()}
    url = reverse("market_stock", args=[store.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert stocks(soap) == [34]
    stock_in = StockIn.objects.get()
    assert (stock_in.quantity, stock_in.note, stock_in.received_by) == (
        24,
        "镇供销社",
        world.people["store_keeper"],
    )
    html = page(client, "market_stock", store.pk)
    assert "镇供销社" in html and "冯店主" in html


def test_a_cadre_opens_a_store_serving_a_neighbour_of_the_township(
    client: Client, world: World
) -> None:
    log_in(client, world.people["secretary"])
    html = page(client, "market_store_new", world.village.code)
    assert world.neighbour_village.name in html and world.far_village.name not in html
    data = {
        "name": "桂花村积分超市",
        "villages": [world.neighbour_village.pk],
        "pickup_days": "5",
        "idempotency_key": new_key(),
    }
    url = reverse("market_store_new", args=[world.village.code])
    response = client.post(url, data)
    store = Store.objects.get()
    assert response["Location"] == reverse("market_store", args=[store.pk])
    assert client.post(url, data).status_code == 302  # a double tap opens one store
    assert Store.objects.count() == 1
    assert (store.village, store.name, store.pickup_days) == (world.village, "桂花村积分超市", 5)
    assert set(store.villages.all()) == {world.village, world.neighbour_village}
    event = AuditEvent.objects.get(action="market.store_created")
    assert event.after == {
        "name": "桂花村积分超市",
        "pickup_days": 5,
        "villages": [world.village.code, world.neighbour_village.code],
    }
    # A village of another township cannot be chosen
    response = client.post(url, data | {"villages": [world.far_village.pk], "key": new_key()})
    assert response.status_code == 200
    assert Store.objects.count() == 1


def test_a_store_serves_only_villages_of_its_township(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_store(
            actor=actor(world.people["secretary"]),
            village=world.village,
            name="超市",
            villages=[world.far_village],
            idempotency_key=new_key(),
        )
    assert refused.value.messages == ["A store serves villages of its own township only."]
    assert not Store.objects.exists()


def test_a_cadre_changes_whom_the_store_serves(client: Client, world: World, store: Store) -> None:
    log_in(client, world.people["committee_member"])
    response = client.post(
        reverse("market_store_edit", args=[store.pk]),
        {"name": "爱心超市", "pickup_days": "10", "idempotency_key": new_key()},
    )
    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.name, store.pickup_days) == ("爱心超市", 10)
    assert list(store.villages.all()) == [world.village]  # its own village always
    event = AuditEvent.objects.get(action="market.store_updated")
    assert event.before is not None and event.before["villages"] == [
        world.village.code,
        world.neighbour_village.code,
    ]


# Finding the household at the counter --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("AbCdEfGh_-1234567890xyz", "AbCdEfGh_-1234567890xyz"),
        ("  AbCdEfGh_-1234567890xyz\n", "AbCdEfGh_-1234567890xyz"),
        ("https://jifen.example.cn/h/AbCdEfGh_-1234567890xyz/", "AbCdEfGh_-1234567890xyz"),
        ("http://10.0.0.2:8000/h/AbCdEfGh_-1234567890xyz", "AbCdEfGh_-1234567890xyz"),
        (
            "https://jifen.example.cn/h/AbCdEfGh_-1234567890xyz/?from=plate",
            "AbCdEfGh_-1234567890xyz",
        ),
        ("https://jifen.example.cn/villages/510681101201/board/", None),
        ("王建国", None),
        ("abc", None),
        ("", None),
    ],
)
def test_the_door_plate_token_is_read_from_a_code_or_an_address(
    text: str, token: str | None
) -> None:
    assert token_of(text) == token


def test_the_keeper_finds_the_household_by_its_door_plate_code(
    client: Client, world: World, store: Store
) -> None:
    log_in(client, world.people["store_keeper"])
    url = reverse("market_counter", args=[store.pk])
    basket = reverse("market_basket", args=[store.pk, world.home.public_token])
    # The token typed, and the address the QR code opens, pasted
    assert client.get(url, {"plate": world.home.public_token})["Location"] == basket
    scanned = f"https://jifen.example.cn/h/{world.home.public_token}/"
    assert client.get(url, {"plate": scanned})["Location"] == basket
    # Not a code at all
    html = page(client, "market_counter", store.pk, plate="王建国")
    assert "This is not a door-plate code." in html


def test_the_counter_page_offers_the_camera_without_inline_script(
    client: Client, world: World, store: Store
) -> None:
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_counter", store.pk)
    assert 'id="scan-start"' in html and "hidden>" in html  # shown by scan.js, if a camera
    assert "/static/vendor/jsqr/jsQR.js" in html and "/static/js/scan.js" in html
    assert '<label for="id_plate">' in html and '<label for="household-search">' in html


def test_the_keeper_searches_the_villages_the_store_serves(
    client: Client, world: World, store: Store
) -> None:
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_counter", store.pk, q="王建国")
    assert reverse("market_basket", args=[store.pk, world.home.public_token]) in html
    assert "1-01" in html and "1-02" not in html
    # By door plate, and in the neighbour village the store serves
    assert "李书记" in page(client, "market_counter", store.pk, q="1-02")
    html = page(client, "market_counter", store.pk, q="赵大海")
    assert reverse("market_basket", args=[store.pk, world.neighbour_home.public_token]) in html
    # Not in the far village; and no ID or phone numbers anywhere
    html = page(client, "market_counter", store.pk, q="孙玉兰")
    assert "No household of the villages this store serves matches." in html
    head = world.home.head
    assert head is not None
    html = page(client, "market_counter", store.pk, q="1")
    assert head.id_number not in html and head.masked_id_number not in html


def test_a_store_serving_two_villages_takes_the_neighbour_but_not_the_far_village(
    client: Client, world: World, store: Store, soap: Good
) -> None:
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_basket", store.pk, world.neighbour_home.public_token)
    assert "2-01" in html and "赵大海" in html and "双河村" in html
    # The far village's household: not found by its code, and its basket does not exist
    html = page(client, "market_counter", store.pk, plate=world.far_home.public_token)
    assert "No household of the villages this store serves has this door plate." in html
    url = reverse("market_basket", args=[store.pk, world.far_home.public_token])
    assert client.get(url).status_code == 404
    before = state()
    response = confirm(client, store, world.far_home, {soap: 1})
    assert response.status_code == 404
    assert state() == before


def test_the_basket_shows_the_spendable_balance_and_nothing_private(
    client: Client, world: World, items: Items, store: Store, soap: Good
) -> None:
    earned(world, items)
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_basket", store.pk, world.home.public_token)
    assert "Spendable points: <strong>30</strong>" in html
    for resident in world.home.residents.all():
        assert resident.id_number not in html and resident.masked_id_number not in html
        assert not resident.phone or resident.masked_phone not in html
    assert '<label for="id_qty-' in html and 'data-price="5"' in html


# Redeeming at the counter --------------------------------------------------------------------


def test_a_counter_redemption_through_the_pages(
    client: Client, world: World, items: Items, store: Store, soap: Good, oil: Good
) -> None:
    earned(world, items, times=5)
    log_in(client, world.people["store_keeper"])
    url = reverse("market_basket", args=[store.pk, world.home.public_token])
    key = new_key()
    quantities = {f"qty-{soap.pk}": "2", f"qty-{oil.pk}": "1", "idempotency_key": key}

    # Review: the total and the balance after, nothing changed yet
    before = state()
    html = client.post(url, quantities | {"step": "review"}).content.decode()
    assert "Check the basket" in html
    assert "<strong>30</strong>" in html  # total 2×5 + 1×20
    assert "Spendable points after this: <strong>20</strong>" in html
    assert f'name="qty-{soap.pk}" value="2"' in html and key in html
    assert state() == before

    # Confirm
    response = client.post(url, quantities | {"step": "confirm"})
    redemption = Redemption.objects.get()
    receipt = reverse("market_receipt", args=[store.pk, redemption.pk])
    assert response["Location"] == receipt
    assert (redemption.channel, redemption.status, redemption.points) == (
        "counter",
        "handed_over",
        30,
    )
    assert spendable(world.home) == 20
    assert balances(world.home)[Measure.SCORE] == 50  # the honour score stays
    assert stocks(soap, oil) == [8, 1]
    html = page(client, "market_receipt", store.pk, redemption.pk)
    assert "肥皂" in html and "食用油" in html and "handed over" in html

    # The confirm sent again (a double tap, a retry): the same receipt, redeemed once
    again = client.post(url, quantities | {"step": "confirm"})
    assert again["Location"] == receipt
    assert Redemption.objects.count() == 1
    assert spendable(world.home) == 20 and stocks(soap, oil) == [8, 1]
    assert Posting.objects.filter(kind=Posting.Kind.REDEMPTION).count() == 1


def test_not_enough_points_is_said_and_nothing_changes(
    client: Client, world: World, items: Items, store: Store, oil: Good
) -> None:
    earned(world, items, times=1)
    log_in(client, world.people["store_keeper"])
    message = "Not enough points: the household has 10 spendable, the goods cost 20."
    before = state()
    url = reverse("market_basket", args=[store.pk, world.home.public_token])
    review = client.post(
        url, {f"qty-{oil.pk}": "1", "idempotency_key": new_key(), "step": "review"}
    )
    assert message in review.content.decode()
    response = confirm(client, store, world.home, {oil: 1})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before
    assert spendable(world.home) == 10


def test_out_of_stock_is_said_and_nothing_changes(
    client: Client, world: World, items: Items, store: Store, soap: Good, oil: Good
) -> None:
    earned(world, items, times=10)
    log_in(client, world.people["store_keeper"])
    before = state()
    response = confirm(client, store, world.home, {soap: 1, oil: 3})
    assert "Only 2 of 食用油 left." in response.content.decode()
    assert state() == before
    assert spendable(world.home) == 100


def test_an_empty_basket_is_refused(client: Client, world: World, store: Store, soap: Good) -> None:
    log_in(client, world.people["store_keeper"])
    before = state()
    response = confirm(client, store, world.home, {soap: 0})
    assert "Pick at least one good." in response.content.decode()
    assert state() == before


@time_machine.travel(datetime(2026, 8, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_outside_the_exchange_days_nothing_is_redeemed(
    client: Client, world: World, items: Items, store: Store, soap: Good
) -> None:
    earned(world, items)
    VillageSettings.objects.filter(village=world.village).update(
        exchange_schedule=VillageSettings.ExchangeSchedule.QUARTERLY, exchange_window_days=10
    )
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_basket", store.pk, world.home.public_token)
    assert "The next exchange day is 2026-10-01." in html
    before = state()
    response = confirm(client, store, world.home, {soap: 1})
    assert "Goods are exchanged only on exchange days; the next is 2026-10-01." in (
        response.content.decode()
    )
    assert state() == before


def test_a_cadre_household_may_not_redeem_where_the_village_says_so(
    client: Client, world: World, items: Items, store: Store, soap: Good
) -> None:
    VillageSettings.objects.filter(village=world.village).update(cadres_may_redeem=False)
    cadre_home = Household.objects.get(village=world.village, door_plate="1-02")
    log_in(client, world.people["store_keeper"])
    before = state()
    response = confirm(client, store, cadre_home, {soap: 1})
    assert "In this village, cadre households do not redeem points." in response.content.decode()
    assert state() == before


def test_where_redemption_does_not_deduct_the_neighbour_takes_goods_without_points(
    client: Client, world: World, store: Store, soap: Good
) -> None:
    VillageSettings.objects.create(village=world.neighbour_village, redemption_deducts=False)
    log_in(client, world.people["store_keeper"])
    html = page(client, "market_basket", store.pk, world.neighbour_home.public_token)
    assert "In this village, redeeming goods does not deduct points." in html
    response = confirm(client, store, world.neighbour_home, {soap: 2})
    assert response.status_code == 302
    redemption = Redemption.objects.get()
    assert (redemption.village, redemption.deducted, redemption.posting) == (
        world.neighbour_village,
        False,
        None,
    )
    assert stocks(soap) == [8]
    assert spendable(world.neighbour_home) == 0


def test_the_keeper_cancels_a_counter_redemption_and_everything_comes_back(
    client: Client, world: World, items: Items, store: Store, soap: Good
) -> None:
    earned(world, items)
    log_in(client, world.people["store_keeper"])
    confirm(client, store, world.home, {soap: 4})
    redemption = Redemption.objects.get()
    assert spendable(world.home) == 10 and stocks(soap) == [6]
    html = page(client, "market_history", store.pk)
    cancel = reverse("market_cancel", args=[store.pk, redemption.pk])
    assert cancel in html

    # A reason is required
    before = state()
    response = client.post(cancel, {"reason": " "}, follow=True)
    assert "Say why the redemption is cancelled." in response.content.decode()
    assert state() == before

    response = client.post(cancel, {"reason": "拿错了"})
    assert response["Location"] == reverse("market_history", args=[store.pk])
    redemption.refresh_from_db()
    assert (redemption.status, redemption.cancel_reason) == ("cancelled", "拿错了")
    assert redemption.reversal is not None
    assert redemption.reversal.kind == Posting.Kind.CANCELLATION
    assert spendable(world.home) == 30 and stocks(soap) == [10]
    # Only once
    response = client.post(cancel, {"reason": "又点了一次"}, follow=True)
    assert "This redemption has already been undone." in response.content.decode()
    assert spendable(world.home) == 30 and stocks(soap) == [10]


# Ordering online -----------------------------------------------------------------------------


def order(client: Client, store: Store, quantities: dict[Good, int]) -> Any:
    data = {f"qty-{good.pk}": str(quantity) for good, quantity in quantities.items()}
    data |= {"idempotency_key": new_key(), "step": "confirm"}
    return client.post(reverse("market_order", args=[store.pk]), data)


def test_a_household_orders_online_and_the_keeper_hands_it_over(
    client: Client, world: World, items: Items, store: Store, soap: Good, oil: Good
) -> None:
    earned(world, items)
    villager = Client()
    villager.cookies["django_language"] = "en"
    log_in(villager, world.people["villager"])
    html = page(villager, "market_my")
    assert "Spendable points: <strong>30</strong>" in html
    assert "桂花村爱心超市" in html and "肥皂" in html and "食用油" in html
    assert reverse("market_order", args=[store.pk]) in html

    response = order(villager, store, {soap: 2})
    redemption = Redemption.objects.get()
    assert response.url == reverse("market_receipt", args=[store.pk, redemption.pk])
    assert (redemption.channel, redemption.status, redemption.points) == ("online", "ordered", 10)
    assert redemption.pickup_by is not None
    assert redemption.pickup_by - redemption.created_at == timedelta(days=7)
    assert spendable(world.home) == 20 and stocks(soap) == [8]
    html = page(villager, "market_my")
    assert "waiting for pickup" in html
    assert timezone.localtime(redemption.pickup_by).strftime("%Y-%m-%d %H:%M") in html

    log_in(client, world.people["store_keeper"])
    html = page(client, "market_orders", store.pk)
    assert "1-01" in html and "肥皂 ×2" in html
    response = client.post(reverse("market_hand_over", args=[store.pk, redemption.pk]))
    assert response.status_code == 302
    redemption.refresh_from_db()
    assert (redemption.status, redemption.closed_by) == (
        "handed_over",
        world.people["store_keeper"],
    )
    assert "No order is waiting for pickup." in page(client, "market_orders", store.pk)
    assert spendable(world.home) == 20 and stocks(soap) == [8]
    # The household may no longer cancel it
    before = state()
    response = villager.post(
        reverse("market_my_cancel", args=[redemption.pk]), {"reason": "不要了"}
    )
    assert response.status_code == 403
    assert state() == before


def test_an_order_not_picked_up_lapses_and_its_points_return(
    client: Client, world: World, items: Items, store: Store, soap: Good
) -> None:
    earned(world, items)
    log_in(client, world.people["household_head"])
    order(client, store, {soap: 3})
    assert spendable(world.home) == 15 and stocks(soap) == [7]

    assert services.lapse_uncollected_orders(now=timezone.now() + timedelta(days=6)) == 0
    assert services.lapse_uncollected_orders(now=timezone.now() + timedelta(days=8)) == 1

    redemption = Redemption.objects.get()
    assert redemption.status == "lapsed"
    assert spendable(world.home) == 30 and stocks(soap) == [10]
    assert "not picked up in time" in page(client, "market_my")
    log_in(client, world.people["store_keeper"])
    before = state()
    response = client.post(reverse("market_hand_over", args=[store.pk, redemption.pk]), follow=True)
    assert "This order is no longer waiting for pickup." in response.content.decode()
    assert state() == before


def test_a_household_cancels_its_own_waiting_order(
    client: Client, world: World, items: Items, store: Store, soap: Good
) -> None:
    earned(world, items)
    log_in(client, world.people["household_head"])
    order(client, store, {soap: 2})
    redemption = Redemption.objects.get()
    url = reverse("market_my_cancel", args=[redemption.pk])
    assert url in page(client, "market_my")
    response = client.post(url, {"reason": "买到了"})
    assert response["Location"] == reverse("market_my")
    redemption.refresh_from_db()
    assert (redemption.status, redemption.closed_by) == (
        "cancelled",
        world.people["household_head"],
    )
    assert spendable(world.home) == 30 and stocks(soap) == [10]


def test_a_household_of_a_village_the_store_does_not_serve_cannot_order(
    client: Client, world: World, store: Store, soap: Good
) -> None:
    far = world.far_home.head
    assert far is not None
    from tests import factories

    user = factories.account("孙玉兰", "household_head", world.far_village, resident=far)
    log_in(client, user)
    assert "No store serves your village yet." in page(client, "market_my")
    before = state()
    assert order(client, store, {soap: 1}).status_code == 403
    assert state() == before


# Liability -----------------------------------------------------------------------------------


def liability_setup(world: World, items: Items, store: Store) -> None:
    earned(world, items, times=3)  # 30 spendable points in 桂花村
    VillageSettings.objects.filter(village=world.village).update(
        point_value_fen=150, supermarket_budget_fen=10_000
    )
    VillageSettings.objects.create(
        village=world.neighbour_village, point_value_fen=80, supermarket_budget_fen=0
    )
    # 双河村: 7 outstanding points in one household; a negative balance is no liability
    other = Household.objects.create(
        village=world.neighbour_village, group=world.neighbour_home.group, door_plate="2-02"
    )
    for household, balance in [(world.neighbour_home, 7), (other, -3)]:
        Account.objects.create(
            village=world.neighbour_village,
            household=household,
            kind=Account.Kind.HOUSEHOLD,
            measure=Measure.SPENDABLE,
            balance=balance,
        )


def test_the_liability_report_values_outstanding_points(
    client: Client, world: World, items: Items, store: Store
) -> None:
    liability_setup(world, items, store)
    log_in(client, world.people["township_officer"])
    html = page(client, "market_liability", world.village.code)
    village_table = html[html.index("The whole village") : html.index("</table>")]
    # 30 points × 1.50 yuan = 45.00 yuan, 45% of a budget of 100.00 yuan
    cells = ['<td class="num">30</td>', "1.50", "45.00", "100.00", "45%"]
    assert all(cell in village_table for cell in cells)
    store_table = html[html.index("The villages the store serves") :]
    # 双河村: 7 × 0.80 = 5.60 yuan, no budget
    assert "5.60" in store_table and "no budget set" in store_table
    assert '<td class="num">37</td>' in store_table  # total points
    assert "50.60" in store_table  # total liability


def test_the_liability_workbook(client: Client, world: World, items: Items, store: Store) -> None:
    from decimal import Decimal

    from openpyxl import load_workbook

    liability_setup(world, items, store)
    log_in(client, world.people["secretary"])
    response = client.get(reverse("market_liability_xlsx", args=[world.village.code]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="liability-{world.village.code}-'
    )
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        [
            "Store",
            "Village",
            "Outstanding spendable points",
            "Value of a point (yuan)",
            "Liability (yuan)",
            "Budget (yuan)",
            "Share of the budget (%)",
        ],
        ["(the whole village)", "桂花村", 30, 1.5, 45, 100, 45],
        ["桂花村爱心超市", "桂花村", 30, 1.5, 45, 100, 45],
        ["桂花村爱心超市", "双河村", 7, 0.8, 5.6, 0, None],
    ]
    assert Decimal(str(rows[3][4])) == Decimal("5.60")


# Query counts --------------------------------------------------------------------------------


def other_home(world: World) -> Household:
    """李书记's household, 1-02 of 桂花村."""
    return Household.objects.get(village=world.village, door_plate="1-02")


def redeem_directly(
    world: World, store: Store, good: Good, count: int, household: Household | None = None
) -> None:
    """``household`` (王建国's unless said) takes ``count`` of ``good``, its points untouched."""
    household = household or world.home
    VillageSettings.objects.update_or_create(
        village=household.village, defaults={"redemption_deducts": False}
    )
    for _ in range(count):
        services.redeem(
            actor=actor(world.people["store_keeper"]),
            store=store,
            household=household,
            quantities={good.pk: 1},
            idempotency_key=new_key(),
        )


@pytest.mark.parametrize(
    ("name", "expected"),
    [("market_history", 8), ("market_orders", 6), ("market_store", 7), ("market_stock", 7)],
)
def test_store_pages_make_the_same_queries_for_one_redemption_or_many(
    client: Client,
    world: World,
    items: Items,
    store: Store,
    soap: Good,
    oil: Good,
    django_assert_num_queries: Any,
    name: str,
    expected: int,
) -> None:
    log_in(client, world.people["store_keeper"])
    url = reverse(name, args=[store.pk])
    redeem_directly(world, store, soap, 1)
    services.receive_stock(actor=actor(world.people["store_keeper"]), good=soap, quantity=3)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    redeem_directly(world, store, oil, 2)
    redeem_directly(world, store, soap, 1, household=other_home(world))
    redeem_directly(world, store, soap, 1, household=world.neighbour_home)
    Good.objects.create(store=store, name="牙膏", price=8, stock=3)
    services.receive_stock(actor=actor(world.people["store_keeper"]), good=oil, quantity=3)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_my_market_makes_the_same_queries_for_one_store_or_many(
    client: Client,
    world: World,
    items: Items,
    store: Store,
    soap: Good,
    django_assert_num_queries: Any,
) -> None:
    log_in(client, world.people["household_head"])
    redeem_directly(world, store, soap, 1)
    with django_assert_num_queries(12):
        assert client.get(reverse("market_my")).status_code == 200
    other = Store.objects.create(village=world.neighbour_village, name="双河超市")
    other.villages.add(world.village, world.neighbour_village)
    Good.objects.create(store=other, name="大米", price=30, stock=3)
    redeem_directly(world, store, soap, 2)
    redeem_directly(world, store, soap, 1, household=other_home(world))
    with django_assert_num_queries(12):
        assert client.get(reverse("market_my")).status_code == 200


def test_liability_makes_the_same_queries_for_one_store_or_many(
    client: Client, world: World, store: Store, soap: Good, django_assert_num_queries: Any
) -> None:
    log_in(client, world.people["supervisor"])
    url = reverse("market_liability", args=[world.village.code])
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    other = Store.objects.create(village=world.village, name="第二超市")
    other.villages.add(world.village, world.neighbour_village)
    redeem_directly(world, store, soap, 1)
    redeem_directly(world, store, soap, 1, household=other_home(world))
    redeem_directly(world, store, soap, 1, household=world.neighbour_home)
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
