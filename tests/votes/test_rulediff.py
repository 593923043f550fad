"""The change a draft makes to the rulebook in force, by item code."""

from __future__ import annotations

from jifen.rules import services as rules
from jifen.rules.models import Item, RulebookVersion
from jifen.votes.rulediff import diff, in_force_before, readable, star_band_text
from jifen.votes.templatetags.vote_links import adopting_vote, carrying_vote
from tests.conftest import World
from tests.points import small_rulebook
from tests.votes.conftest import new_vote


def test_an_unchanged_draft_changes_nothing(world: World) -> None:
    small_rulebook(world.village)
    draft = rules.draft_new_version(actor=None, village=world.village)
    in_force = in_force_before(draft)
    assert in_force is not None and in_force.number == 1
    assert diff(in_force, draft) == {
        "against": 1,
        "version": 2,
        "added": [],
        "changed": [],
        "removed": [],
        "star_bands": None,
    }


def test_a_first_rulebook_adds_every_item(world: World) -> None:
    items = small_rulebook(world.village)
    version = RulebookVersion.objects.get(pk=items.labour.version_id)
    found = diff(None, version)
    assert found["against"] is None
    assert [item["code"] for item in found["added"]] == ["A01", "A02", "A03", "B01", "A04", "X01"]
    assert found["star_bands"] == {"before": [], "after": [[1, 20], [2, 50], [3, 100]]}


def test_each_changed_field_and_the_star_levels_are_named(world: World) -> None:
    small_rulebook(world.village)
    draft = rules.draft_new_version(actor=None, village=world.village)
    labour = Item.objects.get(version=draft, code="A01")
    rules.save_item(
        actor=None,
        version=draft,
        item=labour,
        code="A01",
        category=labour.category,
        title="参加义务劳动",
        points=5,
        unit=Item.Unit.PER_PERSON_OCCURRENCE,
        scope=labour.scope,
        cap_points=30,
        cap_period="quarter",
        evidence_required=True,
        self_declarable=True,
        sensitive=False,
        kind=labour.kind,
    )
    rules.save_star_bands(actor=None, version=draft, bands=[(1, 30), (2, 60), (3, 100)])
    found = diff(in_force_before(draft), draft)
    [line] = readable(found)
    assert (line.change, line.code, line.title) == ("changed", "A01", "参加义务劳动")
    assert line.details == [
        "title: 义务劳动 → 参加义务劳动",
        "unit: per occurrence → per person per occurrence",
        "cap per period: 20 → 30",
        "cap period: month → quarter",
        "photo required: no → yes",
    ]
    assert star_band_text(found["star_bands"]["after"]) == "★ ≥ 30; ★★ ≥ 60; ★★★ ≥ 100"


def test_the_template_tags_find_the_vote_of_a_version(world: World) -> None:
    small_rulebook(world.village)
    draft = rules.draft_new_version(actor=None, village=world.village)
    assert carrying_vote(draft) is None
    vote = new_vote(world, rule_change=draft)
    assert carrying_vote(draft) == vote
    assert adopting_vote(draft) is None
