"""Dividend rounds: drawing one up, computing its shares, public notice, and the final list.

A round is created as a draft with its shares computed from the ledger at once; while it is a
draft it may be computed again or discarded. Publishing puts it on public notice with its
figures frozen; a round on notice may be withdrawn to a draft (with a reason) or, once the
notice has closed, made final. Every write to one round locks its row first.

Every function takes ``now`` for tests and the demo; it defaults to the present.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.audit.services import record_event, snapshot
from jifen.core.idempotency import claim, fingerprint, remember
from jifen.dividends import permissions, selectors
from jifen.dividends.allocation import largest_remainder
from jifen.dividends.models import DividendRound, DividendShare
from jifen.dividends.payouts import payout_workbook
from jifen.places.models import Household, Place
from jifen.rules.selectors import village_settings

ROUND_FIELDS = [
    "title",
    "pool_fen",
    "decision",
    "decided_on",
    "period_start",
    "period_end",
    "min_score",
    "status",
    "total_points",
    "notice_opens_at",
    "notice_closes_at",
]
# 1 billion yuan: far above any village's pool, far below what a 64-bit sum of fen can hold.
MAX_POOL_FEN = 100_000_000_000
MAX_MIN_SCORE = 1_000_000


# Locks and checks ----------------------------------------------------------------------------


def _lock_round(round_id: int) -> DividendRound:
    """Lock one round; every change to it or its shares takes this lock first.

    A no-op on SQLite, where the transaction is IMMEDIATE and so already holds the write lock.
    """
    return (
        DividendRound.objects.select_for_update(of=("self",))
        .select_related("village")
        .get(pk=round_id)
    )


def _locked_in(dividend_round: DividendRound, status: str) -> DividendRound:
    """The round, read again under its lock, if it is still in ``status``."""
    current = _lock_round(dividend_round.pk)
    if current.status == status:
        return current
    if status == DividendRound.Status.DRAFT:
        raise ValidationError(_("Only a draft round can be changed, published or discarded."))
    raise ValidationError(_("Only a round on public notice can be withdrawn or finalised."))


def _check_may_manage(actor: Actor | None, village: Place) -> None:
    if actor is not None and not permissions.can_manage_dividends(actor, village):
        raise PermissionDenied(_("You may not run dividend rounds in this village."))


def _clean_terms(
    *,
    title: str,
    pool_fen: int,
    decision: str,
    decided_on: date,
    period_start: date,
    period_end: date,
    min_score: int,
    today: date,
) -> dict[str, Any]:
    """The normalised terms of a round, or a ValidationError naming the first problem."""
    title = " ".join(title.split())
    decision = " ".join(decision.split())
    if not title or len(title) > 80:
        raise ValidationError(_("Give the round a title of at most 80 characters."))
    if not 0 < pool_fen <= MAX_POOL_FEN:
        raise ValidationError(_("The pool must be more than 0 and at most 1,000,000,000 yuan."))
    if not decision or len(decision) > 200:
        raise ValidationError(
            _(
                "Name the meeting that decided the pool, its date and what it decided "
                "(200 characters)."
            )
        )
    if decided_on > today:
        raise ValidationError(_("The date of the decision cannot be in the future."))
    if period_start > period_end:
        raise ValidationError(_("The period must start on or before its last day."))
    if period_end >= today:
        raise ValidationError(
            _(
                "The period must be over: its last day must be before today, so that its "
                "points are final."
            )
        )
    if not 0 <= min_score <= MAX_MIN_SCORE:
        raise ValidationError(_("The minimum score must be between 0 and 1,000,000."))
    return {
        "title": title,
        "pool_fen": pool_fen,
        "decision": decision,
        "decided_on": decided_on,
        "period_start": period_start,
        "period_end": period_end,
        "min_score": min_score,
    }


# Computing shares ----------------------------------------------------------------------------


def _compute_shares(dividend_round: DividendRound, now: datetime) -> list[DividendShare]:
    """Every household of the village with its basis and payout (unsaved); sets the total.

    A household qualifies with a positive score in the period of at least the minimum score.
    The pool is shared among the qualifying households by the largest-remainder method.
    """
    village = dividend_round.village
    scores = selectors.period_scores(
        village, dividend_round.period_start, dividend_round.period_end
    )
    households = list(
        Household.objects.filter(village=village).select_related("head").order_by("pk")
    )
    threshold = max(dividend_round.min_score, 1)
    qualifying = {h.pk: scores.get(h.pk, 0) for h in households if scores.get(h.pk, 0) >= threshold}
    payouts = largest_remainder(dividend_round.pool_fen, qualifying)
    dividend_round.total_points = sum(qualifying.values())
    dividend_round.computed_at = now
    return [
        DividendShare(
            dividend_round=dividend_round,
            household=household,
            door_plate=household.door_plate,
            head_name=household.head.name if household.head else "",
            points=scores.get(household.pk, 0),
            qualifies=household.pk in qualifying,
            payout_fen=payouts.get(household.pk, 0),
        )
        for household in households
    ]


def _save_shares(dividend_round: DividendRound, now: datetime) -> None:
    shares = _compute_shares(dividend_round, now)
    DividendShare.objects.filter(dividend_round=dividend_round).delete()
    DividendShare.objects.bulk_create(shares, batch_size=500)
    dividend_round.save(update_fields=["total_points", "computed_at"])


def _totals(dividend_round: DividendRound) -> dict[str, Any]:
    """What the audit trail keeps of a round's computed figures."""
    paid = list(selectors.paid_shares(dividend_round).values_list("payout_fen", flat=True))
    return {
        "total_points": dividend_round.total_points,
        "households_sharing": len(paid),
        "paid_fen": sum(paid),
    }


# The round's life ----------------------------------------------------------------------------


def create_round(
    *,
    actor: Actor | None,
    village: Place,
    title: str,
    pool_fen: int,
    decision: str,
    decided_on: date,
    period_start: date,
    period_end: date,
    min_score: int = 0,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> DividendRound:
    """Draw up a round as a draft and compute its shares from the ledger.

    With ``idempotency_key`` (a form's key), a resent form returns the round it made the first
    time instead of a second one.
    """
    if not village.is_village:
        raise ValidationError(_("Only a village shares dividends."))
    _check_may_manage(actor, village)
    now = now or timezone.now()
    terms = _clean_terms(
        title=title,
        pool_fen=pool_fen,
        decision=decision,
        decided_on=decided_on,
        period_start=period_start,
        period_end=period_end,
        min_score=min_score,
        today=timezone.localdate(now),
    )
    with transaction.atomic():
        if idempotency_key is not None and actor is not None:
            request = fingerprint(op="dividend.create", village=village.pk, **terms)
            earlier = claim(user=actor.user, key=idempotency_key, request_fingerprint=request)
            if earlier is not None:
                return DividendRound.objects.get(pk=earlier.result["round"])
        dividend_round = DividendRound(
            village=village,
            created_by=actor.user if actor else None,
            created_at=now,
            computed_at=now,
            **terms,
        )
        dividend_round.save()
        _save_shares(dividend_round, now)
        record_event(
            actor=actor,
            action="dividend.create",
            obj=dividend_round,
            village=village,
            after=snapshot(dividend_round, ROUND_FIELDS) | _totals(dividend_round),
        )
        if idempotency_key is not None and actor is not None:
            remember(user=actor.user, key=idempotency_key, result={"round": dividend_round.pk})
    return dividend_round


def recompute_round(
    *, actor: Actor | None, dividend_round: DividendRound, now: datetime | None = None
) -> DividendRound:
    """Compute a draft's shares again: from the ledger and the registry as they are now."""
    _check_may_manage(actor, dividend_round.village)
    now = now or timezone.now()
    with transaction.atomic():
        dividend_round = _locked_in(dividend_round, DividendRound.Status.DRAFT)
        before = _totals(dividend_round)
        _save_shares(dividend_round, now)
        record_event(
            actor=actor,
            action="dividend.recompute",
            obj=dividend_round,
            village=dividend_round.village,
            before=before,
            after=_totals(dividend_round),
        )
    return dividend_round


def publish_notice(
    *, actor: Actor | None, dividend_round: DividendRound, now: datetime | None = None
) -> DividendRound:
    """Put a draft on public notice for the village's notice window; its figures are frozen."""
    _check_may_manage(actor, dividend_round.village)
    now = now or timezone.now()
    with transaction.atomic():
        dividend_round = _locked_in(dividend_round, DividendRound.Status.DRAFT)
        if dividend_round.total_points <= 0:
            raise ValidationError(
                _(
                    "No household has qualifying points in this period, so there is nothing to "
                    "share by. Check the period and the minimum score, then compute again."
                )
            )
        before = snapshot(dividend_round, ROUND_FIELDS)
        days = village_settings(dividend_round.village).notice_days
        dividend_round.status = DividendRound.Status.ON_NOTICE
        dividend_round.notice_opens_at = now
        dividend_round.notice_closes_at = now + timedelta(days=days)
        dividend_round.save(update_fields=["status", "notice_opens_at", "notice_closes_at"])
        shares = selectors.paid_shares(dividend_round).values_list(
            "household_id", "points", "payout_fen"
        )
        record_event(
            actor=actor,
            action="dividend.publish",
            obj=dividend_round,
            village=dividend_round.village,
            before=before,
            # The published list itself, so that the trail shows what the village was shown.
            after=snapshot(dividend_round, ROUND_FIELDS)
            | _totals(dividend_round)
            | {"shares": [list(share) for share in shares]},
        )
    return dividend_round


def withdraw_notice(
    *,
    actor: Actor | None,
    dividend_round: DividendRound,
    reason: str,
    now: datetime | None = None,
) -> DividendRound:
    """Take a round off public notice, back to a draft, e.g. when an objection was upheld."""
    _check_may_manage(actor, dividend_round.village)
    reason = " ".join(reason.split())
    if not reason or len(reason) > 200:
        raise ValidationError(_("Give the reason for withdrawing the notice (200 characters)."))
    now = now or timezone.now()
    with transaction.atomic():
        dividend_round = _locked_in(dividend_round, DividendRound.Status.ON_NOTICE)
        before = snapshot(dividend_round, ROUND_FIELDS)
        dividend_round.status = DividendRound.Status.DRAFT
        dividend_round.notice_opens_at = None
        dividend_round.notice_closes_at = None
        dividend_round.save(update_fields=["status", "notice_opens_at", "notice_closes_at"])
        record_event(
            actor=actor,
            action="dividend.withdraw",
            obj=dividend_round,
            village=dividend_round.village,
            before=before,
            after=snapshot(dividend_round, ROUND_FIELDS)
            | {"reason": reason, "at": now.isoformat()},
        )
    return dividend_round


def finalise_round(
    *, actor: Actor | None, dividend_round: DividendRound, now: datetime | None = None
) -> DividendRound:
    """Make a round final once its public notice has closed: the cashier pays from it."""
    _check_may_manage(actor, dividend_round.village)
    now = now or timezone.now()
    with transaction.atomic():
        dividend_round = _locked_in(dividend_round, DividendRound.Status.ON_NOTICE)
        closes_at = dividend_round.notice_closes_at
        assert closes_at is not None  # the database guarantees it for a round on notice
        if now < closes_at:
            closes = formats.date_format(timezone.localtime(closes_at), "Y-m-d H:i")
            raise ValidationError(
                _("The public notice runs until %(closes)s; finalise the round after that.")
                % {"closes": closes}
            )
        before = snapshot(dividend_round, ROUND_FIELDS)
        dividend_round.status = DividendRound.Status.FINAL
        dividend_round.finalised_by = actor.user if actor else None
        dividend_round.finalised_at = now
        dividend_round.save(update_fields=["status", "finalised_by", "finalised_at"])
        record_event(
            actor=actor,
            action="dividend.finalise",
            obj=dividend_round,
            village=dividend_round.village,
            before=before,
            after=snapshot(dividend_round, ROUND_FIELDS) | _totals(dividend_round),
        )
    return dividend_round


def discard_round(*, actor: Actor | None, dividend_round: DividendRound) -> None:
    """Delete a draft and its shares. A round that was ever published keeps its trail."""
    _check_may_manage(actor, dividend_round.village)
    with transaction.atomic():
        dividend_round = _locked_in(dividend_round, DividendRound.Status.DRAFT)
        record_event(
            actor=actor,
            action="dividend.discard",
            obj=dividend_round,
            village=dividend_round.village,
            before=snapshot(dividend_round, ROUND_FIELDS) | _totals(dividend_round),
        )
        # Its shares go with it (CASCADE).
        dividend_round.delete()


def export_payouts(*, actor: Actor | None, dividend_round: DividendRound) -> bytes:
    """The cashier's .xlsx payout list of a final round. Names and money leave the system, so
    the export is recorded like a change."""
    village = dividend_round.village
    if actor is not None and not permissions.can_download_payouts(actor, village):
        raise PermissionDenied(_("You may not download the payout list."))
    if dividend_round.status != DividendRound.Status.FINAL:
        raise ValidationError(_("The payout list is ready once the round is final."))
    with transaction.atomic():
        shares = list(selectors.paid_shares(dividend_round))
        record_event(
            actor=actor,
            action="dividend.export",
            obj=dividend_round,
            village=village,
            after={"households": len(shares)},
        )
    return payout_workbook(dividend_round, shares)


# For the demo --------------------------------------------------------------------------------


def build_final_round(
    *,
    village: Place,
    title: str,
    pool_fen: int,
    decision: str,
    decided_on: date,
    period_start: date,
    period_end: date,
    now: datetime,
    min_score: int = 0,
) -> DividendRound:
    """A complete final round, made by the system through every step of the state machine:
    created and published at ``now``, finalised the moment its notice closes (``now`` plus the
    village's notice days, so pick ``now`` at least that long before the present)."""
    dividend_round = create_round(
        actor=None,
        village=village,
        title=title,
        pool_fen=pool_fen,
        decision=decision,
        decided_on=decided_on,
        period_start=period_start,
        period_end=period_end,
        min_score=min_score,
        now=now,
    )
    dividend_round = publish_notice(actor=None, dividend_round=dividend_round, now=now)
    assert dividend_round.notice_closes_at is not None
    return finalise_round(
        actor=None, dividend_round=dividend_round, now=dividend_round.notice_closes_at
    )
