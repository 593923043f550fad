"""Personas, after healthchecks' Alice and Bob: one of each role in 桂花村, and strangers.

桂花村 (Osmanthus village) and 双河村 (Twin Rivers) lie in 清平镇; 玉泉村 lies in 玉泉镇. All
three are in 青山县.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings

from jifen.accounts.middleware import ACTIVE_GRANT_SESSION_KEY
from jifen.accounts.models import Role, RoleGrant, User
from jifen.places.models import Household, Place
from tests import factories

# Each test process keeps its own cache, whatever the environment says: the test workers must
# not clear or fill each other's.
override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
).enable()

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    """Playwright, started once per test process: its sync API cannot run twice at once, so
    every browser the tests launch comes from this one."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium is not installed: run `sudo make browser-deps` "
            "(apt-get install chromium chromium-driver) to run the browser tests."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_driver: Any) -> Iterator[Any]:
    launched = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@contextmanager
def phone_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A page 360 px wide that loads nothing from another host than ``base_url``."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 360, "height": 740}, locale="zh-CN"
    )
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(base_url) else route.abort()
        ),
    )
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    with phone_page(browser, live_server.url) as opened:
        yield opened


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # PBKDF2's cost protects real passwords; in tests it would only cost minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    county: Place
    township: Place
    village: Place
    neighbour_village: Place
    other_township: Place
    far_village: Place
    home: Household
    neighbour_home: Household
    far_home: Household
    people: dict[str, User]


@pytest.fixture
def world(db: None) -> World:
    county = factories.county()
    township = factories.township(county, "510681101000", "清平镇")
    village = factories.village(township, "510681101201", "桂花村")
    neighbour_village = factories.village(township, "510681101202", "双河村")
    other_township = factories.township(county, "510681102000", "玉泉镇")
    far_village = factories.village(other_township, "510681102201", "玉泉村")
    home = factories.household(village, "1-01", "王建国", members=3)
    cadre_home = factories.household(village, "1-02", "李书记")
    neighbour_home = factories.household(neighbour_village, "2-01", "赵大海")
    far_home = factories.household(far_village, "3-01", "孙玉兰")
    child = home.residents.exclude(relation="head").first()
    assert child is not None and home.head is not None and cadre_home.head is not None
    grid = home.grid
    people = {
        "household_head": factories.account(
            "王建国", Role.HOUSEHOLD_HEAD, village, resident=home.head
        ),
        "villager": factories.account(child.name, Role.VILLAGER, village, resident=child),
        "grid_member": factories.account("周网格", Role.GRID_MEMBER, village, grid=grid),
        "secretary": factories.account("李书记", Role.SECRETARY, village, resident=cadre_home.head),
        "committee_member": factories.account("陈委员", Role.COMMITTEE_MEMBER, village),
        "supervisor": factories.account("吴监督", Role.SUPERVISOR, village),
        "representative": factories.account("郑代表", Role.REPRESENTATIVE, village),
        "store_keeper": factories.account("冯店主", Role.STORE_KEEPER, village),
        "township_officer": factories.account("刘包村", Role.TOWNSHIP_OFFICER, township),
        "township_admin": factories.account("杨镇管", Role.TOWNSHIP_ADMIN, township),
        "county_admin": factories.account("黄县管", Role.COUNTY_ADMIN, county),
        "bank_officer": factories.account("钱信贷", Role.BANK_OFFICER, county),
        "neighbour_secretary": factories.account("赵书记", Role.SECRETARY, neighbour_village),
        "far_township_admin": factories.account("马镇管", Role.TOWNSHIP_ADMIN, other_township),
    }
    return World(
        county=county,
        township=township,
        village=village,
        neighbour_village=neighbour_village,
        other_township=other_township,
        far_village=far_village,
        home=home,
        neighbour_home=neighbour_home,
        far_home=far_home,
        people=people,
    )


def log_in(client: Client, user: User, role: str | None = None) -> Client:
    """Sign ``user`` in, acting in ``role`` (their first role if not given)."""
    client.force_login(user)
    grants = RoleGrant.objects.filter(user=user, revoked_at__isnull=True).order_by("id")
    grant = grants.get(role=role) if role else grants.first()
    assert grant is not None
    session = client.session
    session[ACTIVE_GRANT_SESSION_KEY] = grant.pk
    session.save()
    return client


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with nothing kept: no page, no generation, in the cache or held by
    this process."""
    from django.core.cache import cache

    from jifen.board import door_plates
    from jifen.core import generations

    cache.clear()
    door_plates._held_here.clear()
    generations._read_here.clear()
    yield
