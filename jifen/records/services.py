"""Recording deeds, reviewing them, public notice and objections, reports and corrections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.audit.services import record_event
from jifen.core.errors import message_of
from jifen.core.idempotency import claim, fingerprint, remember
from jifen.places.models import Grid, Household, Place, Resident
from jifen.records import permissions
from jifen.records.models import InspectionRound, Notice, Objection, Record, RecordPhoto, Report
from jifen.records.photos import MAX_PHOTOS, prepare_photo
from jifen.rules.models import Item, RulebookVersion, VillageSettings

RECORD_FIELDS = [
    "household_id",
    "item_id",
    "quantity",
    "points",
    "status",
    "route",
    "notice_id",
    "review_reason",
]
LIVE_STATUSES = [
    Record.Status.PENDING,
    Record.Status.ON_NOTICE,
    Record.Status.OBJECTED,
    Record.Status.POSTED,
]


def _values(record: Record) -> dict[str, Any]:
    return {name: getattr(record, name) for name in RECORD_FIELDS}


def is_in_force(item: Item, village: Place) -> bool:
    """Whether the item belongs to the version of the village's rulebook in force."""
    return RulebookVersion.objects.filter(
        pk=item.version_id,
        rulebook__owner=village,
        rulebook__is_template=False,
        status=RulebookVersion.Status.ADOPTED,
    ).exists()


def period_bounds(day: date, period: str) -> tuple[date, date]:
    """The first and last day of the month, quarter or year that holds ``day``."""
    if period == Item.Period.MONTH:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
    elif period == Item.Period.QUARTER:
        first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        following = (first + timedelta(days=95)).replace(day=1)
    else:
        first = day.replace(month=1, day=1)
        following = first.replace(year=first.year + 1)
    return first, following - timedelta(days=1)


def lock_household(household: Household) -> None:
    """Serialise writes that read a household's records before adding one (caps per period).

    A no-op on SQLite, whose transactions take the write lock when they begin.
    """
    Household.objects.select_for_update().filter(pk=household.pk).values_list("pk").first()


def _check_cap(household: Household, item: Item, points: int, occurred_on: date) -> None:
    if item.cap_points is None or points < 0:
        return
    # Two declarations at the same moment must not both fit under the cap.
    lock_household(household)
    first, last = period_bounds(occurred_on, item.cap_period)
    used = (
        Record.objects.filter(
            household=household,
            item__code=item.code,
            status__in=LIVE_STATUSES,
            occurred_on__range=(first, last),
        )
        # A correction frees room under the cap once it is posted, not while it may be rejected.
        .filter(Q(points__gt=0) | Q(status=Record.Status.POSTED))
        .aggregate(total=Sum("points"))["total"]
        or 0
    )
    if used + points > item.cap_points:
        raise ValidationError(
            _(
                "“%(item)s” is capped at %(cap)s points per %(period)s. This household has "
                "%(used)s already, so %(points)s more would pass the cap."
            )
            % {
                "item": item.title,
                "cap": item.cap_points,
                "period": Item.Period(item.cap_period).label,
                "used": used,
                "points": points,
            }
        )


def _new_record(
    *,
    actor: Actor,
    household: Household,
    item: Item,
    quantity: int,
    description: str,
    occurred_on: date,
    route: str,
    person: Resident | None = None,
    photos: Sequence[UploadedFile] = (),
    inspection: InspectionRound | None = None,
    now: datetime,
) -> Record:
    if not is_in_force(item, household.village):
        raise ValidationError(_("This item is not in the village's rulebook in force."))
    if quantity < 1 or quantity > 100:
        raise ValidationError(_("The quantity must be between 1 and 100."))
    if occurred_on > timezone.localdate(now):
        raise ValidationError(_("The date of the deed cannot be in the future."))
    if item.scope == Item.Scope.PERSON and (person is None or person.household_id != household.pk):
        raise ValidationError(_("Choose the member of the household this item scores."))
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("At most 3 photos."))
    if (
        item.evidence_required
        and not photos
        and route in {Record.Route.DECLARED, Record.Route.RECORDED, Record.Route.PROXY}
    ):
        raise ValidationError(_("This item needs a photo as evidence."))
    points = item.points * quantity
    _check_cap(household, item, points, occurred_on)
    prepared = [prepare_photo(photo) for photo in photos]
    record = Record.objects.create(
        village=household.village,
        household=household,
        person=person,
        item=item,
        rule_version_id=item.version_id,
        quantity=quantity,
        points=points,
        description=description.strip()[:500],
        occurred_on=occurred_on,
        route=route,
        recorded_by=actor.user,
        recorded_as=actor.role,
        recorded_at=now,
        inspection=inspection,
    )
    for content, width, height in prepared:
        RecordPhoto.objects.create(record=record, image=content, width=width, height=height)
    record_event(
        actor=actor,
        action=f"record.{route}",
        obj=record,
        village=household.village,
        household=household,
        after=_values(record),
    )
    return record


def _once(actor: Actor, key: str, request: dict[str, Any]) -> list[int] | None:
    """The record ids an earlier identical request made, or None to go ahead."""
    earlier = claim(user=actor.user, key=key, request_fingerprint=fingerprint(**request))
    return None if earlier is None else list(earlier.result.get("records", []))


def _photo_facts(photos: Sequence[UploadedFile]) -> list[tuple[str, int | None]]:
    return [(photo.name or "", photo.size) for photo in photos]


def declare_deed(
    *,
    actor: Actor,
    household: Household,
    item: Item,
    occurred_on: date,
    idempotency_key: str,
    quantity: int = 1,
    description: str = "",
    person: Resident | None = None,
    photos: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Record:
    """A villager declares a deed of their own household."""
    if not permissions.can_declare(actor, household):
        raise PermissionDenied(_("You may only declare deeds for your own household."))
    if not item.self_declarable:
        raise ValidationError(_("Only a recorder may enter this item."))
    return _record_once(
        actor=actor,
        household=household,
        item=item,
        quantity=quantity,
        description=description,
        occurred_on=occurred_on,
        route=Record.Route.DECLARED,
        person=person,
        photos=photos,
        idempotency_key=idempotency_key,
        now=now,
    )


def record_deed(
    *,
    actor: Actor,
    household: Household,
    item: Item,
    occurred_on: date,
    idempotency_key: str,
    on_behalf: bool = False,
    quantity: int = 1,
    description: str = "",
    person: Resident | None = None,
    photos: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Record:
    """A grid member or cadre records a deed; a deduction is a cadre's alone."""
    if item.is_deduction:
        if not permissions.can_deduct(actor, household.village):
            raise PermissionDenied(_("Only a village cadre records deductions."))
        route = Record.Route.DEDUCTION
    else:
        if not permissions.can_record_for(actor, household):
            raise PermissionDenied(_("You may not record for this household."))
        route = Record.Route.PROXY if on_behalf else Record.Route.RECORDED
    return _record_once(
        actor=actor,
        household=household,
        item=item,
        quantity=quantity,
        description=description,
        occurred_on=occurred_on,
        route=route,
        person=person,
        photos=photos,
        idempotency_key=idempotency_key,
        now=now,
    )


def _record_once(
    *,
    actor: Actor,
    household: Household,
    item: Item,
    quantity: int,
    description: str,
    occurred_on: date,
    route: str,
    person: Resident | None,
    photos: Sequence[UploadedFile],
    idempotency_key: str,
    now: datetime | None,
) -> Record:
    """One record per idempotency key: a resent form returns the record it made the first time."""
    request = {
        "op": route,
        "household": household.pk,
        "item": item.pk,
        "quantity": quantity,
        "description": description,
        "occurred_on": occurred_on,
        "person": person.pk if person else None,
        "photos": _photo_facts(photos),
    }
    with transaction.atomic():
        if (earlier := _once(actor, idempotency_key, request)) is not None:
            return Record.objects.get(pk=earlier[0])
        record = _new_record(
            actor=actor,
            household=household,
            item=item,
            quantity=quantity,
            description=description,
            occurred_on=occurred_on,
            route=route,
            person=person,
            photos=photos,
            now=now or timezone.now(),
        )
        remember(user=actor.user, key=idempotency_key, result={"records": [record.pk]})
    return record


def run_inspection(
    *,
    actor: Actor,
    grid: Grid,
    title: str,
    held_on: date,
    items: Sequence[Item],
    marks: dict[int, set[int]],
    idempotency_key: str,
    now: datetime | None = None,
) -> InspectionRound:
    """Score every household of a grid in one pass: ``marks`` maps household id → item ids."""
    households = {
        h.pk: h for h in Household.objects.filter(grid=grid).select_related("village", "grid")
    }
    if not households or not all(permissions.can_record_for(actor, h) for h in households.values()):
        raise PermissionDenied(_("You may not inspect this grid."))
    item_ids = {item.pk for item in items}
    unknown = set(marks) - set(households)
    if unknown or any(not marked <= item_ids for marked in marks.values()):
        raise ValidationError(_("The inspection names a household or item outside this round."))
    request = {
        "op": "inspect",
        "grid": grid.pk,
        "title": title,
        "held_on": held_on,
        "items": sorted(item_ids),
        "marks": {str(k): sorted(v) for k, v in sorted(marks.items())},
    }
    by_id = {item.pk: item for item in items}
    now = now or timezone.now()
    with transaction.atomic():
        if (earlier := _once(actor, idempotency_key, request)) is not None:
            return InspectionRound.objects.get(pk=earlier[0])
        inspection = InspectionRound.objects.create(
            village=grid.village,
            grid=grid,
            title=title.strip()[:80],
            held_on=held_on,
            inspector=actor.user,
        )
        inspection.items.set(items)
        for household_id in sorted(marks):
            for item_id in sorted(marks[household_id]):
                item = by_id[item_id]
                if item.is_deduction and not permissions.can_deduct(actor, grid.village):
                    raise PermissionDenied(_("Only a village cadre records deductions."))
                _new_record(
                    actor=actor,
                    household=households[household_id],
                    item=item,
                    quantity=1,
                    description=inspection.title,
                    occurred_on=held_on,
                    route=Record.Route.INSPECTION,
                    inspection=inspection,
                    now=now,
                )
        remember(user=actor.user, key=idempotency_key, result={"records": [inspection.pk]})
    return inspection


def _notice_for(village: Place, now: datetime) -> Notice:
    """Today's notice of the village: records approved on one day share one window."""
    today = timezone.localdate(now)
    start_of_day = timezone.make_aware(datetime.combine(today, time.min))
    notice = Notice.objects.filter(
        village=village, opened_at__gte=start_of_day, opened_at__lte=now, closes_at__gt=now
    ).first()
    if notice is None:
        days = (
            VillageSettings.objects.filter(village=village)
            .values_list("notice_days", flat=True)
            .first()
            or 3
        )
        notice = Notice.objects.create(
            village=village, opened_at=now, closes_at=now + timedelta(days=days)
        )
    return notice


def review_record(
    *, actor: Actor, record: Record, approve: bool, reason: str = "", now: datetime | None = None
) -> Record:
    """Approve (onto public notice) or reject (with a reason) one record."""
    now = now or timezone.now()
    if not permissions.can_review(actor, record):
        if record.recorded_by_id == actor.user.pk:
            raise PermissionDenied(_("Nobody reviews a record they entered themselves."))
        if permissions.own_household_id(actor) == record.household_id:
            raise PermissionDenied(_("Nobody reviews a record about their own household."))
        raise PermissionDenied(_("You may not review records of this village."))
    if not approve and not reason.strip():
        raise ValidationError(_("Give the reason for rejecting it."))
    with transaction.atomic():
        record = (
            Record.objects.select_for_update(of=("self",))
            .select_related("village", "household")
            .get(pk=record.pk)
        )
        if record.status != Record.Status.PENDING:
            raise ValidationError(_("This record was already reviewed."))
        before = _values(record)
        record.reviewed_by, record.reviewed_at, record.review_reason = (
            actor.user,
            now,
            reason.strip()[:200],
        )
        if approve:
            record.status, record.notice = Record.Status.ON_NOTICE, _notice_for(record.village, now)
        else:
            record.status = Record.Status.REJECTED
        record.save(
            update_fields=["status", "notice", "reviewed_by", "reviewed_at", "review_reason"]
        )
        record_event(
            actor=actor,
            action="record.approve" if approve else "record.reject",
            obj=record,
            village=record.village,
            household=record.household,
            before=before,
            after=_values(record),
        )
    return record


@dataclass
class BatchReview:
    reviewed: list[Record] = field(default_factory=list)
    refused: list[tuple[Record, str]] = field(default_factory=list)


def review_records(
    *,
    actor: Actor,
    records: Sequence[Record],
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> BatchReview:
    """Review several records; each one the actor may not review is left, with the reason."""
    result = BatchReview()
    for record in records:
        try:
            result.reviewed.append(
                review_record(actor=actor, record=record, approve=approve, reason=reason, now=now)
            )
        except (PermissionDenied, ValidationError) as error:
            message = message_of(error)
            result.refused.append((record, message))
    return result


def object_to_record(
    *, actor: Actor, record: Record, reason: str, now: datetime | None = None
) -> Objection:
    """A villager objects during the notice window: the record goes back to review."""
    now = now or timezone.now()
    if not permissions.can_object(actor, record):
        raise PermissionDenied(_("You may not object to this record."))
    if not reason.strip():
        raise ValidationError(_("Say why you object."))
    with transaction.atomic():
        record = (
            Record.objects.select_for_update(of=("self",))
            .select_related("notice")
            .get(pk=record.pk)
        )
        if (
            record.status != Record.Status.ON_NOTICE
            or record.notice is None
            or record.notice.closes_at <= now
        ):
            raise ValidationError(_("This record is not open for objections."))
        objection = Objection.objects.create(
            record=record, raised_by=actor.user, reason=reason.strip()[:300], raised_at=now
        )
        before = _values(record)
        record.status = Record.Status.OBJECTED
        record.save(update_fields=["status"])
        record_event(
            actor=actor,
            action="record.object",
            obj=record,
            village=record.village,
            household=record.household,
            before=before,
            after={**_values(record), "objection": objection.reason},
        )
    return objection


def decide_objection(
    *, actor: Actor, objection: Objection, uphold: bool, reason: str, now: datetime | None = None
) -> Objection:
    """Upheld: the record is void. Dismissed: it goes back on notice and posts when due."""
    now = now or timezone.now()
    record = objection.record
    if not permissions.can_review(actor, record) or objection.raised_by_id == actor.user.pk:
        raise PermissionDenied(_("You may not decide this objection."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the decision."))
    with transaction.atomic():
        record = Record.objects.select_for_update().get(pk=record.pk)
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        if objection.outcome != Objection.Outcome.OPEN or record.status != Record.Status.OBJECTED:
            raise ValidationError(_("This objection was already decided."))
        before = _values(record)
        objection.outcome = Objection.Outcome.UPHELD if uphold else Objection.Outcome.DISMISSED
        objection.decided_by, objection.decided_at, objection.decision_reason = (
            actor.user,
            now,
            reason.strip()[:300],
        )
        objection.save(update_fields=["outcome", "decided_by", "decided_at", "decision_reason"])
        record.status = Record.Status.VOID if uphold else Record.Status.ON_NOTICE
        record.save(update_fields=["status"])
        record_event(
            actor=actor,
            action="objection.uphold" if uphold else "objection.dismiss",
            obj=record,
            village=record.village,
            household=record.household,
            before=before,
            after={**_values(record), "decision": objection.decision_reason},
        )
    return objection


def report_deed(
    *,
    actor: Actor,
    household: Household,
    item: Item,
    description: str,
    occurred_on: date,
    idempotency_key: str,
    now: datetime | None = None,
) -> Report:
    """A neighbour reports a deed worth a deduction; it waits for a cadre to verify it."""
    now = now or timezone.now()
    if not permissions.can_report(actor, household):
        raise PermissionDenied(_("You may not report this household."))
    if not item.is_deduction or not is_in_force(item, household.village):
        raise ValidationError(_("Choose a deduction item of the rulebook in force."))
    if not description.strip():
        raise ValidationError(_("Say what happened."))
    request = {
        "op": "report",
        "household": household.pk,
        "item": item.pk,
        "description": description,
        "occurred_on": occurred_on,
    }
    with transaction.atomic():
        if (earlier := _once(actor, idempotency_key, request)) is not None:
            return Report.objects.get(pk=earlier[0])
        report = Report.objects.create(
            village=household.village,
            household=household,
            item=item,
            description=description.strip()[:300],
            occurred_on=occurred_on,
            reported_by=actor.user,
            reported_at=now,
        )
        record_event(
            actor=actor,
            action="report.create",
            obj=report,
            village=household.village,
            household=household,
            after={"item": item.code, "description": report.description},
        )
        remember(user=actor.user, key=idempotency_key, result={"records": [report.pk]})
    return report


def verify_report(
    *, actor: Actor, report: Report, confirmed: bool, note: str, now: datetime | None = None
) -> Report:
    """A cadre checks a report: confirmed, it becomes a deduction record awaiting review."""
    now = now or timezone.now()
    if (
        not permissions.can_verify_reports(actor, report.village)
        or report.reported_by_id == actor.user.pk
    ):
        raise PermissionDenied(_("You may not verify this report."))
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("household__village")
            .get(pk=report.pk)
        )
        if report.status != Report.Status.WAITING:
            raise ValidationError(_("This report was already verified."))
        report.verified_by, report.verification_note = actor.user, note.strip()[:300]
        if confirmed:
            report.record = _new_record(
                actor=actor,
                household=report.household,
                item=report.item,
                quantity=1,
                description=report.description,
                occurred_on=report.occurred_on,
                route=Record.Route.REPORT,
                now=now,
            )
            report.status = Report.Status.CONFIRMED
        else:
            report.status = Report.Status.DISMISSED
        report.save(update_fields=["status", "verified_by", "verification_note", "record"])
        record_event(
            actor=actor,
            action="report.confirm" if confirmed else "report.dismiss",
            obj=report,
            village=report.village,
            household=report.household,
            after={"status": report.status, "note": report.verification_note},
        )
    return report


def request_correction(
    *, actor: Actor, record: Record, reason: str, idempotency_key: str, now: datetime | None = None
) -> Record:
    """A reversing record for a posted one; reviewed, announced and posted like any other."""
    now = now or timezone.now()
    if not permissions.can_correct(actor, record):
        raise PermissionDenied(_("You may not correct records of this village."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the correction."))
    request = {"op": "correct", "record": record.pk, "reason": reason}
    with transaction.atomic():
        if (earlier := _once(actor, idempotency_key, request)) is not None:
            return Record.objects.get(pk=earlier[0])
        original = Record.objects.select_for_update().get(pk=record.pk)
        if original.status != Record.Status.POSTED:
            raise ValidationError(
                _("Only a posted record is corrected; an unposted one is rejected or objected to.")
            )
        if original.corrections.filter(status__in=LIVE_STATUSES).exists():
            raise ValidationError(_("A correction of this record is already under way."))
        # Undoing a correction adds the points back: the cap of the period still holds.
        _check_cap(original.household, original.item, -original.points, original.occurred_on)
        correction = Record.objects.create(
            village=original.village,
            household=original.household,
            person=original.person,
            item=original.item,
            rule_version=original.rule_version,
            quantity=original.quantity,
            points=-original.points,
            description=reason.strip()[:500],
            occurred_on=original.occurred_on,
            route=Record.Route.CORRECTION,
            recorded_by=actor.user,
            recorded_as=actor.role,
            recorded_at=now,
            corrects=original,
        )
        record_event(
            actor=actor,
            action="record.correction",
            obj=correction,
            village=original.village,
            household=original.household,
            after=_values(correction),
        )
        remember(user=actor.user, key=idempotency_key, result={"records": [correction.pk]})
    return correction
