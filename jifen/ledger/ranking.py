"""Ranks and stars, from the maintained standings and score counts.

A household's rank is one plus the number of households in its pool with a higher score:
equal scores share a rank (1, 2, 2, 4). Households with nothing posted yet have no standing
row and count as 0 points.

In a village the standings are counted directly (a few hundred rows, and the pools of
absent and cadre households need them). In a township or county, ``ScoreCount`` holds how many
households stand at each score, so a rank sums a few thousand counts instead of counting a
hundred thousand standings. The counts change in the posting transaction
(``add_to_score_counts``), and a household is counted at 0 from its registration
(``register_households``); ``rebuild_score_counts`` recomputes them after a bulk load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from jifen.ledger.models import ScoreCount, Standing
from jifen.places.models import Household, Place
from jifen.rules.models import StarBand

SCOPES = ("village", "township", "county")

# (place id, year or ScoreCount.ALL_TIME, score)
ScoreKey = tuple[int, int, int]


@dataclass(frozen=True)
class Position:
    rank: int
    of: int
    score: int


def position(household: Household, *, scope: str = "village", this_year: bool = False) -> Position:
    """The household's rank in its village, township or county, all time or this year.

    One query in a township or county; two in a village (the household's standing and its
    village's settings, then one aggregate).
    """
    if scope not in SCOPES:
        raise ValueError(f"Unknown ranking scope: {scope}")
    year = timezone.localdate().year
    if scope != "village":
        return _counted_position(household, scope=scope, year=year if this_year else None)
    facts = _facts_of(household)
    if this_year:
        score = facts["standing__year_score"] if facts["standing__year"] == year else 0
    else:
        score = facts["standing__score"] if facts["standing__score"] is not None else 0
    return _village_position(facts, score=score, year=year if this_year else None)


def position_in_village(household: Household) -> Position:
    """``position(household)`` for a household just read with
    ``select_related("standing", "village__points_settings")``: one query, not two."""
    try:
        standing: Standing | None = household.standing
    except Standing.DoesNotExist:
        standing = None
    try:
        settings = household.village.points_settings
    except ObjectDoesNotExist:
        settings = None
    facts = {
        "village_id": household.village_id,
        "at_home": household.at_home,
        "standing__score": standing.score if standing else None,
        "standing__is_cadre": standing.is_cadre if standing else None,
        "village__points_settings__separate_absent_pool": settings
        and settings.separate_absent_pool,
        "village__points_settings__separate_cadre_pool": settings and settings.separate_cadre_pool,
    }
    return _village_position(facts, score=standing.score if standing else 0, year=None)


def _facts_of(household: Household) -> Mapping[str, Any]:
    """The household's standing and its village's ranking settings, read fresh: one query."""
    return (
        Household.objects.filter(pk=household.pk)
        .values(
            "village_id",
            "at_home",
            "standing__score",
            "standing__year",
            "standing__year_score",
            "standing__is_cadre",
            "village__points_settings__separate_absent_pool",
            "village__points_settings__separate_cadre_pool",
        )
        .get()
    )


def _village_position(facts: Mapping[str, Any], *, score: int, year: int | None) -> Position:
    """Counted over the village's households and their standings, in the household's pool."""
    households = Household.objects.filter(village_id=facts["village_id"])
    if facts["village__points_settings__separate_absent_pool"]:
        # From the registry itself, so a household that comes home changes pool at once.
        households = households.filter(at_home=facts["at_home"])
    in_pool = Q(standing__isnull=False)
    if year is not None:
        in_pool &= Q(standing__year=year)
    has_standing = facts["standing__score"] is not None
    if facts["village__points_settings__separate_cadre_pool"] and has_standing:
        in_pool &= Q(standing__is_cadre=facts["standing__is_cadre"])
    field = "standing__score" if year is None else "standing__year_score"
    counts = households.aggregate(
        households=Count("pk"),
        counted=Count("pk", filter=in_pool),
        higher=Count("pk", filter=in_pool & Q(**{f"{field}__gt": score})),
    )
    higher = counts["higher"]
    if score < 0:
        higher += counts["households"] - counts["counted"]  # nothing posted stands at 0, above
    return Position(rank=higher + 1, of=counts["households"], score=score)


# The household's score (0 without a standing, or this year without a posting this year) and
# the sums over its township's or county's counts, in one statement, written out: under load,
# the ORM took longer to build two queries than the database took to run them.
COUNTED_RANK = """
WITH me AS (
    SELECT {place} AS place_id, COALESCE({score}, 0) AS score
    FROM {household} h
    JOIN {place_table} village ON village.id = h.village_id
    LEFT JOIN {place_table} township ON township.id = village.parent_id
    LEFT JOIN {standing} s ON s.household_id = h.id
    WHERE h.id = %s
)
SELECT
    me.score,
    COALESCE(SUM(c.households) FILTER (WHERE c.year = %s), 0),
    COALESCE(SUM(c.households) FILTER (WHERE c.year = %s), 0),
    COALESCE(SUM(c.households) FILTER (WHERE c.year = %s AND c.score > me.score), 0)
FROM me
LEFT JOIN {score_count} c ON c.place_id = me.place_id AND c.year IN (%s, %s)
GROUP BY me.score
"""


def _counted_position(household: Household, *, scope: str, year: int | None) -> Position:
    """Summed from the township's or county's score counts: one query."""
    all_time, counted_year = ScoreCount.ALL_TIME, ScoreCount.ALL_TIME if year is None else year
    sql = COUNTED_RANK.format(
        place="village.parent_id" if scope == "township" else "township.parent_id",
        score="s.score" if year is None else "CASE WHEN s.year = %s THEN s.year_score END",
        household=Household._meta.db_table,
        place_table=Place._meta.db_table,
        standing=Standing._meta.db_table,
        score_count=ScoreCount._meta.db_table,
    )
    params = [] if year is None else [year]
    params += [household.pk, all_time, counted_year, counted_year, all_time, counted_year]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Household.DoesNotExist(f"No household {household.pk}")
    score, households, counted, higher = (int(value) for value in row)
    if score < 0:
        # Those not in this year's counts stand at 0 this year, above.
        higher += households - counted
    return Position(rank=higher + 1, of=households, score=score)


def add_to_score_counts(changes: Mapping[ScoreKey, int]) -> None:
    """Add each change to the count of households at (place, year, score), in one statement.

    An upsert that increments, so that concurrent postings of one county add up; the keys go
    in sorted order, so that two villages posting at once lock the shared rows in the same
    order and cannot deadlock. Call it inside the transaction that changed the standings.
    """
    rows = sorted((key, change) for key, change in changes.items() if change)
    if not rows:
        return
    table = connection.ops.quote_name(ScoreCount._meta.db_table)
    # 4 parameters a row: well under SQLite's limit of 32766 variables per statement.
    batch = 2000
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            upsert = (
                f"INSERT INTO {table} (place_id, year, score, households) VALUES {values} "  # noqa: S608 - our own table
                "ON CONFLICT (place_id, year, score) DO UPDATE "
                f"SET households = {table}.households + excluded.households"
            )
            cursor.execute(
                upsert,
                [
                    value
                    for (place_id, year, score), change in chunk
                    for value in (place_id, year, score, change)
                ],
            )


def register_households(households: Iterable[Household]) -> None:
    """Count new households at 0 in their township's and county's all-time counts.

    Call it in the transaction that creates them: every household created must be registered
    exactly once, or the township's and county's ranks count it wrong.
    """
    per_village = Counter(household.village_id for household in households)
    if not per_village:
        return
    changes: Counter[ScoreKey] = Counter()
    places = Place.objects.filter(pk__in=per_village).values_list(
        "pk", "parent_id", "parent__parent_id"
    )
    for village_id, township_id, county_id in places:
        for place_id in (township_id, county_id):
            if place_id is not None:
                changes[(place_id, ScoreCount.ALL_TIME, 0)] += per_village[village_id]
    add_to_score_counts(changes)


def counted_scores(place_ids: Iterable[int] | None = None) -> dict[ScoreKey, int]:
    """The score counts as the standings and the registry give them (for townships and
    counties, or the given places among them); no zero counts."""
    ids = None if place_ids is None else set(place_ids)
    counts: Counter[ScoreKey] = Counter()
    for level, above in (("township", "village__parent"), ("county", "village__parent__parent")):
        unposted = Household.objects.filter(standing__isnull=True)
        standings = Standing.objects.all()
        if ids is not None:
            unposted = unposted.filter(**{f"{above}__in": ids})
            standings = standings.filter(**{f"{level}__in": ids})
        for place_id, households in unposted.values_list(above).annotate(n=Count("pk")).order_by():
            if place_id is not None:
                counts[(place_id, ScoreCount.ALL_TIME, 0)] += households
        for place_id, score, households in (
            standings.values_list(level, "score").annotate(n=Count("pk")).order_by()
        ):
            counts[(place_id, ScoreCount.ALL_TIME, score)] += households
        for place_id, year, score, households in (
            standings.values_list(level, "year", "year_score").annotate(n=Count("pk")).order_by()
        ):
            counts[(place_id, year, score)] += households
    return dict(counts)


def rebuild_score_counts(place_ids: Iterable[int] | None = None) -> int:
    """Replace the score counts of all townships and counties (or of the given ones) with
    those the standings and the registry give; returns the number of rows written.

    For a bulk load that wrote households or standings without the services, and for a check.
    Run it when nothing is posting in those places. A past year's counts then hold only the
    households whose standing is still in that year; no rank reads a past year.
    """
    ids = None if place_ids is None else sorted(set(place_ids))
    with transaction.atomic():
        stale = ScoreCount.objects.all()
        if ids is not None:
            stale = stale.filter(place_id__in=ids)
        stale.delete()
        rows = ScoreCount.objects.bulk_create(
            [
                ScoreCount(place_id=place_id, year=year, score=score, households=households)
                for (place_id, year, score), households in sorted(counted_scores(ids).items())
            ],
            batch_size=1000,
        )
    return len(rows)


@dataclass(frozen=True)
class Ranked:
    rank: int
    household: Household
    score: int


def village_ranking(village: Place, *, this_year: bool = False, limit: int = 20) -> list[Ranked]:
    """The top of the village's ranking, with shared ranks for equal scores (one query).

    Every household above a row of the top is in the top too, so the top's ranks follow from
    its own rows: the query reads ``limit`` rows down the (village, -score) index, however
    large the village.
    """
    field = "year_score" if this_year else "score"
    standings = Standing.objects.filter(village=village)
    if this_year:
        standings = standings.filter(year=timezone.localdate().year)
    top = standings.select_related("household__head").order_by(f"-{field}", "household_id")
    ranked: list[Ranked] = []
    for nth, standing in enumerate(top[:limit], start=1):
        score = getattr(standing, field)
        rank = ranked[-1].rank if ranked and ranked[-1].score == score else nth
        ranked.append(Ranked(rank=rank, household=standing.household, score=score))
    return ranked


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
