"""Ranks and stars, from the maintained ``Standing`` table and its indexes.

A household's rank is one plus the number of households in its pool with a higher score:
equal scores share a rank (1, 2, 2, 4). Households with nothing posted yet have no standing
row and count as 0 points.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import Rank
from django.utils import timezone

from jifen.ledger.models import Standing
from jifen.places.models import Household, Place
from jifen.rules.models import StarBand, VillageSettings

SCOPES = ("village", "township", "county")


@dataclass(frozen=True)
class Position:
    rank: int
    of: int
    score: int


def _pool(household: Household) -> dict[str, bool]:
    """Filters for the ranking pool of a household, per its village's settings."""
    settings = VillageSettings.objects.filter(village_id=household.village_id).first()
    pool: dict[str, bool] = {}
    standing = Standing.objects.filter(household=household).first()
    if settings and settings.separate_absent_pool:
        # From the registry itself, so a household that comes home changes pool at once.
        pool["household__at_home"] = household.at_home
    if settings and settings.separate_cadre_pool and standing is not None:
        pool["is_cadre"] = standing.is_cadre
    return pool


def position(household: Household, *, scope: str = "village", this_year: bool = False) -> Position:
    """The household's rank in its village, township or county, all time or this year."""
    village = household.village
    place_id = {
        "village": village.pk,
        "township": village.parent_id,
        "county": village.parent.parent_id if village.parent else None,
    }[scope]
    standing = Standing.objects.filter(household=household).first()
    year = timezone.localdate().year
    if this_year:
        score = standing.year_score if standing and standing.year == year else 0
        standings = Standing.objects.filter(**{f"{scope}_id": place_id}, year=year)
        field = "year_score"
    else:
        score = standing.score if standing else 0
        standings = Standing.objects.filter(**{f"{scope}_id": place_id})
        field = "score"
    pool = _pool(household) if scope == "village" else {}
    standings = standings.filter(**pool)
    households = _households_in(scope, place_id, pool)
    higher = standings.filter(**{f"{field}__gt": score}).count()
    counted = standings.count()
    if score < 0:
        higher += households - counted  # those with nothing posted stand at 0, above
    return Position(rank=higher + 1, of=households, score=score)


def _households_in(scope: str, place_id: int | None, pool: dict[str, bool]) -> int:
    households = Household.objects.all()
    if scope == "village":
        households = households.filter(village_id=place_id)
    elif scope == "township":
        households = households.filter(village__parent_id=place_id)
    else:
        households = households.filter(village__parent__parent_id=place_id)
    if "household__at_home" in pool:
        households = households.filter(at_home=pool["household__at_home"])
    return households.count()


@dataclass(frozen=True)
class Ranked:
    rank: int
    household: Household
    score: int


def village_ranking(village: Place, *, this_year: bool = False, limit: int = 20) -> list[Ranked]:
    """The top of the village's ranking, with shared ranks for equal scores (two queries)."""
    field = "year_score" if this_year else "score"
    standings = Standing.objects.filter(village=village)
    if this_year:
        standings = standings.filter(year=timezone.localdate().year)
    rows = list(
        standings.annotate(rank=Window(Rank(), order_by=F(field).desc()))
        .order_by("rank", "household_id")
        .values_list("household_id", field, "rank")[:limit]
    )
    households = Household.objects.select_related("head").in_bulk([row[0] for row in rows])
    return [Ranked(rank=rank, household=households[pk], score=score) for pk, score, rank in rows]


def stars_for(village: Place, score: int) -> int:
    """Stars from the score bands of the rulebook in force (0 below the first band)."""
    band = (
        StarBand.objects.filter(
            version__rulebook__owner=village,
            version__rulebook__is_template=False,
            version__status="adopted",
            min_score__lte=score,
        )
        .order_by("-stars")
        .first()
    )
    return band.stars if band else 0
