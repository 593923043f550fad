"""Computing a village's fairness flags, and the township's review of them."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.audit.services import record_event
from jifen.fairness import permissions
from jifen.fairness.findings import Finding, findings_for
from jifen.fairness.models import Flag, FlagReview
from jifen.places.models import Place

NOTE_MAX_LENGTH = 1000


def _apply(village: Place, finding: Finding, now: datetime) -> Flag:
    """Create the flag of a finding, or bring it up to date; reopen a reviewed one when records
    appear behind it that were not there before. Runs inside ``compute_flags``'s transaction."""
    flag = (
        Flag.objects.select_for_update()
        .filter(village=village, kind=finding.kind, subject_key=finding.subject_key)
        .first()
    )
    current = set(finding.record_ids)
    if flag is None:
        flag = Flag.objects.create(
            village=village,
            kind=finding.kind,
            subject_key=finding.subject_key,
            household_id=finding.household_id,
            recorder_id=finding.recorder_id,
            window_start=finding.window_start,
            window_end=finding.window_end,
            figures=finding.figures,
            first_raised_at=now,
            computed_at=now,
        )
        flag.records.set(current)
        record_event(
            actor=None,
            action="fairness.raise",
            obj=flag,
            village=village,
            after={"kind": flag.kind, "figures": flag.figures, "records": len(current)},
        )
        return flag
    earlier = set(flag.records.values_list("pk", flat=True))
    new_evidence = bool(current - earlier)
    flag.window_start, flag.window_end = finding.window_start, finding.window_end
    flag.figures, flag.computed_at = finding.figures, now
    fields = ["window_start", "window_end", "figures", "computed_at"]
    if flag.is_reviewed and new_evidence:
        # The review stays in the flag's history (FlagReview); the flag is open again.
        flag.reviewed_at, flag.reviewed_by, flag.review_note = None, None, ""
        flag.reopened_at = now
        fields += ["reviewed_at", "reviewed_by", "review_note", "reopened_at"]
        record_event(
            actor=None,
            action="fairness.reopen",
            obj=flag,
            village=village,
            after={"figures": flag.figures, "new_records": len(current - earlier)},
        )
    flag.save(update_fields=fields)
    if current != earlier:
        flag.records.set(current)
    return flag


def compute_flags(*, village: Place, today: date, now: datetime | None = None) -> list[Flag]:
    """Compute the village's flags as of ``today``: new ones are raised, known ones updated."""
    now = now or timezone.now()
    findings = findings_for(village, today)
    with transaction.atomic():
        return [_apply(village, finding, now) for finding in findings]


def compute_all_flags(*, now: datetime | None = None) -> int:
    """The nightly job: every village's flags; returns how many flags fire today."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    fired = 0
    for village in Place.objects.filter(kind=Place.Kind.VILLAGE).order_by("pk"):
        fired += len(compute_flags(village=village, today=today, now=now))
    return fired


def review_flag(*, actor: Actor, flag: Flag, note: str, now: datetime | None = None) -> Flag:
    """A township officer or admin (or the county's admin) marks a flag reviewed, with a note."""
    now = now or timezone.now()
    if not permissions.can_review_flag(actor, flag):
        raise PermissionDenied(_("Only the township or county over the village reviews its flags."))
    note = note.strip()
    if not note:
        raise ValidationError(_("Write what you found when you looked into it."))
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(_("The note is at most 1000 characters."))
    with transaction.atomic():
        flag = Flag.objects.select_for_update().select_related("village").get(pk=flag.pk)
        if flag.is_reviewed:
            raise ValidationError(_("This flag was already reviewed."))
        record_count = flag.records.count()
        flag.reviewed_at, flag.reviewed_by, flag.review_note = now, actor.user, note
        flag.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
        FlagReview.objects.create(
            flag=flag,
            reviewed_by=actor.user,
            reviewed_at=now,
            note=note,
            record_count=record_count,
            figures=flag.figures,
        )
        record_event(
            actor=actor,
            action="fairness.review",
            obj=flag,
            village=flag.village,
            before={"reviewed_at": None},
            after={"reviewed_at": now.isoformat(), "note": note, "records": record_count},
        )
    return flag
