"""The demo's campaigns and red and black lists, on a tiny county after a year of activity."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Count

from jifen.campaigns.models import Board, Campaign, Entry, Inspection
from jifen.campaigns.selectors import black_list_now, campaign_progress
from jifen.demo.activity import ActivitySize, add_activity
from jifen.demo.generator import DemoSize, build_demo
from jifen.places.models import Place
from jifen.rules.models import VillageSettings

END = date(2026, 11, 20)


@pytest.mark.django_db
def test_the_demo_has_a_campaign_and_confirmed_lists_with_current_and_expired_entries() -> None:
    summary = build_demo(seed=11, size=DemoSize.tiny())
    add_activity(
        county=summary.county,
        seed=11,
        end=END,
        size=ActivitySize(records_per_week=3, showcase_records_per_week=12),
    )
    villages = list(Place.objects.filter(kind=Place.Kind.VILLAGE).order_by("code"))
    showcase = villages[0]
    # A campaign in every village, with four items and three rounds
    assert Campaign.objects.count() == len(villages)
    campaign = Campaign.objects.get(village=showcase)
    assert (campaign.title, campaign.items.count(), campaign.rounds.count()) == (
        "夏季灭蚊行动",
        4,
        3,
    )
    # The showcase inspects every household in every round; households pass and fail
    progress = campaign_progress(campaign)
    households = showcase.households.count()
    assert [tally.inspected for tally in progress.total.rounds] == [households] * 3
    assert progress.total.campaign.passed > 0 and progress.total.campaign.failed > 0
    assert len(progress.by_group) >= 2 and len(progress.by_grid) >= 1
    assert set(Inspection.objects.values_list("passed", flat=True)) == {True, False}
    # Four confirmed monthly boards in every village, and the showcase's campaign board
    monthly = Board.objects.filter(kind=Board.Kind.MONTH, status=Board.Status.CONFIRMED)
    assert dict(monthly.values_list("village").annotate(n=Count("pk"))) == {
        v.pk: 4 for v in villages
    }
    assert sorted(
        m for m in monthly.filter(village=showcase).values_list("month", flat=True) if m
    ) == [
        date(2026, 7, 1),
        date(2026, 8, 1),
        date(2026, 9, 1),
        date(2026, 10, 1),
    ]
    assert Board.objects.filter(
        kind=Board.Kind.CAMPAIGN, village=showcase, status="confirmed"
    ).exists()
    assert not Board.objects.filter(status=Board.Status.DRAFT).exists()
    # Red and black entries; at least one black entry current and one expired (and told)
    entries = Entry.objects.filter(board__village=showcase)
    assert entries.filter(colour="red").exists()
    assert black_list_now(showcase, END)
    expired = Entry.objects.filter(colour="black", expires_on__lt=END)
    assert expired.exists()
    assert not expired.filter(expiry_told_at__isnull=True).exists()
    assert not Entry.objects.filter(colour="black", expires_on__isnull=True).exists()
    # The showcase's lists are public; the other villages keep the private default
    visibility = dict(VillageSettings.objects.values_list("village", "lists_visibility"))
    assert visibility[showcase.pk] == "public"
    assert {visibility[v.pk] for v in villages[1:]} == {"village"}
