from __future__ import annotations

from django.db.models import QuerySet

from jifen.places.models import Household, Place
from jifen.records.models import Objection, Record, Report
from jifen.rules.models import Item, RulebookVersion


def in_force_items(village: Place) -> QuerySet[Item]:
    return Item.objects.filter(
        version__rulebook__owner=village,
        version__rulebook__is_template=False,
        version__status=RulebookVersion.Status.ADOPTED,
    ).select_related("category")


def review_queue(village: Place) -> QuerySet[Record]:
    return (
        Record.objects.filter(village=village, status=Record.Status.PENDING)
        .select_related("village", "household__head", "item", "recorded_by", "corrects")
        .prefetch_related("photos")
        .order_by("recorded_at", "pk")
    )


def open_objections(village: Place) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(record__village=village, outcome=Objection.Outcome.OPEN)
        .select_related("record__household__head", "record__item", "raised_by")
        .order_by("raised_at")
    )


def waiting_reports(village: Place) -> QuerySet[Report]:
    return (
        Report.objects.filter(village=village, status=Report.Status.WAITING)
        .select_related("household__head", "item", "reported_by")
        .order_by("reported_at")
    )


def household_records(household: Household) -> QuerySet[Record]:
    return (
        Record.objects.filter(household=household)
        .select_related("item", "notice", "recorded_by")
        .prefetch_related("photos")
        .order_by("-recorded_at", "-pk")
    )
