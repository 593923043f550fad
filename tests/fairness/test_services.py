"""Recomputing updates a flag instead of adding one; a review needs a note and the right role;
new records reopen a reviewed flag and keep its history; queries do not grow with households."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jifen.audit.models import AuditEvent
from jifen.fairness.models import Flag, FlagReview
from jifen.fairness.services import compute_all_flags, compute_flags, review_flag
from tests.conftest import World
from tests.fairness.conftest import TODAY, at, households, make
from tests.fairness.test_flags import EARLIER, pair_village
from tests.points import Items, actor


@pytest.fixture
def flag(world: World, items: Items) -> Flag:
    pair_village(world, items, 9)
    (raised,) = compute_flags(village=world.village, today=TODAY, now=at(TODAY, 22))
    return raised


def test_recomputing_updates_the_flag_instead_of_adding_one(world: World, flag: Flag) -> None:
    again = compute_flags(village=world.village, today=TODAY, now=at(TODAY, 23))
    assert [f.pk for f in again] == [flag.pk]
    assert Flag.objects.count() == 1
    assert again[0].computed_at == at(TODAY, 23)
    assert again[0].first_raised_at == at(TODAY, 22)
    assert AuditEvent.objects.filter(action="fairness.raise").count() == 1


def test_the_township_officer_reviews_a_flag_with_a_note(world: World, flag: Flag) -> None:
    officer = world.people["township_officer"]
    reviewed = review_flag(
        actor=actor(officer), flag=flag, note="  走访核实：该户确实常参加巡逻。 ", now=at(TODAY, 23)
    )
    assert reviewed.reviewed_by == officer
    assert reviewed.reviewed_at == at(TODAY, 23)
    assert reviewed.review_note == "走访核实：该户确实常参加巡逻。"
    (history,) = FlagReview.objects.filter(flag=flag)
    assert (history.note, history.record_count) == ("走访核实：该户确实常参加巡逻。", 9)
    event = AuditEvent.objects.get(action="fairness.review")
    assert event.actor == officer and event.village == world.village


@pytest.mark.parametrize("who", ["township_admin", "county_admin"])
def test_the_township_admin_and_county_admin_review_too(world: World, flag: Flag, who: str) -> None:
    review_flag(actor=actor(world.people[who]), flag=flag, note="已核实")
    flag.refresh_from_db()
    assert flag.reviewed_by == world.people[who]


def test_a_review_without_a_note_changes_nothing(world: World, flag: Flag) -> None:
    with pytest.raises(ValidationError) as refused:
        review_flag(actor=actor(world.people["township_officer"]), flag=flag, note="   ")
    assert refused.value.messages == ["Write what you found when you looked into it."]
    flag.refresh_from_db()
    assert flag.reviewed_at is None and not FlagReview.objects.exists()


@pytest.mark.parametrize(
    "who", ["secretary", "supervisor", "grid_member", "villager", "far_township_admin"]
)
def test_others_may_not_review(world: World, flag: Flag, who: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        review_flag(actor=actor(world.people[who]), flag=flag, note="没问题")
    assert str(refused.value) == "Only the township or county over the village reviews its flags."
    flag.refresh_from_db()
    assert flag.reviewed_at is None and not FlagReview.objects.exists()


def test_a_flag_is_reviewed_once(world: World, flag: Flag) -> None:
    review_flag(actor=actor(world.people["township_officer"]), flag=flag, note="已核实")
    with pytest.raises(ValidationError) as refused:
        review_flag(actor=actor(world.people["township_admin"]), flag=flag, note="再看看")
    assert refused.value.messages == ["This flag was already reviewed."]
    assert FlagReview.objects.count() == 1


def test_a_reviewed_flag_stays_reviewed_without_new_records(world: World, flag: Flag) -> None:
    review_flag(actor=actor(world.people["township_officer"]), flag=flag, note="已核实")
    (again,) = compute_flags(village=world.village, today=TODAY + timedelta(days=1))
    assert again.pk == flag.pk and again.reviewed_at is not None and again.reopened_at is None


def test_new_records_reopen_a_reviewed_flag_and_keep_its_history(
    world: World, items: Items, flag: Flag
) -> None:
    # Given a reviewed flag
    review_flag(actor=actor(world.people["township_officer"]), flag=flag, note="已核实")
    # When the grid member records for the same household again and the flags are computed
    assert flag.household is not None
    make(world, flag.household, items.patrol, on=TODAY)
    (again,) = compute_flags(village=world.village, today=TODAY, now=at(TODAY, 23))
    # Then the flag is open again, with ten records behind it, and the review kept
    assert again.pk == flag.pk
    assert (again.reviewed_at, again.reviewed_by, again.review_note) == (None, None, "")
    assert again.reopened_at == at(TODAY, 23)
    assert again.records.count() == 10
    assert again.figures["count"] == 10
    assert [(r.note, r.record_count) for r in FlagReview.objects.filter(flag=flag)] == [
        ("已核实", 9)
    ]
    assert AuditEvent.objects.filter(action="fairness.reopen").count() == 1


def test_the_job_computes_every_village(world: World, items: Items) -> None:
    pair_village(world, items, 9)
    assert compute_all_flags(now=at(TODAY, 22)) == 1
    assert compute_all_flags(now=at(TODAY, 23)) == 1
    assert Flag.objects.count() == 1


def test_queries_do_not_grow_with_households(
    world: World, items: Items, django_assert_num_queries: Any
) -> None:
    # Given a village where one flag fires (and was raised before), with 7 households
    pair_village(world, items, 20)
    assert len(compute_flags(village=world.village, today=TODAY)) == 1
    with django_assert_num_queries(13):
        compute_flags(village=world.village, today=TODAY)
    # When 20 more households earn points
    for home in households(world, 20, first=50):
        make(world, home, items.patrol, by="committee_member", on=EARLIER)
    # Then computing (the same flag) costs exactly as many queries
    with django_assert_num_queries(13):
        compute_flags(village=world.village, today=TODAY)
    assert Flag.objects.count() == 1
