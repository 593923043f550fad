"""The counter in Chromium at 360 px: the camera reads the door-plate QR code, the steppers fill
the basket, the keeper confirms; axe checks every supermarket page, in normal and large text.

Chromium's fake camera plays a picture of the door plate's QR code, so that scan.js and jsQR
run for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import segno
from django.urls import reverse
from PIL import Image

from jifen.market.models import Good, Redemption, Store
from tests.browser.conftest import assert_accessible, check_page, sign_in
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, World, phone_page
from tests.market.conftest import earned
from tests.points import Items

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 640, 480


def camera_film(path: Path, text: str) -> Path:
    """A Y4M video (what Chromium's fake camera plays) of a QR code holding ``text``."""
    buffer = BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    code = Image.open(BytesIO(buffer.getvalue())).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2) * (HEIGHT // 2)
    with path.open("wb") as film:
        film.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(3):
            film.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.fixture(scope="session")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("camera") / "door-plate.y4m"


@pytest.fixture(scope="session")
def camera_browser(playwright_driver: Any, film: Path) -> Iterator[Any]:
    """Chromium with a fake camera playing ``film``; each test writes the film it needs."""
    launched = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={film}",
        ],
    )
    yield launched
    launched.close()


@pytest.fixture
def page(camera_browser: Any, live_server: Any) -> Iterator[Any]:
    with phone_page(camera_browser, live_server.url) as opened:
        yield opened


def test_the_keeper_scans_a_door_plate_and_redeems(
    film: Path, page: Any, live_server: Any, world: World, items: Items, store: Store, soap: Good
) -> None:
    earned(world, items)
    camera_film(film, f"{live_server.url}/h/{world.home.public_token}/")
    sign_in(page, live_server.url, world.people["store_keeper"])
    page.goto(reverse("market_counter", args=[store.pk]))
    assert_accessible(page)
    scan = page.locator("#scan-start")
    scan.wait_for(state="visible")
    scan.click()
    basket = reverse("market_basket", args=[store.pk, world.home.public_token])
    page.wait_for_url(f"**{basket}")
    assert "1-01" in page.locator("#household-heading").inner_text()

    # The steppers and the running total
    more = page.locator(".stepper button").nth(1)
    more.click()
    more.click()
    assert page.locator(f"#id_qty-{soap.pk}").input_value() == "2"
    assert page.locator("#basket-total").inner_text() == "10"
    assert_accessible(page)
    page.locator("button[name=step][value=review]").click()
    page.locator("button[name=step][value=confirm]").click()
    page.wait_for_url("**/redemptions/*/")
    redemption = Redemption.objects.get()
    assert page.url.endswith(reverse("market_receipt", args=[store.pk, redemption.pk]))
    assert (redemption.points, Good.objects.get(pk=soap.pk).stock) == (10, 8)


def test_the_supermarket_pages_are_accessible(
    page: Any, live_server: Any, world: World, items: Items, store: Store, soap: Good, oil: Good
) -> None:
    earned(world, items)
    sign_in(page, live_server.url, world.people["store_keeper"])
    for name in ["market_store", "market_stock", "market_counter", "market_orders"]:
        check_page(page, reverse(name, args=[store.pk]), live_server.url)
    check_page(
        page, reverse("market_basket", args=[store.pk, world.home.public_token]), live_server.url
    )
    check_page(page, reverse("market_good_edit", args=[store.pk, soap.pk]), live_server.url)
    check_page(page, reverse("market_liability", args=[world.village.code]), live_server.url)
    sign_in(page, live_server.url, world.people["household_head"])
    check_page(page, reverse("market_my"), live_server.url)
    page.goto(reverse("market_order", args=[store.pk]))
    page.locator(".stepper button").nth(1).click()
    page.locator("button[name=step][value=review]").click()
    assert_accessible(page)
    page.locator("button[name=step][value=confirm]").click()
    page.wait_for_url("**/redemptions/*/")
    assert_accessible(page)
    sign_in(page, live_server.url, world.people["store_keeper"])
    check_page(page, reverse("market_orders", args=[store.pk]), live_server.url)
    check_page(page, reverse("market_history", args=[store.pk]), live_server.url)
    sign_in(page, live_server.url, world.people["secretary"])
    check_page(page, reverse("market_stores", args=[world.village.code]), live_server.url)
    check_page(page, reverse("market_store_new", args=[world.village.code]), live_server.url)
    check_page(page, reverse("rules_settings", args=[world.village.code]), live_server.url)
