"""The demo's fairness flags: the second village's committee member scores her own household,
and both flags about it fire; the showcase village raises none."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from jifen.demo.activity import ActivitySize, add_activity
from jifen.demo.fairness import add_fairness
from jifen.demo.generator import DemoSize, build_demo
from jifen.fairness.explain import explain
from jifen.fairness.models import Flag
from jifen.places.models import Place

END = date(2026, 11, 20)


@pytest.mark.django_db
def test_the_second_village_raises_flags_about_a_cadre_scoring_her_household() -> None:
    # Given a tiny demo county after its year of activity
    summary = build_demo(seed=11, size=DemoSize.tiny())
    add_activity(county=summary.county, seed=11, end=END, size=ActivitySize.tiny())
    showcase, second = Place.objects.filter(kind=Place.Kind.VILLAGE).order_by("code")
    # When the flags are computed at the end of it
    fired = add_fairness(summary.county, end=END)
    # Then the second village has two flags about the committee member's household
    flags = list(Flag.objects.filter(village=second).order_by("kind"))
    assert fired == len(flags) == 2
    cadre, pair = flags
    assert (cadre.kind, pair.kind) == (Flag.Kind.CADRE_HOUSEHOLD, Flag.Kind.RECORDER_HOUSEHOLD)
    assert cadre.household_id == pair.household_id
    assert pair.recorder is not None and pair.recorder.resident is not None
    assert pair.recorder.resident.household_id == pair.household_id
    assert cadre.figures["role"] == "committee_member"
    assert pair.records.count() == pair.figures["count"] >= 6
    with translation.override("en"):
        assert "modified z-score" in explain(cadre) and "binomial test" in explain(pair)
    # And the showcase village, with its random year, raises none
    assert not Flag.objects.filter(village=showcase).exists()
    # Computing again adds nothing
    assert add_fairness(summary.county, end=END) == 2 and Flag.objects.count() == 2
