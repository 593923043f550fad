"""Reads of rulebooks that are more than a get: one query each, whatever the number of items."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Prefetch, QuerySet

from jifen.places.models import Place
from jifen.rules.models import Category, Item, RulebookVersion, StarBand, VillageSettings

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ItemCount(TypedDict):
    item_count: int


def village_versions(village: Place) -> QuerySet[RulebookVersion]:
    return RulebookVersion.objects.filter(rulebook__owner=village, rulebook__is_template=False)


def in_force_version(village: Place) -> RulebookVersion | None:
    """The version the village scores under now, or None before its first adoption."""
    return (
        village_versions(village)
        .filter(status=RulebookVersion.Status.ADOPTED)
        .select_related("rulebook")
        .first()
    )


def draft_version(village: Place) -> RulebookVersion | None:
    """The village's draft (there is at most one), or None."""
    return (
        village_versions(village)
        .filter(status=RulebookVersion.Status.DRAFT)
        .select_related("rulebook", "based_on__rulebook")
        .first()
    )


def rulebook_versions(
    village: Place,
) -> QuerySet[WithAnnotations[RulebookVersion, ItemCount]]:
    """Every version of the village's rulebook, newest first, with its number of items."""
    return (
        village_versions(village)
        .select_related("adopted_by")
        .annotate(item_count=Count("items"))
        .order_by("-number")
    )


def stars_for(version: RulebookVersion, score: int) -> int:
    """The stars a household with this all-time score holds under ``version``; 0 below band 1."""
    stars = (
        StarBand.objects.filter(version=version, min_score__lte=score)
        .order_by("-stars")
        .values_list("stars", flat=True)
        .first()
    )
    return stars or 0


def categories_with_items(version: RulebookVersion) -> list[Category]:
    """The categories of a version in order, each with its items in order (two queries)."""
    # Item's default ordering joins its category; within one category it is not needed.
    items = Item.objects.order_by("position", "id")
    return list(
        Category.objects.filter(version=version)
        .order_by("position", "id")
        .prefetch_related(Prefetch("items", queryset=items))
    )


def star_bands(version: RulebookVersion) -> list[StarBand]:
    return list(StarBand.objects.filter(version=version).order_by("stars"))


def _ancestor_paths(place: Place) -> list[str]:
    """The paths of the places above ``place``: "/c/t/v/" gives "/c/" and "/c/t/"."""
    codes = place.path.strip("/").split("/")
    return ["/" + "/".join(codes[:n]) + "/" for n in range(1, len(codes))]


def templates_for(village: Place) -> QuerySet[WithAnnotations[RulebookVersion, ItemCount]]:
    """The templates in force that the village's county or township publishes."""
    return (
        RulebookVersion.objects.filter(
            rulebook__is_template=True,
            rulebook__owner__path__in=_ancestor_paths(village),
            status=RulebookVersion.Status.ADOPTED,
        )
        .select_related("rulebook__owner")
        .annotate(item_count=Count("items"))
        .order_by("rulebook__owner__path", "rulebook__title")
    )


def published_templates(
    place: Place,
) -> QuerySet[WithAnnotations[RulebookVersion, ItemCount]]:
    """Every version of every template a county or township has published, newest first."""
    return (
        RulebookVersion.objects.filter(rulebook__is_template=True, rulebook__owner=place)
        .select_related("rulebook")
        .annotate(item_count=Count("items"))
        .order_by("rulebook__title", "-number")
    )


def village_settings(village: Place) -> VillageSettings:
    """The village's settings, or the defaults (unsaved) if it never changed them."""
    return VillageSettings.objects.filter(village=village).first() or VillageSettings(
        village=village
    )
