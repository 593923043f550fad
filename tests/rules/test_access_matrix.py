"""Every role against every page and action of the rulebook, as a table: allowed or refused.

A refused request answers 403 or 404 and changes nothing; an allowed change redirects and
changes something.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from jifen.audit.models import AuditEvent
from jifen.rules import services
from jifen.rules.catalogue import GENERAL
from jifen.rules.models import Category, Item, Rulebook, RulebookVersion, StarBand, VillageSettings
from tests import factories
from tests.access import check_cell
from tests.conftest import World
from tests.test_access_matrix import ROLES

VILLAGERS = {
    "household_head",
    "villager",
    "grid_member",
    "secretary",
    "committee_member",
    "supervisor",
    "representative",
    "store_keeper",
}
OVERSIGHT = {"township_officer", "township_admin", "county_admin"}
READERS = VILLAGERS | OVERSIGHT
CADRES = {"secretary", "committee_member"}

# action -> the roles allowed to do it. Everyone else is refused.
ALLOWED: dict[str, set[str]] = {
    "view the rulebook": READERS,
    "view a version": READERS,
    "open the draft editor": CADRES,
    "start a new draft": CADRES,
    "discard the draft": CADRES,
    "add a category": CADRES,
    "open the item form": CADRES,
    "add an item": CADRES,
    "change an item": CADRES,
    "remove an item": CADRES,
    "open the star levels": CADRES,
    "save star levels": CADRES,
    "open the adoption form": CADRES,
    "adopt the draft": CADRES,
    "open copy a template": CADRES,
    "copy a template": CADRES,
    "open the village settings": CADRES,
    "change the village settings": CADRES,
    "view the county's templates": {"county_admin"},
    "publish a county template": {"county_admin"},
    "view the township's templates": OVERSIGHT,
    "publish a township template": {"township_admin"},
    "read a county template": set(ROLES),
}

Request = Callable[[], HttpResponseBase]
Prepare = Callable[[Client, World], Request]


def in_force(world: World) -> RulebookVersion:
    return factories.rulebook(world.village)


def a_draft(world: World) -> RulebookVersion:
    in_force(world)
    return services.draft_new_version(actor=None, village=world.village)


def get(name: str, setup: Callable[[World], object], *args: Callable[[World], Any]) -> Prepare:
    def prepare(client: Client, world: World) -> Request:
        setup(world)
        url = reverse(name, args=[arg(world) for arg in args])
        return lambda: client.get(url)

    return prepare


def post(
    name: str,
    setup: Callable[[World], object],
    *args: Callable[[World], Any],
    data: Callable[[World], dict[str, Any]] = lambda world: {},
) -> Prepare:
    def prepare(client: Client, world: World) -> Request:
        setup(world)
        url = reverse(name, args=[arg(world) for arg in args])
        payload = data(world)
        return lambda: client.post(url, payload)

    return prepare


def village(world: World) -> str:
    return world.village.code


def draft_item(code: str) -> Callable[[World], int]:
    def pk(world: World) -> int:
        return Item.objects.get(version__status="draft", code=code).pk

    return pk


def item_form(world: World) -> dict[str, Any]:
    category = Category.objects.get(version__status="draft", title="荣誉奖励")
    return {
        "code": "G09",
        "category": category.pk,
        "title": "获乡镇表彰",
        "points": "8",
        "unit": "event",
        "scope": "household",
        "kind": "award",
        "evidence_required": "on",
        "self_declarable": "on",
    }


def changed_labour(world: World) -> dict[str, Any]:
    labour = Item.objects.get(version__status="draft", code="F01")
    return {
        "code": "F01",
        "category": labour.category_id,
        "title": "参加村组义务劳动",
        "points": "6",
        "unit": "occurrence",
        "scope": "household",
        "kind": "normal",
        "cap_points": "24",
        "cap_period": "month",
    }


def county_template(world: World) -> RulebookVersion:
    return services.publish_template(
        actor=None, owner=world.county, title=GENERAL.title, catalogue=GENERAL
    )


def template_to_copy(world: World) -> dict[str, Any]:
    template = RulebookVersion.objects.get(rulebook__is_template=True, status="adopted")
    return {"template": template.pk}


def nothing(world: World) -> None:
    return None


ACTIONS: dict[str, Prepare] = {
    "view the rulebook": get("rules_rulebook", in_force, village),
    "view a version": get("rules_version", in_force, village, lambda world: 1),
    "open the draft editor": get("rules_draft", a_draft, village),
    "start a new draft": post("rules_draft_new", in_force, village),
    "discard the draft": post("rules_draft_discard", a_draft, village),
    "add a category": post(
        "rules_category_add", a_draft, village, data=lambda world: {"title": "平安建设"}
    ),
    "open the item form": get("rules_item_add", a_draft, village),
    "add an item": post("rules_item_add", a_draft, village, data=item_form),
    "change an item": post(
        "rules_item_edit", a_draft, village, draft_item("F01"), data=changed_labour
    ),
    "remove an item": post("rules_item_remove", a_draft, village, draft_item("X12")),
    "open the star levels": get("rules_star_bands", a_draft, village),
    "save star levels": post(
        "rules_star_bands",
        a_draft,
        village,
        data=lambda world: {"stars_1": "50", "stars_2": "120", "stars_3": "200"},
    ),
    "open the adoption form": get("rules_adopt", a_draft, village),
    "adopt the draft": post(
        "rules_adopt",
        a_draft,
        village,
        data=lambda world: {
            "meeting": "村民会议",
            "adopted_on": "2026-03-12",
            "vote_result": "同意286户",
        },
    ),
    "open copy a template": get("rules_copy_template", county_template, village),
    "copy a template": post("rules_copy_template", in_force, village, data=template_to_copy),
    "open the village settings": get("rules_settings", nothing, village),
    "change the village settings": post(
        "rules_settings",
        nothing,
        village,
        data=lambda world: {"notice_days": "5", "score_visibility": "household"},
    ),
    "view the county's templates": get(
        "rules_templates", county_template, lambda world: world.county.code
    ),
    "publish a county template": post(
        "rules_templates",
        nothing,
        lambda world: world.county.code,
        data=lambda world: {"catalogue": "general"},
    ),
    "view the township's templates": get(
        "rules_templates", nothing, lambda world: world.township.code
    ),
    "publish a township template": post(
        "rules_templates",
        nothing,
        lambda world: world.township.code,
        data=lambda world: {"catalogue": "industry"},
    ),
    "read a county template": get(
        "rules_template_version",
        nothing,
        lambda world: world.county.code,
        lambda world: county_template(world).pk,
    ),
}
# The actions that change something when allowed (a POST that redirects).
CHANGES = {
    "start a new draft",
    "discard the draft",
    "add a category",
    "add an item",
    "change an item",
    "remove an item",
    "save star levels",
    "adopt the draft",
    "copy a template",
    "change the village settings",
    "publish a county template",
    "publish a township template",
}


def fingerprint() -> tuple[object, ...]:
    """Everything these actions could change."""
    return (
        AuditEvent.objects.count(),
        Rulebook.objects.count(),
        sorted(RulebookVersion.objects.values_list("pk", "status", "meeting")),
        sorted(Category.objects.values_list("pk", "title")),
        sorted(Item.objects.values_list("pk", "code", "points", "category_id", "cap_points")),
        sorted(StarBand.objects.values_list("version_id", "stars", "min_score")),
        sorted(VillageSettings.objects.values_list("village_id", "notice_days")),
    )


def test_the_table_covers_every_action() -> None:
    assert set(ALLOWED) == set(ACTIONS)
    assert set(CHANGES) < set(ACTIONS)


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_role_against_action(client: Client, world: World, role: str, action: str) -> None:
    check_cell(
        client,
        world,
        role,
        action,
        actions=ACTIONS,
        allowed=ALLOWED,
        changes=CHANGES,
        fingerprint=fingerprint,
    )
