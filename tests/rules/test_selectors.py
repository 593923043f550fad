"""Reads of rulebooks: the version in force, the history, the star level of a score."""

from __future__ import annotations

from jifen.rules import selectors, services
from tests import factories
from tests.conftest import World


def test_a_village_without_a_rulebook_has_nothing_in_force(world: World) -> None:
    assert selectors.in_force_version(world.village) is None
    assert selectors.draft_version(world.village) is None
    assert list(selectors.rulebook_versions(world.village)) == []


def test_the_history_lists_every_version_newest_first(world: World) -> None:
    factories.rulebook(world.village)
    factories.rulebook(world.village, catalogue="industry")
    services.draft_new_version(actor=None, village=world.village)
    history = [
        (version.number, version.status, version.item_count)
        for version in selectors.rulebook_versions(world.village)
    ]
    assert history == [(3, "draft", 47), (2, "adopted", 47), (1, "superseded", 52)]
    in_force = selectors.in_force_version(world.village)
    assert in_force is not None and in_force.number == 2
    # Another village's rulebook is its own
    assert selectors.in_force_version(world.neighbour_village) is None
