"""The door plate kept for visitors who are not logged in, and renewed when the village changes.

Every visitor who is not logged in is served the same kept page, with a CSRF token of their
own; a posting, new settings, a new token or an adopted rulebook renew it at once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from jifen.board import door_plates
from jifen.board.door_plates import CSRF_HOLE
from jifen.core import generations
from jifen.core.context_processors import TEXT_SIZE_COOKIE
from jifen.places.models import Household
from jifen.places.services import rotate_household_token
from jifen.rules import services as rules
from jifen.rules.models import Item, VillageSettings
from jifen.rules.selectors import village_settings
from tests import factories
from tests.conftest import World, log_in
from tests.points import TODAY, actor, earn

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def scan(client: Client, household: Household, query: str = "") -> Any:
    response = client.get(reverse("door_plate", args=[household.public_token]) + query)
    assert response.status_code == 200
    return response


def text(response: Any) -> str:
    return str(response.content.decode())


def without_tokens(page: str) -> str:
    return TOKEN.sub("", re.sub(r'"X-CSRFToken": "[^"]+"', "", page))


def set_visibility(world: World, visibility: str) -> None:
    """As the village's secretary does, through the settings page's service."""
    current = village_settings(world.village)
    rules.update_village_settings(
        actor=actor(world.people["secretary"]),
        village=world.village,
        notice_days=current.notice_days,
        score_visibility=visibility,
        separate_cadre_pool=current.separate_cadre_pool,
        separate_absent_pool=current.separate_absent_pool,
    )


@pytest.fixture
def public(posted: World) -> World:
    set_visibility(posted, VillageSettings.Visibility.PUBLIC)
    return posted


def test_a_second_visitor_is_served_the_kept_page_without_a_query(
    public: World, django_assert_num_queries: Any
) -> None:
    first = scan(Client(), public.home)
    with django_assert_num_queries(0):
        second = scan(Client(), public.home)
    assert "<strong>15</strong>" in text(second)
    assert without_tokens(text(second)) == without_tokens(text(first))
    assert CSRF_HOLE not in text(first) and CSRF_HOLE not in text(second)
    # Each visitor has a token of their own, in the page and in the cookie
    assert TOKEN.findall(text(first))[0] != TOKEN.findall(text(second))[0]
    assert settings.CSRF_COOKIE_NAME in second.cookies


def test_the_kept_pages_footer_forms_work_with_the_visitors_own_token(public: World) -> None:
    visitor = Client(enforce_csrf_checks=True)
    scan(Client(), public.home)  # kept by an earlier visitor
    page = text(scan(visitor, public.home))
    token = TOKEN.findall(page)[0]
    response = visitor.post(
        reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert "points" in text(scan(visitor, public.home))
    refused = Client(enforce_csrf_checks=True).post(
        reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": token}
    )
    assert refused.status_code == 403  # the token is that visitor's, not anyone's


def test_a_posting_renews_the_kept_page(public: World) -> None:
    assert "<strong>15</strong>" in text(scan(Client(), public.home))
    patrol = Item.objects.get(version__rulebook__owner=public.village, code="A02")
    earn(
        [public.home],
        patrol,
        times=1,
        recorder=actor(public.people["grid_member"]),
        reviewer=actor(public.people["secretary"]),
    )
    assert "<strong>25</strong>" in text(scan(Client(), public.home))


def other_household(world: World) -> Household:
    return Household.objects.filter(village=world.village).exclude(pk=world.home.pk).get()


def test_another_households_posting_renews_this_plates_rank(public: World) -> None:
    assert "第1名 / 2户" in text(scan(Client(), public.home))
    patrol = Item.objects.get(version__rulebook__owner=public.village, code="A02")
    earn(
        [other_household(public)],
        patrol,
        times=2,
        recorder=actor(public.people["grid_member"]),
        reviewer=actor(public.people["committee_member"]),
    )
    assert "第2名 / 2户" in text(scan(Client(), public.home))


def test_scores_made_private_are_hidden_from_the_next_visitor(public: World) -> None:
    assert "<strong>15</strong>" in text(scan(Client(), public.home))
    set_visibility(public, VillageSettings.Visibility.VILLAGE)
    page = text(scan(Client(), public.home))
    assert "<strong>15</strong>" not in page and "治安巡逻" not in page


def test_a_kept_plate_stops_working_when_its_token_is_rotated(public: World) -> None:
    old = public.home.public_token
    scan(Client(), public.home)
    rotate_household_token(actor=actor(public.people["secretary"]), household=public.home)
    assert Client().get(reverse("door_plate", args=[old])).status_code == 404


def test_adopting_a_rulebook_renews_the_stars(public: World) -> None:
    assert "暂无星级" in text(scan(Client(), public.home))  # no band in the small rulebook
    secretary = actor(public.people["secretary"])
    draft = rules.draft_new_version(actor=secretary, village=public.village)
    rules.save_star_bands(actor=secretary, version=draft, bands=[(1, 10)])
    rules.adopt_version(
        actor=secretary,
        version=draft,
        meeting="村民代表会议",
        adopted_on=TODAY,
        vote_result="全票通过",
    )
    assert "★" in text(scan(Client(), public.home))


def test_a_logged_in_villager_gets_a_page_of_their_own(public: World) -> None:
    scan(Client(), public.home)
    villager = log_in(Client(), public.people["villager"])
    page = text(scan(villager, public.home))
    assert public.people["villager"].name in page
    assert public.people["villager"].name not in text(scan(Client(), public.home))


def test_language_and_text_size_are_kept_apart(public: World) -> None:
    chinese = text(scan(Client(), public.home))
    english_visitor = Client()
    english_visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    large_visitor = Client()
    large_visitor.cookies[TEXT_SIZE_COOKIE] = "large"
    english = text(scan(english_visitor, public.home))
    large = text(scan(large_visitor, public.home))
    assert "积分" in chinese and 'class="large-text"' not in chinese
    assert "No. 1 of 2 households" in english
    assert 'class="large-text"' in large and "第1名 / 2户" in large


def test_a_page_with_a_query_string_is_rendered_afresh(
    public: World, django_assert_num_queries: Any
) -> None:
    scan(Client(), public.home, "?from=poster")
    with django_assert_num_queries(4):
        page = text(scan(Client(), public.home, "?from=poster"))
    assert "from=poster" in page  # the footer's forms lead back to it


def test_a_generation_moves_on_at_once_and_again_at_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    before = generations.generation(world.village.pk)
    assert generations.generation(world.village.pk) == before
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        generations.move_on([world.village.pk])
        during = generations.generation(world.village.pk)
        assert during != before
    # A page rendered during the transaction, from the data before it, is not served after
    assert generations.generation(world.village.pk) not in {before, during}
    assert generations.generation(world.neighbour_village.pk) != during


def test_another_process_change_is_seen_within_a_second(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    village = world.village.pk
    seen = generations.recent(village)
    # Another process moves the generation on: it writes the cache, not this process's memory
    cache.set(generations._key(village), "moved on elsewhere", timeout=None)
    assert generations.recent(village) == seen
    a_second_later = time.monotonic() + generations.TRUSTED_SECONDS
    monkeypatch.setattr("jifen.core.generations.time.monotonic", lambda: a_second_later)
    assert generations.recent(village) == "moved on elsewhere"


def test_without_a_cache_every_scan_is_rendered(
    public: World, django_assert_num_queries: Any
) -> None:
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    ):
        for _ in range(2):
            with django_assert_num_queries(4):
                assert "<strong>15</strong>" in text(scan(Client(), public.home))


@pytest.mark.parametrize(
    ("production", "cache_url", "backend"),
    [
        ("0", "", "django.core.cache.backends.filebased.FileBasedCache"),
        ("1", "", "django.core.cache.backends.dummy.DummyCache"),
        ("1", "redis://127.0.0.1:6379/0", "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_production_keeps_pages_only_in_a_cache_its_workers_share(
    tmp_path: Path, production: str, cache_url: str, backend: str
) -> None:
    env = {
        **os.environ,
        "JIFEN_PRODUCTION": production,
        "JIFEN_CACHE_URL": cache_url,
        "SECRET_KEY": "k" * 60,
        "JIFEN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "jifen.settings",
    }
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.CACHES['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == backend


def test_a_cache_url_that_is_not_redis_is_refused(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "JIFEN_CACHE_URL": "memcached://127.0.0.1:11211",
        "JIFEN_VAR_DIR": str(tmp_path),
    }
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "jifen.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "JIFEN_CACHE_URL must be a redis:// URL" in result.stderr


def test_a_worker_holds_a_bounded_number_of_pages(
    world: World, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    monkeypatch.setattr(door_plates, "HELD_HERE", 2)
    homes = [factories.household(world.village, f"8-0{n}") for n in range(3)]
    for home in homes:
        scan(Client(), home)
    assert len(door_plates._held_here) == 2
    # The first page held was let go here, and is fetched again from the shared cache
    with django_assert_num_queries(0):
        assert homes[0].door_plate in text(scan(Client(), homes[0]))
