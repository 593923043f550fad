"""The disclosure's schedule: periods opened by the job or at once for a major item, and
the village and township told about overdue periods (drafting and sign-off: ``drafting``).

Each write runs in its own transaction with its audit event. What must hold whatever the code
does is the database's: one draft per period and one row per version (so a second "start" finds
the first), published ⇒ signed off, signed off by someone other than the drafter, and triggers
that freeze a published publication and its items (migration 0002). The checks here are there
to say so kindly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, Role, RoleGrant, User
from jifen.audit.services import record_event
from jifen.core.idempotency import claim, fingerprint, remember
from jifen.disclosure import permissions
from jifen.disclosure.lines import required_text as _text
from jifen.disclosure.models import Cadence, Kind, OverdueNotice, Period, Schedule
from jifen.disclosure.periods import DEFAULT_SCHEDULE, bounds, due_date, previous_start
from jifen.notify.models import Notification
from jifen.notify.services import notify
from jifen.places.models import Place

# A major item is published "at once": within this many days.
MAX_AD_HOC_DAYS = 7


# The schedule and its periods ---------------------------------------------------------------


def schedule_of(village: Place) -> dict[str, tuple[str, int]]:
    """Cadence and due day per kind: the village's own, or the default."""
    chosen = dict(DEFAULT_SCHEDULE)
    for schedule in Schedule.objects.filter(village=village):
        chosen[schedule.kind] = (schedule.cadence, schedule.due_day)
    return chosen


def set_schedule(
    *,
    actor: Actor,
    village: Place,
    kind: str,
    cadence: str,
    due_day: int,
    now: datetime | None = None,
) -> Schedule:
    """Periods already opened keep their dates; the next ones follow the new schedule."""
    if not permissions.is_cadre(actor, village):
        raise PermissionDenied(_("Only the village's cadres set the disclosure schedule."))
    if kind not in Kind.values or cadence not in Cadence.values:
        raise ValidationError(_("Choose a kind and how often it is published."))
    if not 1 <= due_day <= 28:
        raise ValidationError(_("The due day is a day from 1 to 28."))
    if kind == Kind.FINANCE and cadence == Cadence.YEARLY:
        raise ValidationError(_("Finances are published at least every quarter."))
    with transaction.atomic():
        before = schedule_of(village)[kind]
        schedule, _created = Schedule.objects.update_or_create(
            village=village,
            kind=kind,
            defaults={
                "cadence": cadence,
                "due_day": due_day,
                "updated_at": now or timezone.now(),
                "updated_by": actor.user,
            },
        )
        record_event(
            actor=actor,
            action="disclosure.schedule_set",
            obj=schedule,
            village=village,
            before={"cadence": before[0], "due_day": before[1]},
            after={"cadence": cadence, "due_day": due_day},
        )
        return schedule


def _period(
    village: Place, kind: str, day: date, cadence: str, due_day: int, now: datetime
) -> Period:
    starts_on, ends_on = bounds(cadence, day)
    return Period(
        village=village,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        due_on=due_date(ends_on, due_day),
        opened_at=now,
    )


def open_period(*, village: Place, kind: str, day: date, now: datetime | None = None) -> Period:
    """The village's regular period of ``kind`` that holds ``day``, opened if need be."""
    cadence, due_day = schedule_of(village)[kind]
    wanted = _period(village, kind, day, cadence, due_day, now or timezone.now())
    period, _created = Period.objects.get_or_create(
        village=village,
        kind=kind,
        starts_on=wanted.starts_on,
        is_ad_hoc=False,
        defaults={
            "ends_on": wanted.ends_on,
            "due_on": wanted.due_on,
            "opened_at": wanted.opened_at,
        },
    )
    return period


def open_periods(*, today: date | None = None) -> int:
    """A job: open, in every village, the period of each kind that holds ``today`` and the one
    before it (so that a missed day or a new village loses nothing). Returns how many were
    opened; running it again opens none (the unique constraint on the start)."""
    today = today or timezone.localdate()
    now = timezone.now()
    villages = list(Place.objects.filter(kind=Place.Kind.VILLAGE).order_by("pk"))
    chosen: dict[tuple[int, str], tuple[str, int]] = {}
    for schedule in Schedule.objects.all():
        chosen[(schedule.village_id, schedule.kind)] = (schedule.cadence, schedule.due_day)
    wanted: list[Period] = []
    for village in villages:
        for kind in Kind.values:
            cadence, due_day = chosen.get((village.pk, kind), DEFAULT_SCHEDULE[kind])
            current = _period(village, kind, today, cadence, due_day, now)
            earlier = previous_start(cadence, current.starts_on)
            wanted += [current, _period(village, kind, earlier, cadence, due_day, now)]
    starts = {period.starts_on for period in wanted}
    existing = set(
        Period.objects.filter(is_ad_hoc=False, starts_on__in=starts).values_list(
            "village_id", "kind", "starts_on"
        )
    )
    missing = [p for p in wanted if (p.village_id, p.kind, p.starts_on) not in existing]
    Period.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def open_ad_hoc_period(
    *,
    actor: Actor,
    village: Place,
    kind: str,
    title: str,
    due_in_days: int,
    idempotency_key: str,
    now: datetime | None = None,
) -> Period:
    """A major item published at once, outside the schedule: due within a few days."""
    if not permissions.is_cadre(actor, village):
        raise PermissionDenied(_("Only the village's cadres open a period."))
    if kind not in Kind.values:
        raise ValidationError(_("Choose what kind of affairs it is."))
    title = _text(title, limit=80, missing=_("Say what the major item is."))
    if not 0 <= due_in_days <= MAX_AD_HOC_DAYS:
        raise ValidationError(_("A major item is published within 7 days."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    request = {"op": "open_ad_hoc", "village": village.pk, "kind": kind, "title": title}
    with transaction.atomic():
        earlier = claim(
            user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
        )
        if earlier is not None:
            return Period.objects.get(pk=earlier.result["period"])
        period = Period.objects.create(
            village=village,
            kind=kind,
            starts_on=today,
            ends_on=today,
            due_on=today + timedelta(days=due_in_days),
            is_ad_hoc=True,
            title=title,
            opened_at=now,
        )
        record_event(
            actor=actor,
            action="disclosure.ad_hoc_opened",
            obj=period,
            village=village,
            after={"kind": kind, "title": title, "due_on": period.due_on.isoformat()},
        )
        remember(user=actor.user, key=idempotency_key, result={"period": period.pk})
        return period


# Overdue ------------------------------------------------------------------------------------


def notify_overdue(*, now: datetime | None = None) -> int:
    """A job: tell the village's cadres and the township's officers, once per period, that a
    period is past its due date without a published version. Returns how many were told of."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue = list(
        Period.objects.filter(due_on__lt=today, overdue_notice__isnull=True)
        .exclude(publications__published_at__isnull=False)
        .select_related("village__parent")
        .order_by("village_id", "due_on", "pk")
    )
    if not overdue:
        return 0
    places = {period.village_id for period in overdue} | {
        period.village.parent_id for period in overdue if period.village.parent_id
    }
    grants = RoleGrant.objects.filter(
        place_id__in=places,
        revoked_at__isnull=True,
        role__in=[*VILLAGE_CADRE_ROLES, Role.TOWNSHIP_OFFICER, Role.TOWNSHIP_ADMIN],
        user__is_active=True,
    ).select_related("user")
    people: dict[int, list[User]] = {}
    for grant in grants:
        people.setdefault(grant.place_id, []).append(grant.user)
    told = 0
    for period in overdue:
        with transaction.atomic():
            _notice, created = OverdueNotice.objects.get_or_create(
                period=period, defaults={"sent_at": now}
            )
            if not created:
                continue
            village = period.village
            text = _("%(village)s: the %(kind)s disclosure for %(period)s was due on %(due)s.") % {
                "village": village.name,
                "kind": period.get_kind_display(),
                "period": str(period),
                "due": period.due_on.isoformat(),
            }
            users = people.get(village.pk, []) + people.get(village.parent_id or 0, [])
            notify(
                users=users,
                kind=Notification.Kind.RESULT,
                text=text,
                url=reverse("disclosure_village", args=[village.code]),
                sms=False,
                now=now,
            )
            record_event(
                actor=None,
                action="disclosure.overdue_notified",
                obj=period,
                village=village,
                after={"due_on": period.due_on.isoformat(), "told": len({u.pk for u in users})},
            )
            told += 1
    return told
