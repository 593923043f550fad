"""The rulebook pages: what they show, the draft editor end to end, and what stays out of reach."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.rules import selectors, services
from jifen.rules.catalogue import GENERAL, INDUSTRY
from jifen.rules.models import Category, Item, RulebookVersion, VillageSettings
from tests import factories
from tests.conftest import World, log_in


def page(client: Client, name: str, *args: object) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def more_households_and_villages(world: World) -> None:
    """Ten more households in 桂花村, and a rulebook in force in 双河村 and in 玉泉村."""
    for n in range(10):
        factories.household(world.village, f"8-{n:02d}")
    factories.rulebook(world.neighbour_village)
    factories.rulebook(world.far_village, catalogue="industry")


def test_a_villager_reads_the_rulebook_in_force(client: Client, world: World) -> None:
    factories.rulebook(world.village)
    log_in(client, world.people["villager"])
    html = page(client, "rules_rulebook", world.village.code)
    assert "Version 1 is in force." in html
    assert "参加村组义务劳动" in html
    assert "+5 points" in html
    assert "At most 20 points per month." in html
    assert "−50 points" in html and "打架斗殴" in html
    assert "违法犯罪受刑事处罚" in html and "veto item (no redemption this year)" in html
    assert "sensitive or subjective" in html
    assert "3 stars from 150 points" in html
    assert "应到312户，实到268户，同意251户" in html
    assert html.count('class="card"') == 52 + 1
    # A villager reads; the editing links are for cadres
    assert reverse("rules_draft", args=[world.village.code]) not in html


def test_a_village_without_a_rulebook_says_so(client: Client, world: World) -> None:
    log_in(client, world.people["secretary"])
    html = page(client, "rules_rulebook", world.village.code)
    assert "This village has no rulebook in force yet." in html
    assert reverse("rules_copy_template", args=[world.village.code]) in html


def test_rulebook_queries_do_not_grow_with_items_or_versions(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    factories.rulebook(world.village, catalogue="industry")
    log_in(client, world.people["secretary"])
    url = reverse("rules_rulebook", args=[world.village.code])
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
    draft = services.draft_new_version(actor=None, village=world.village)
    category = Category.objects.filter(version=draft).first()
    assert category is not None
    for n in range(20):
        services.save_item(
            actor=None,
            version=draft,
            category=category,
            code=f"Z{n:02d}",
            title=f"新增事项{n}",
            points=n + 1,
            unit=Item.Unit.PER_OCCURRENCE,
            scope=Item.Scope.HOUSEHOLD,
            cap_points=None,
            cap_period="",
            evidence_required=False,
            self_declarable=False,
            sensitive=False,
            kind=Item.Kind.NORMAL,
        )
    services.adopt_version(
        actor=None,
        version=draft,
        meeting="村民会议",
        adopted_on=date(2026, 3, 1),
        vote_result="通过",
    )
    more_households_and_villages(world)
    with django_assert_num_queries(11):
        assert "新增事项19" in page(client, "rules_rulebook", world.village.code)


def test_draft_editor_queries_do_not_grow_with_items(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    factories.rulebook(world.village)
    draft = services.draft_new_version(actor=None, village=world.village)
    log_in(client, world.people["secretary"])
    url = reverse("rules_draft", args=[world.village.code])
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    services.add_category(actor=None, version=draft, title="平安建设")
    for item in Item.objects.filter(version=draft, code__startswith="X"):
        services.remove_item(actor=None, item=item)
    more_households_and_villages(world)
    with django_assert_num_queries(10):
        assert "平安建设" in page(client, "rules_draft", world.village.code)


def test_an_old_version_stays_readable(client: Client, world: World) -> None:
    first = factories.rulebook(world.village)
    second = factories.rulebook(world.village, catalogue="industry")
    log_in(client, world.people["supervisor"])
    html = page(client, "rules_version", world.village.code, first.number)
    assert "Superseded" in html and "This version was superseded." in html
    assert "见义勇为" in html
    html = page(client, "rules_version", world.village.code, second.number)
    assert "In force" in html and "见义勇为" not in html and "返乡创业并带动就业" in html
    assert client.get(reverse("rules_version", args=[world.village.code, 9])).status_code == 404


def test_a_cadre_revises_the_rulebook_through_the_pages(client: Client, world: World) -> None:
    factories.rulebook(world.village)
    log_in(client, world.people["secretary"])
    code = world.village.code

    # A new draft from the version in force
    response = client.post(reverse("rules_draft_new", args=[code]))
    assert response.status_code == 302
    assert response["Location"] == reverse("rules_draft", args=[code])
    draft = selectors.draft_version(world.village)
    assert draft is not None and draft.number == 2
    assert "Draft version 2." in page(client, "rules_draft", code)

    # A new category and a new item in it
    client.post(reverse("rules_category_add", args=[code]), {"title": "平安建设"})
    category = Category.objects.get(version=draft, title="平安建设")
    response = client.post(
        reverse("rules_item_add", args=[code]),
        {
            "code": "h01",
            "category": category.pk,
            "title": "安装视频监控接入“雪亮工程”",
            "points": "5",
            "unit": "event",
            "scope": "household",
            "kind": "normal",
            "evidence_required": "on",
            "self_declarable": "on",
        },
    )
    assert response.status_code == 302
    added = Item.objects.get(version=draft, code="H01")
    assert (added.category, added.points, added.evidence_required) == (category, 5, True)

    # Change an item, remove another, new star levels
    labour = Item.objects.get(version=draft, code="F01")
    response = client.post(
        reverse("rules_item_edit", args=[code, labour.pk]),
        {
            "code": "F01",
            "category": labour.category_id,
            "title": "参加村组义务劳动",
            "points": "6",
            "unit": "occurrence",
            "scope": "household",
            "kind": "normal",
            "cap_points": "24",
            "cap_period": "month",
        },
    )
    assert response.status_code == 302
    littering = Item.objects.get(version=draft, code="X06")
    client.post(reverse("rules_item_remove", args=[code, littering.pk]))
    client.post(
        reverse("rules_star_bands", args=[code]),
        {"stars_1": "50", "stars_2": "100", "stars_3": "160"},
    )

    # Adopted by the meeting, the new version is in force
    response = client.post(
        reverse("rules_adopt", args=[code]),
        {
            "meeting": "2026年第二次村民会议",
            "adopted_on": "2026-03-12",
            "vote_result": "同意286户，反对12户",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("rules_rulebook", args=[code])
    in_force = selectors.in_force_version(world.village)
    assert in_force is not None and in_force.pk == draft.pk
    assert list(in_force.items.filter(code="F01").values_list("points", "cap_points")) == [(6, 24)]
    assert not in_force.items.filter(code="X06").exists()
    assert list(in_force.star_bands.values_list("stars", "min_score")) == [
        (1, 50),
        (2, 100),
        (3, 160),
    ]
    html = page(client, "rules_rulebook", code)
    assert "Version 2 is in force." in html and "安装视频监控接入“雪亮工程”" in html
    assert "2026年第二次村民会议" in html
    actions = list(
        AuditEvent.objects.filter(village=world.village, actor__isnull=False)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "rulebook.draft",
        "rulebook.category_add",
        "rulebook.item_add",
        "rulebook.item_change",
        "rulebook.item_remove",
        "rulebook.star_bands",
        "rulebook.adopt",
    ]


def test_an_invalid_item_is_shown_with_its_reason(client: Client, world: World) -> None:
    factories.rulebook(world.village)
    draft = services.draft_new_version(actor=None, village=world.village)
    category = Category.objects.get(version=draft, title="扣分项")
    log_in(client, world.people["committee_member"])
    response = client.post(
        reverse("rules_item_add", args=[world.village.code]),
        {
            "code": "X20",
            "category": category.pk,
            "title": "自报扣分",
            "points": "-5",
            "unit": "occurrence",
            "scope": "household",
            "kind": "normal",
            "self_declarable": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Villagers may declare only deeds that add points; a recorder enters the rest." in html
    assert not Item.objects.filter(version=draft, code="X20").exists()


def test_an_adoption_dated_in_the_future_is_refused(client: Client, world: World) -> None:
    factories.rulebook(world.village)
    draft = services.draft_new_version(actor=None, village=world.village)
    log_in(client, world.people["secretary"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("rules_adopt", args=[world.village.code]),
        {"meeting": "村民会议", "adopted_on": tomorrow.isoformat(), "vote_result": "通过"},
    )
    assert response.status_code == 200
    assert "The date of adoption cannot be in the future." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RulebookVersion.Status.DRAFT


def test_a_second_draft_is_refused_with_a_message(client: Client, world: World) -> None:
    factories.rulebook(world.village)
    services.draft_new_version(actor=None, village=world.village)
    log_in(client, world.people["secretary"])
    response = client.post(reverse("rules_draft_new", args=[world.village.code]), follow=True)
    assert "This rulebook already has a draft." in response.content.decode()
    assert RulebookVersion.objects.filter(status=RulebookVersion.Status.DRAFT).count() == 1


def test_without_a_draft_the_editor_offers_to_start_one(client: Client, world: World) -> None:
    factories.rulebook(world.village)
    log_in(client, world.people["secretary"])
    html = page(client, "rules_draft", world.village.code)
    assert "There is no draft." in html
    assert "Start a new draft from version 1" in html
    code = world.village.code
    assert client.get(reverse("rules_item_add", args=[code])).status_code == 404
    assert client.get(reverse("rules_adopt", args=[code])).status_code == 404


def test_items_in_force_are_not_reachable_through_the_draft_pages(
    client: Client, world: World
) -> None:
    in_force = factories.rulebook(world.village)
    services.draft_new_version(actor=None, village=world.village)
    item = Item.objects.get(version=in_force, code="F01")
    log_in(client, world.people["secretary"])
    code = world.village.code
    assert client.get(reverse("rules_item_edit", args=[code, item.pk])).status_code == 404
    assert client.post(reverse("rules_item_remove", args=[code, item.pk])).status_code == 404
    assert Item.objects.filter(pk=item.pk).exists()


def test_a_cadre_copies_a_template_of_the_county_or_the_township(
    client: Client, world: World
) -> None:
    services.publish_template(
        actor=None, owner=world.county, title=GENERAL.title, catalogue=GENERAL
    )
    township = services.publish_template(
        actor=None, owner=world.township, title="清平镇积分细则", catalogue=INDUSTRY
    )
    services.publish_template(
        actor=None, owner=world.other_township, title="玉泉镇积分细则", catalogue=INDUSTRY
    )
    log_in(client, world.people["secretary"])
    html = page(client, "rules_copy_template", world.village.code)
    assert GENERAL.title in html and "清平镇积分细则" in html
    assert "玉泉镇积分细则" not in html
    response = client.post(
        reverse("rules_copy_template", args=[world.village.code]), {"template": township.pk}
    )
    assert response.status_code == 302
    draft = selectors.draft_version(world.village)
    assert draft is not None and draft.based_on == township
    assert draft.items.count() == 47


def test_a_cadre_changes_the_village_settings(client: Client, world: World) -> None:
    log_in(client, world.people["secretary"])
    html = page(client, "rules_settings", world.village.code)
    assert 'value="3"' in html
    response = client.post(
        reverse("rules_settings", args=[world.village.code]),
        {"notice_days": "7", "score_visibility": "household", "separate_absent_pool": "on"},
    )
    assert response.status_code == 302
    settings = VillageSettings.objects.get(village=world.village)
    assert (settings.notice_days, settings.score_visibility) == (7, "household")
    assert (settings.separate_cadre_pool, settings.separate_absent_pool) == (False, True)
    response = client.post(
        reverse("rules_settings", args=[world.village.code]),
        {"notice_days": "30", "score_visibility": "household"},
    )
    assert response.status_code == 200
    settings.refresh_from_db()
    assert settings.notice_days == 7


def test_the_county_admin_publishes_a_template(client: Client, world: World) -> None:
    log_in(client, world.people["county_admin"])
    url = reverse("rules_templates", args=[world.county.code])
    assert "No template published yet." in page(client, "rules_templates", world.county.code)
    response = client.post(url, {"catalogue": "industry"})
    assert response.status_code == 302
    version = RulebookVersion.objects.get(rulebook__is_template=True)
    assert (version.rulebook.owner, version.rulebook.title) == (world.county, INDUSTRY.title)
    html = page(client, "rules_templates", world.county.code)
    assert INDUSTRY.title in html and "47 items" in html
    html = page(client, "rules_template_version", world.county.code, version.pk)
    assert "规模种植特色作物（每10亩）" in html


def test_a_township_officer_sees_the_templates_but_publishes_none(
    client: Client, world: World
) -> None:
    log_in(client, world.people["township_officer"])
    html = page(client, "rules_templates", world.township.code)
    assert "Publish a built-in template" not in html
    url = reverse("rules_templates", args=[world.township.code])
    assert client.post(url, {"catalogue": "general"}).status_code == 403
    assert RulebookVersion.objects.count() == 0


def test_nobody_reaches_into_another_village(client: Client, world: World) -> None:
    in_force = factories.rulebook(world.village)
    draft = services.draft_new_version(actor=None, village=world.village)
    factories.rulebook(world.neighbour_village)
    services.draft_new_version(actor=None, village=world.neighbour_village)
    item = Item.objects.get(version=draft, code="F01")
    events = AuditEvent.objects.count()
    code = world.village.code
    for person in ["neighbour_secretary", "far_township_admin"]:
        log_in(client, world.people[person])
        assert client.get(reverse("rules_rulebook", args=[code])).status_code == 403
        assert client.get(reverse("rules_version", args=[code, 1])).status_code == 403
        assert client.get(reverse("rules_draft", args=[code])).status_code == 403
        assert client.post(reverse("rules_item_remove", args=[code, item.pk])).status_code == 403
        assert client.post(reverse("rules_draft_discard", args=[code])).status_code == 403
    # Reaching through one's own village code does not work either
    own = world.neighbour_village.code
    log_in(client, world.people["neighbour_secretary"])
    assert client.post(reverse("rules_item_remove", args=[own, item.pk])).status_code == 404
    assert Item.objects.filter(pk=item.pk).exists()
    assert selectors.in_force_version(world.village) == in_force
    assert AuditEvent.objects.count() == events
