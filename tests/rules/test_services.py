"""Publishing, copying, drafting, editing and adopting rulebooks; village settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.rules import selectors, services
from jifen.rules.catalogue import GENERAL, INDUSTRY
from jifen.rules.models import (
    Category,
    Item,
    Rulebook,
    RulebookVersion,
    StarBand,
    VillageSettings,
)
from tests import factories
from tests.conftest import World
from tests.rules.conftest import acting

Status = RulebookVersion.Status
BAD_CODE = "A code is a capital letter followed by up to 11 letters or digits, e.g. A01."
BASE_ADDS = "A base score or an award adds points: enter a positive number."
DECLARE_ADDS = "Villagers may declare only deeds that add points; a recorder enters the rest."
CAP_BOTH = "A cap needs both its points and its period."
CAP_LOW = "The cap must be at least the points of one occurrence."
CAP_DEDUCTION = "A cap limits points added; a deduction has no cap."
STAR_GAPS = "Star levels run from 1 star up to at most 5, without gaps."
STAR_RISING = "Each star level needs a higher score than the level below."


def contents(version: RulebookVersion) -> list[tuple[Any, ...]]:
    """Everything a version says, comparable across versions."""
    items = Item.objects.filter(version=version).order_by("category__position", "position")
    return [
        *(
            (
                item.category.title,
                item.code,
                item.title,
                item.points,
                item.unit,
                item.scope,
                item.cap_points,
                item.cap_period,
                item.evidence_required,
                item.self_declarable,
                item.sensitive,
                item.kind,
            )
            for item in items
        ),
        *StarBand.objects.filter(version=version).values_list("stars", "min_score"),
    ]


def item_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": "F09",
        "title": "清扫村道",
        "points": 5,
        "unit": Item.Unit.PER_OCCURRENCE,
        "scope": Item.Scope.HOUSEHOLD,
        "cap_points": None,
        "cap_period": "",
        "evidence_required": True,
        "self_declarable": True,
        "sensitive": False,
        "kind": Item.Kind.NORMAL,
    }
    return {**values, **changes}


def a_draft(world: World) -> RulebookVersion:
    """The village has version 1 in force and version 2 as a draft."""
    factories.rulebook(world.village)
    return services.draft_new_version(actor=None, village=world.village)


# Templates -----------------------------------------------------------------------------------


def test_publishing_a_template_puts_version_1_in_force_with_the_whole_catalogue(
    world: World,
) -> None:
    admin = acting(world.people["county_admin"])
    version = services.publish_template(
        actor=admin, owner=world.county, title=GENERAL.title, catalogue=GENERAL
    )
    assert (version.number, version.status, version.rulebook.is_template) == (
        1,
        Status.ADOPTED,
        True,
    )
    assert version.rulebook.owner == world.county
    assert version.adopted_by == world.people["county_admin"]
    assert Item.objects.filter(version=version).count() == GENERAL.item_count == 52
    assert Category.objects.filter(version=version).count() == 9
    assert list(version.star_bands.values_list("stars", "min_score")) == [
        (1, 60),
        (2, 100),
        (3, 150),
        (4, 200),
        (5, 260),
    ]
    f01 = Item.objects.get(version=version, code="F01")
    assert (f01.title, f01.points, f01.cap_points, f01.cap_period) == (
        "参加村组义务劳动",
        5,
        20,
        "month",
    )
    event = AuditEvent.objects.get(action="rulebook.publish_template")
    assert event.after == {
        "owner": world.county.code,
        "title": GENERAL.title,
        "catalogue": "general",
        "number": 1,
        "items": 52,
        "superseded": None,
    }


def test_publishing_again_under_the_same_title_supersedes_the_earlier_version(
    world: World,
) -> None:
    first = services.publish_template(
        actor=None, owner=world.township, title="清平镇细则", catalogue=GENERAL
    )
    second = services.publish_template(
        actor=None, owner=world.township, title="清平镇细则", catalogue=INDUSTRY
    )
    first.refresh_from_db()
    assert (first.status, second.status, second.number) == (Status.SUPERSEDED, Status.ADOPTED, 2)
    assert Rulebook.objects.filter(is_template=True).count() == 1
    assert list(selectors.templates_for(world.village)) == [second]


@pytest.mark.parametrize("place", ["village", "county"])
def test_only_an_admin_of_a_county_or_township_publishes_templates(
    world: World, place: str
) -> None:
    refused = PermissionDenied if place == "county" else ValidationError
    with pytest.raises(refused):
        services.publish_template(
            actor=acting(world.people["township_admin"]),
            owner=getattr(world, place),
            title=GENERAL.title,
            catalogue=GENERAL,
        )
    assert Rulebook.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="rulebook").count() == 0


def test_templates_for_a_village_are_those_of_its_county_and_township(world: World) -> None:
    county = services.publish_template(
        actor=None, owner=world.county, title=GENERAL.title, catalogue=GENERAL
    )
    township = services.publish_template(
        actor=None, owner=world.township, title="清平镇细则", catalogue=INDUSTRY
    )
    services.publish_template(
        actor=None, owner=world.other_township, title="玉泉镇细则", catalogue=INDUSTRY
    )
    assert list(selectors.templates_for(world.village)) == [county, township]


# Copying and drafting ------------------------------------------------------------------------


def test_copying_a_template_makes_a_draft_with_the_same_contents(world: World) -> None:
    template = services.publish_template(
        actor=None, owner=world.county, title=INDUSTRY.title, catalogue=INDUSTRY
    )
    draft = services.copy_template(
        actor=acting(world.people["secretary"]), village=world.village, template_version=template
    )
    assert (draft.number, draft.status, draft.based_on) == (1, Status.DRAFT, template)
    assert draft.rulebook.owner == world.village and not draft.rulebook.is_template
    assert draft.rulebook.title == "桂花村积分细则"
    assert contents(draft) == contents(template)
    assert len(contents(draft)) == 47 + 5
    assert selectors.in_force_version(world.village) is None
    event = AuditEvent.objects.get(action="rulebook.copy_template")
    assert (event.village, event.actor_role) == (world.village, "secretary")
    assert event.after == {"number": 1, "template": INDUSTRY.title, "template_version": 1}


def test_copying_into_a_village_with_a_rulebook_adds_a_version_to_it(world: World) -> None:
    in_force = factories.rulebook(world.village)
    template = in_force.based_on
    assert template is not None
    draft = services.copy_template(actor=None, village=world.village, template_version=template)
    assert (draft.rulebook, draft.number) == (in_force.rulebook, 2)
    assert Rulebook.objects.filter(owner=world.village).count() == 1


def test_a_template_of_another_township_is_not_offered(world: World) -> None:
    template = services.publish_template(
        actor=None, owner=world.other_township, title="玉泉镇细则", catalogue=GENERAL
    )
    with pytest.raises(ValidationError) as refused:
        services.copy_template(actor=None, village=world.village, template_version=template)
    assert refused.value.messages == ["This template is not offered to this village."]
    assert Rulebook.objects.filter(is_template=False).count() == 0


def test_a_superseded_template_is_not_offered(world: World) -> None:
    old = services.publish_template(
        actor=None, owner=world.county, title="县细则", catalogue=GENERAL
    )
    services.publish_template(actor=None, owner=world.county, title="县细则", catalogue=GENERAL)
    old.refresh_from_db()
    with pytest.raises(ValidationError):
        services.copy_template(actor=None, village=world.village, template_version=old)


def test_a_draft_of_the_version_in_force_copies_it(world: World) -> None:
    in_force = factories.rulebook(world.village)
    draft = services.draft_new_version(
        actor=acting(world.people["committee_member"]), village=world.village
    )
    assert (draft.number, draft.status, draft.based_on) == (2, Status.DRAFT, in_force)
    assert contents(draft) == contents(in_force)
    assert AuditEvent.objects.get(action="rulebook.draft").after == {"number": 2, "based_on": 1}


def test_a_second_draft_is_refused(world: World) -> None:
    draft = a_draft(world)
    template = draft.based_on
    assert template is not None and template.based_on is not None
    versions = RulebookVersion.objects.count()
    message = "This rulebook already has a draft. Adopt it or discard it before starting another."
    with pytest.raises(ValidationError) as refused:
        services.draft_new_version(actor=None, village=world.village)
    assert refused.value.messages == [message]
    with pytest.raises(ValidationError) as refused:
        services.copy_template(
            actor=None, village=world.village, template_version=template.based_on
        )
    assert refused.value.messages == [message]
    assert RulebookVersion.objects.count() == versions


def test_a_village_without_a_rulebook_cannot_draft_a_revision(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.draft_new_version(actor=None, village=world.village)
    assert refused.value.messages == ["This village has no rulebook in force yet; copy a template."]


def test_discarding_a_draft_deletes_it_and_keeps_the_version_in_force(world: World) -> None:
    draft = a_draft(world)
    services.discard_draft(actor=acting(world.people["secretary"]), version=draft)
    assert not RulebookVersion.objects.filter(pk=draft.pk).exists()
    assert Item.objects.filter(version_id=draft.pk).count() == 0
    in_force = selectors.in_force_version(world.village)
    assert in_force is not None and in_force.number == 1
    assert AuditEvent.objects.get(action="rulebook.discard_draft").before == {
        "number": 2,
        "items": 52,
    }


# Adopting ------------------------------------------------------------------------------------


def test_adopting_a_draft_supersedes_the_version_in_force(world: World) -> None:
    draft = a_draft(world)
    first = RulebookVersion.objects.get(rulebook=draft.rulebook, number=1)
    secretary = acting(world.people["secretary"])
    adopted = services.adopt_version(
        actor=secretary,
        version=draft,
        meeting=" 2026年第二次村民会议 ",
        adopted_on=date(2026, 3, 12),
        vote_result="应到341户，实到298户，同意286户",
    )
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    assert (adopted.status, adopted.meeting, adopted.adopted_on, adopted.vote_result) == (
        Status.ADOPTED,
        "2026年第二次村民会议",
        date(2026, 3, 12),
        "应到341户，实到298户，同意286户",
    )
    assert adopted.adopted_by == world.people["secretary"]
    assert adopted.in_force_from is not None
    assert timezone.now() - adopted.in_force_from < timedelta(minutes=1)
    assert selectors.in_force_version(world.village) == adopted
    event = AuditEvent.objects.get(action="rulebook.adopt", object_id=str(adopted.pk))
    assert event.after == {
        "number": 2,
        "meeting": "2026年第二次村民会议",
        "adopted_on": "2026-03-12",
        "vote_result": "应到341户，实到298户，同意286户",
        "superseded": 1,
    }


@pytest.mark.parametrize("status", [Status.ADOPTED, Status.SUPERSEDED])
def test_only_a_draft_is_adopted(world: World, status: str) -> None:
    draft = a_draft(world)
    services.adopt_version(
        actor=None,
        version=draft,
        meeting="村民会议",
        adopted_on=date(2026, 3, 1),
        vote_result="通过",
    )
    version = RulebookVersion.objects.get(rulebook=draft.rulebook, status=status)
    before = list(RulebookVersion.objects.values_list("pk", "status", "meeting"))
    with pytest.raises(ValidationError) as refused:
        services.adopt_version(
            actor=None,
            version=version,
            meeting="又一次会议",
            adopted_on=date(2026, 4, 1),
            vote_result="通过",
        )
    assert refused.value.messages == [
        "Only a draft can be changed. An adopted version stays as it was adopted."
    ]
    assert list(RulebookVersion.objects.values_list("pk", "status", "meeting")) == before


@pytest.mark.parametrize(
    ("meeting", "days_ahead", "vote_result", "message"),
    [
        ("  ", 0, "通过", "Name the meeting that adopted the rulebook (120 characters)."),
        ("村民会议", 0, "", "Record the result of the vote (120 characters)."),
        ("村民会议", 1, "通过", "The date of adoption cannot be in the future."),
    ],
)
def test_an_adoption_records_the_meeting_the_date_and_the_vote(
    world: World, meeting: str, days_ahead: int, vote_result: str, message: str
) -> None:
    draft = a_draft(world)
    with pytest.raises(ValidationError) as refused:
        services.adopt_version(
            actor=None,
            version=draft,
            meeting=meeting,
            adopted_on=timezone.localdate() + timedelta(days=days_ahead),
            vote_result=vote_result,
        )
    assert refused.value.messages == [message]
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_draft_without_items_is_not_adopted(world: World) -> None:
    draft = a_draft(world)
    for item in Item.objects.filter(version=draft):
        services.remove_item(actor=None, item=item)
    with pytest.raises(ValidationError) as refused:
        services.adopt_version(
            actor=None,
            version=draft,
            meeting="村民会议",
            adopted_on=date(2026, 3, 1),
            vote_result="通过",
        )
    assert refused.value.messages == ["A rulebook without items cannot be adopted."]


def test_a_template_is_not_adopted(world: World) -> None:
    template = services.publish_template(
        actor=None, owner=world.county, title=GENERAL.title, catalogue=GENERAL
    )
    with pytest.raises(ValidationError) as refused:
        services.adopt_version(
            actor=None,
            version=template,
            meeting="会议",
            adopted_on=date(2026, 3, 1),
            vote_result="通过",
        )
    assert refused.value.messages == ["A template is published, not adopted."]


# Editing the draft ---------------------------------------------------------------------------


def test_an_item_added_to_a_draft_goes_to_the_end_of_its_category(world: World) -> None:
    draft = a_draft(world)
    category = Category.objects.get(version=draft, title="公共事务 · 志愿服务 · 共建共治")
    item = services.save_item(
        actor=acting(world.people["secretary"]),
        version=draft,
        category=category,
        **item_values(code=" f09 ", title="  清扫  村道 "),
    )
    assert (item.code, item.title, item.position, item.version) == ("F09", "清扫 村道", 7, draft)
    assert list(category.items.order_by("position").values_list("code", flat=True)) == [
        "F01",
        "F02",
        "F03",
        "F04",
        "F05",
        "F06",
        "F07",
        "F09",
    ]
    event = AuditEvent.objects.get(action="rulebook.item_add")
    assert event.before is None
    assert event.after is not None and event.after["code"] == "F09"
    assert event.village == world.village


def test_changing_an_item_of_a_draft_keeps_the_other_versions_as_they_were(
    world: World,
) -> None:
    draft = a_draft(world)
    in_force = draft.based_on
    assert in_force is not None
    before = contents(in_force)
    labour = Item.objects.get(version=draft, code="F01")
    changed = services.save_item(
        actor=None,
        version=draft,
        category=labour.category,
        item=labour,
        **item_values(
            code="F01", title="参加村组义务劳动", points=6, cap_points=24, cap_period="month"
        ),
    )
    assert (changed.pk, changed.points, changed.cap_points) == (labour.pk, 6, 24)
    assert contents(in_force) == before
    assert Item.objects.get(version=in_force, code="F01").points == 5
    event = AuditEvent.objects.get(action="rulebook.item_change")
    assert event.before is not None and event.after is not None
    assert (event.before["points"], event.after["points"]) == (5, 6)


def test_moving_an_item_to_another_category_puts_it_last_there(world: World) -> None:
    draft = a_draft(world)
    honours = Category.objects.get(version=draft, title="荣誉奖励")
    item = Item.objects.get(version=draft, code="C03")
    moved = services.save_item(
        actor=None,
        version=draft,
        category=honours,
        item=item,
        **item_values(code="C03", title=item.title, points=20, kind=Item.Kind.AWARD),
    )
    assert (moved.category, moved.position) == (honours, 5)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "1A"}, BAD_CODE),
        ({"code": "F01"}, "Another item of this version has the code F01."),
        ({"title": " "}, "Give the item a title of at most 120 characters."),
        ({"unit": "daily"}, "Choose a unit."),
        ({"points": 0}, "Points cannot be 0; only a veto item scores nothing."),
        ({"points": 1001}, "Points must be between −1000 and 1000."),
        ({"kind": "veto"}, "A veto item cannot add points."),
        ({"kind": "base", "points": -5, "self_declarable": False}, BASE_ADDS),
        ({"points": -5}, DECLARE_ADDS),
        ({"kind": "base", "points": 100}, DECLARE_ADDS),
        ({"cap_points": 20}, CAP_BOTH),
        ({"cap_period": "month"}, CAP_BOTH),
        ({"cap_points": 20, "cap_period": "week"}, "Choose the period of the cap."),
        ({"cap_points": 4, "cap_period": "month"}, CAP_LOW),
        (
            {"points": -5, "self_declarable": False, "cap_points": 20, "cap_period": "month"},
            CAP_DEDUCTION,
        ),
    ],
)
def test_an_invalid_item_is_refused_with_its_reason(
    world: World, changes: dict[str, Any], message: str
) -> None:
    draft = a_draft(world)
    category = Category.objects.get(version=draft, title="荣誉奖励")
    before = contents(draft)
    with pytest.raises(ValidationError) as refused:
        services.save_item(actor=None, version=draft, category=category, **item_values(**changes))
    assert refused.value.messages == [message]
    assert contents(draft) == before


def test_a_veto_item_may_score_nothing(world: World) -> None:
    draft = a_draft(world)
    category = Category.objects.get(version=draft, title="扣分项")
    veto = services.save_item(
        actor=None,
        version=draft,
        category=category,
        **item_values(code="X20", points=0, kind="veto", self_declarable=False),
    )
    assert (veto.points, veto.kind) == (0, "veto")


def test_a_category_of_another_version_is_refused(world: World) -> None:
    draft = a_draft(world)
    assert draft.based_on is not None
    other = Category.objects.filter(version=draft.based_on).first()
    assert other is not None
    with pytest.raises(ValidationError) as refused:
        services.save_item(actor=None, version=draft, category=other, **item_values())
    assert refused.value.messages == ["This category or item belongs to another version."]


def test_removing_an_item_of_a_draft(world: World) -> None:
    draft = a_draft(world)
    item = Item.objects.get(version=draft, code="X12")
    services.remove_item(actor=acting(world.people["secretary"]), item=item)
    assert not Item.objects.filter(version=draft, code="X12").exists()
    assert Item.objects.filter(version=draft.based_on, code="X12").exists()
    event = AuditEvent.objects.get(action="rulebook.item_remove")
    assert event.before is not None and event.before["code"] == "X12"


def test_a_category_is_added_at_the_end(world: World) -> None:
    draft = a_draft(world)
    category = services.add_category(actor=None, version=draft, title=" 平安建设 ")
    assert (category.title, category.position, category.version) == ("平安建设", 9, draft)


@pytest.mark.parametrize("status", [Status.ADOPTED, Status.SUPERSEDED])
def test_nothing_in_an_adopted_or_superseded_version_changes(world: World, status: str) -> None:
    draft = a_draft(world)
    services.adopt_version(
        actor=None,
        version=draft,
        meeting="村民会议",
        adopted_on=date(2026, 3, 1),
        vote_result="通过",
    )
    version = RulebookVersion.objects.get(rulebook=draft.rulebook, status=status)
    item = Item.objects.get(version=version, code="F01")
    before = contents(version)
    events = AuditEvent.objects.count()
    attempts: list[Callable[[], object]] = [
        lambda: services.save_item(
            actor=None, version=version, category=item.category, **item_values()
        ),
        lambda: services.save_item(
            actor=None,
            version=version,
            category=item.category,
            item=item,
            **item_values(code="F01", points=50),
        ),
        lambda: services.remove_item(actor=None, item=item),
        lambda: services.save_star_bands(actor=None, version=version, bands=[(1, 10)]),
        lambda: services.add_category(actor=None, version=version, title="新类别"),
        lambda: services.discard_draft(actor=None, version=version),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.messages == [
            "Only a draft can be changed. An adopted version stays as it was adopted."
        ]
    assert contents(version) == before
    assert Category.objects.filter(version=version).count() == 9
    assert AuditEvent.objects.count() == events


def test_a_cadre_of_another_village_cannot_edit_this_draft(world: World) -> None:
    draft = a_draft(world)
    category = Category.objects.get(version=draft, title="荣誉奖励")
    stranger = acting(world.people["neighbour_secretary"])
    before = contents(draft)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.save_item(actor=stranger, version=draft, category=category, **item_values())
    with pytest.raises(PermissionDenied):
        services.adopt_version(
            actor=stranger,
            version=draft,
            meeting="会议",
            adopted_on=date(2026, 3, 1),
            vote_result="通过",
        )
    with pytest.raises(PermissionDenied):
        services.draft_new_version(actor=stranger, village=world.village)
    assert contents(draft) == before
    assert AuditEvent.objects.count() == events


# Star bands ----------------------------------------------------------------------------------


def test_star_bands_of_a_draft_are_replaced(world: World) -> None:
    draft = a_draft(world)
    saved = services.save_star_bands(actor=None, version=draft, bands=[(3, 200), (1, 50), (2, 120)])
    assert [(band.stars, band.min_score) for band in saved] == [(1, 50), (2, 120), (3, 200)]
    assert list(draft.star_bands.values_list("stars", "min_score")) == [
        (1, 50),
        (2, 120),
        (3, 200),
    ]
    event = AuditEvent.objects.get(action="rulebook.star_bands")
    assert event.before == {"bands": [[1, 60], [2, 100], [3, 150], [4, 200], [5, 260]]}
    assert event.after == {"bands": [[1, 50], [2, 120], [3, 200]]}


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([(1, 60), (3, 150)], STAR_GAPS),
        ([(2, 60)], STAR_GAPS),
        ([(n, n * 50) for n in range(1, 7)], STAR_GAPS),
        ([(1, 100), (2, 100)], STAR_RISING),
        ([(1, 100), (2, 80)], STAR_RISING),
        ([(1, -10)], "The score for 1 star cannot be negative."),
    ],
)
def test_invalid_star_bands_are_refused(
    world: World, bands: list[tuple[int, int]], message: str
) -> None:
    draft = a_draft(world)
    with pytest.raises(ValidationError) as refused:
        services.save_star_bands(actor=None, version=draft, bands=bands)
    assert refused.value.messages == [message]
    assert draft.star_bands.count() == 5


def test_no_star_bands_is_allowed(world: World) -> None:
    draft = a_draft(world)
    assert services.save_star_bands(actor=None, version=draft, bands=[]) == []
    assert selectors.stars_for(draft, 10_000) == 0


@pytest.mark.parametrize(
    ("score", "stars"),
    [(-5, 0), (59, 0), (60, 1), (149, 2), (150, 3), (259, 4), (260, 5), (900, 5)],
)
def test_stars_for_a_score(world: World, score: int, stars: int) -> None:
    version = factories.rulebook(world.village)
    assert selectors.stars_for(version, score) == stars


# Village settings ----------------------------------------------------------------------------


def test_a_cadre_changes_the_village_settings(world: World) -> None:
    assert selectors.village_settings(world.village).notice_days == 3
    settings = services.update_village_settings(
        actor=acting(world.people["committee_member"]),
        village=world.village,
        notice_days=5,
        score_visibility=VillageSettings.Visibility.HOUSEHOLD,
        separate_cadre_pool=True,
        separate_absent_pool=True,
    )
    assert (settings.notice_days, settings.score_visibility) == (5, "household")
    assert (settings.separate_cadre_pool, settings.separate_absent_pool) == (True, True)
    assert selectors.village_settings(world.village) == settings
    event = AuditEvent.objects.get(action="rulebook.settings")
    assert event.before == {
        "notice_days": 3,
        "score_visibility": "village",
        "separate_cadre_pool": False,
        "separate_absent_pool": False,
    }
    assert event.after == {
        "notice_days": 5,
        "score_visibility": "household",
        "separate_cadre_pool": True,
        "separate_absent_pool": True,
    }


@pytest.mark.parametrize(
    ("notice_days", "visibility", "message"),
    [
        (0, "village", "The public notice window is 1 to 15 days."),
        (16, "village", "The public notice window is 1 to 15 days."),
        (3, "everyone", "Choose who may see scores and ranks."),
    ],
)
def test_invalid_village_settings_are_refused(
    world: World, notice_days: int, visibility: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.update_village_settings(
            actor=None,
            village=world.village,
            notice_days=notice_days,
            score_visibility=visibility,
            separate_cadre_pool=False,
            separate_absent_pool=False,
        )
    assert refused.value.messages == [message]
    assert VillageSettings.objects.count() == 0


def test_a_township_admin_may_not_change_village_settings(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.update_village_settings(
            actor=acting(world.people["township_admin"]),
            village=world.village,
            notice_days=7,
            score_visibility="public",
            separate_cadre_pool=False,
            separate_absent_pool=False,
        )
    assert VillageSettings.objects.count() == 0
    assert AuditEvent.objects.filter(action="rulebook.settings").count() == 0
