"""Reads of dividend rounds: the basis from the ledger, rounds, shares. One query each."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from jifen.dividends.models import DividendRound, DividendShare
from jifen.ledger.models import Account, Entry, Measure
from jifen.places.models import Place


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day``, in the village's (the site's) time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def period_scores(village: Place, period_start: date, period_end: date) -> dict[int, int]:
    """Each household's score posted in the period (local days, both ends included).

    The sum of the household's score entries whose posting time falls in the period: records
    and corrections alike, deductions included. Households with no entry are absent.
    """
    rows = (
        Entry.objects.filter(
            village=village,
            measure=Measure.SCORE,
            account__kind=Account.Kind.HOUSEHOLD,
            posted_at__gte=start_of(period_start),
            posted_at__lt=start_of(period_end + timedelta(days=1)),
        )
        .order_by()
        .values("account__household_id")
        .annotate(total=Sum("amount"))
        .values_list("account__household_id", "total")
    )
    return {household_id: total for household_id, total in rows if household_id is not None}


def rounds_for(village: Place, *, with_drafts: bool) -> QuerySet[DividendRound]:
    """The village's rounds, newest first; only published ones unless ``with_drafts``."""
    rounds = DividendRound.objects.filter(village=village).order_by("-created_at", "-id")
    if not with_drafts:
        rounds = rounds.exclude(status=DividendRound.Status.DRAFT)
    return rounds


def shares_of(dividend_round: DividendRound) -> QuerySet[DividendShare]:
    """Every household's line, by door plate."""
    return DividendShare.objects.filter(dividend_round=dividend_round).order_by(
        "door_plate", "household_id"
    )


def paid_shares(dividend_round: DividendRound) -> QuerySet[DividendShare]:
    """The lines of the households that share in the pool: the cashier's list."""
    return shares_of(dividend_round).filter(qualifies=True)


def share_of(dividend_round: DividendRound, household_id: int | None) -> DividendShare | None:
    if household_id is None:
        return None
    return DividendShare.objects.filter(
        dividend_round=dividend_round, household_id=household_id
    ).first()
