"""Drafting, sign-off, publication, corrections and questions: the publication's life.

Each write runs in its own transaction with its audit event. What must hold whatever the code
does is the database's: one draft per period and one row per version (so a second "start" finds
the first), published ⇒ signed off, signed off by someone other than the drafter, and triggers
that freeze a published publication and its items (migration 0002). The checks here are there
to say so kindly.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.audit.services import record_event, snapshot
from jifen.core.idempotency import claim, fingerprint, remember
from jifen.disclosure import permissions
from jifen.disclosure.lines import check_attachment, parse_yuan
from jifen.disclosure.lines import required_text as _text
from jifen.disclosure.models import Item, Kind, Period, Publication, Question
from jifen.talk import services as talk
from jifen.talk.models import Matter

ITEM_FIELDS = ["title", "text", "occurred_on", "direction", "amount", "voucher", "attachment"]


def _line(item: Item) -> dict[str, object]:
    values = snapshot(item, [name for name in ITEM_FIELDS if name != "attachment"])
    return values | {"attachment": item.attachment.name or ""}


def _request(fields: dict[str, object]) -> dict[str, str]:
    return {name: str(value) for name, value in fields.items()}


def publication_url(publication: Publication) -> str:
    return reverse("disclosure_publication", args=[publication.pk])


def _lock(publication: Publication) -> Publication:
    """The publication's row, locked, as it stands now."""
    return (
        Publication.objects.select_for_update()
        .select_related("period__village")
        .get(pk=publication.pk)
    )


def _editable(actor: Actor, publication: Publication) -> Publication:
    village = publication.period.village
    if not permissions.is_cadre(actor, village):
        raise PermissionDenied(_("Only the village's cadres edit drafts."))
    current = _lock(publication)
    if current.is_published:
        raise ValidationError(
            _("This publication is published and can no longer change; publish a correction.")
        )
    if current.status != Publication.Status.DRAFT:
        raise ValidationError(
            _("This draft is waiting for sign-off; ask the supervisor to return it to change it.")
        )
    return current


# Drafting -----------------------------------------------------------------------------------


def start_publication(
    *,
    actor: Actor,
    period: Period,
    title: str,
    opening_balance: int | None = None,
    now: datetime | None = None,
) -> Publication:
    """Version 1 of the period, as a draft; the draft in the works if there is one."""
    village = period.village
    if not permissions.is_cadre(actor, village):
        raise PermissionDenied(_("Only the village's cadres draft publications."))
    title = _text(title, limit=80, missing=_("Give the publication a title."))
    if Publication.objects.filter(period=period, published_at__isnull=False).exists():
        raise ValidationError(_("This period is already published; publish a correction instead."))
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                period=period,
                version=1,
                title=title,
                drafted_by=actor.user,
                created_at=now or timezone.now(),
                opening_balance=opening_balance if period.kind == Kind.FINANCE else None,
            )
            record_event(
                actor=actor,
                action="disclosure.drafted",
                obj=publication,
                village=village,
                after={"period": period.pk, "version": 1, "title": title},
            )
            return publication
    except IntegrityError:
        return Publication.objects.get(period=period, published_at__isnull=True)


def update_publication(
    *, actor: Actor, publication: Publication, title: str, opening_balance: int | None
) -> Publication:
    with transaction.atomic():
        current = _editable(actor, publication)
        before = snapshot(current, ["title", "opening_balance"])
        current.title = _text(title, limit=80, missing=_("Give the publication a title."))
        if current.period.kind == Kind.FINANCE:
            current.opening_balance = opening_balance
        current.save(update_fields=["title", "opening_balance"])
        record_event(
            actor=actor,
            action="disclosure.edited",
            obj=current,
            village=current.period.village,
            before=before,
            after=snapshot(current, ["title", "opening_balance"]),
        )
        return current


def _line_fields(
    kind: str,
    *,
    title: str,
    text: str,
    occurred_on: date | None,
    direction: str,
    yuan: str,
    voucher: str,
) -> dict[str, object]:
    fields: dict[str, object] = {
        "title": _text(title, limit=120, missing=_("Say what the item is.")),
        "text": text.strip()[:2000],
        "voucher": voucher.strip()[:30],
    }
    if kind == Kind.FINANCE:
        if occurred_on is None:
            raise ValidationError(_("Give the date of the line."))
        if direction not in Item.Direction.values:
            raise ValidationError(_("Say whether the line is income or expense."))
        fields.update(occurred_on=occurred_on, direction=direction, amount=parse_yuan(yuan))
    else:
        fields.update(occurred_on=occurred_on, direction="", amount=None)
    return fields


def add_item(
    *,
    actor: Actor,
    publication: Publication,
    title: str,
    text: str = "",
    occurred_on: date | None = None,
    direction: str = "",
    yuan: str = "",
    voucher: str = "",
    attachment: UploadedFile | None = None,
    idempotency_key: str | None = None,
) -> Item:
    """A line added to a draft; with ``idempotency_key`` (the editor's form), a second send of
    the same form adds nothing."""
    fields = _line_fields(
        publication.period.kind,
        title=title,
        text=text,
        occurred_on=occurred_on,
        direction=direction,
        yuan=yuan,
        voucher=voucher,
    )
    if attachment is not None:
        check_attachment(attachment)
    with transaction.atomic():
        current = _editable(actor, publication)
        if idempotency_key is not None:
            request = {"op": "add_item", "publication": current.pk, **_request(fields)}
            earlier = claim(
                user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
            )
            if earlier is not None:
                return Item.objects.get(pk=earlier.result["item"])
        last = current.items.aggregate(last=Max("position"))["last"] or 0
        item = Item(publication=current, position=last + 1, **fields)
        if attachment is not None:
            item.attachment = attachment
        item.save()
        record_event(
            actor=actor,
            action="disclosure.item_added",
            obj=item,
            village=current.period.village,
            after=_line(item) | {"publication": current.pk},
        )
        if idempotency_key is not None:
            remember(user=actor.user, key=idempotency_key, result={"item": item.pk})
        return item


def edit_item(
    *,
    actor: Actor,
    item: Item,
    title: str,
    text: str = "",
    occurred_on: date | None = None,
    direction: str = "",
    yuan: str = "",
    voucher: str = "",
    attachment: UploadedFile | None = None,
) -> Item:
    fields = _line_fields(
        item.publication.period.kind,
        title=title,
        text=text,
        occurred_on=occurred_on,
        direction=direction,
        yuan=yuan,
        voucher=voucher,
    )
    if attachment is not None:
        check_attachment(attachment)
    with transaction.atomic():
        current = _editable(actor, item.publication)
        line = Item.objects.get(pk=item.pk, publication=current)
        before = _line(line)
        for name, value in fields.items():
            setattr(line, name, value)
        if attachment is not None:
            line.attachment = attachment
        line.save()
        record_event(
            actor=actor,
            action="disclosure.item_edited",
            obj=line,
            village=current.period.village,
            before=before,
            after=_line(line),
        )
        return line


def remove_item(*, actor: Actor, item: Item) -> None:
    with transaction.atomic():
        current = _editable(actor, item.publication)
        line = Item.objects.filter(pk=item.pk, publication=current).first()
        if line is None:
            return  # already removed: a second tap changes nothing
        record_event(
            actor=actor,
            action="disclosure.item_removed",
            obj=line,
            village=current.period.village,
            before=_line(line),
        )
        line.delete()


# Sign-off and publication -------------------------------------------------------------------


def submit(*, actor: Actor, publication: Publication, now: datetime | None = None) -> Publication:
    """The draft goes to the supervisory committee."""
    with transaction.atomic():
        current = _editable(actor, publication)
        if not current.items.exists():
            raise ValidationError(_("Add at least one item before sending it for sign-off."))
        current.status = Publication.Status.SUBMITTED
        current.submitted_at = now or timezone.now()
        current.save(update_fields=["status", "submitted_at"])
        record_event(
            actor=actor,
            action="disclosure.submitted",
            obj=current,
            village=current.period.village,
            after={"status": current.status},
        )
        return current


def _awaiting(actor: Actor, publication: Publication) -> Publication:
    village = publication.period.village
    if not permissions.is_supervisor(actor, village):
        raise PermissionDenied(_("Only a supervisory committee member of the village signs off."))
    if publication.drafted_by_id == actor.user.pk:
        raise PermissionDenied(_("You drafted this publication; another member must sign it off."))
    current = _lock(publication)
    if current.status != Publication.Status.SUBMITTED:
        raise ValidationError(_("This publication is not waiting for sign-off."))
    return current


def sign_off(*, actor: Actor, publication: Publication, now: datetime | None = None) -> Publication:
    with transaction.atomic():
        current = _awaiting(actor, publication)
        current.status = Publication.Status.SIGNED_OFF
        current.signed_off_at = now or timezone.now()
        current.signed_off_by = actor.user
        current.save(update_fields=["status", "signed_off_at", "signed_off_by"])
        record_event(
            actor=actor,
            action="disclosure.signed_off",
            obj=current,
            village=current.period.village,
            after={"status": current.status},
        )
        return current


def return_for_changes(
    *, actor: Actor, publication: Publication, reason: str, now: datetime | None = None
) -> Publication:
    """The supervisor sends the draft back to the cadres with what to put right."""
    reason = _text(reason, limit=300, missing=_("Say what should be put right."))
    with transaction.atomic():
        current = _awaiting(actor, publication)
        current.status = Publication.Status.DRAFT
        current.returned_at = now or timezone.now()
        current.returned_by = actor.user
        current.return_reason = reason
        current.save(update_fields=["status", "returned_at", "returned_by", "return_reason"])
        record_event(
            actor=actor,
            action="disclosure.returned",
            obj=current,
            village=current.period.village,
            after={"status": current.status, "reason": reason},
        )
        return current


def previous_statement(period: Period) -> Publication | None:
    """The latest published version of the village's previous finance statement."""
    return (
        Publication.objects.filter(
            period__village_id=period.village_id,
            period__kind=Kind.FINANCE,
            period__starts_on__lt=period.starts_on,
            published_at__isnull=False,
        )
        .order_by("-period__starts_on", "-period__pk", "-version")
        .first()
    )


def balances(publication: Publication) -> tuple[int, int, int, int]:
    """Opening, income, expense and closing, in fen. A published statement's opening is the
    one it was published with; a draft's is carried from the previous statement now."""
    income = expense = 0
    for item in publication.items.all():
        if item.direction == Item.Direction.INCOME:
            income += item.amount or 0
        elif item.direction == Item.Direction.EXPENSE:
            expense += item.amount or 0
    if publication.is_published:
        opening = publication.opening_balance or 0
    else:
        previous = previous_statement(publication.period)
        if previous is not None:
            opening = previous.closing_balance or 0
        else:
            opening = publication.opening_balance or 0
    return opening, income, expense, opening + income - expense


def publish(*, actor: Actor, publication: Publication, now: datetime | None = None) -> Publication:
    """A cadre publishes what the supervisory committee signed off; a finance statement takes
    its opening balance from the previous statement's closing one, as it stands now."""
    village = publication.period.village
    if not permissions.is_cadre(actor, village):
        raise PermissionDenied(_("Only the village's cadres publish."))
    with transaction.atomic():
        current = _lock(publication)
        if current.is_published:
            return current  # a second tap: already done
        if current.status != Publication.Status.SIGNED_OFF:
            raise ValidationError(
                _("A supervisory committee member must sign it off before it is published.")
            )
        if current.period.kind == Kind.FINANCE:
            opening, _income, _expense, closing = balances(current)
            current.opening_balance, current.closing_balance = opening, closing
        current.status = Publication.Status.PUBLISHED
        current.published_at = now or timezone.now()
        current.published_by = actor.user
        current.save(
            update_fields=[
                "status",
                "published_at",
                "published_by",
                "opening_balance",
                "closing_balance",
            ]
        )
        record_event(
            actor=actor,
            action="disclosure.published",
            obj=current,
            village=village,
            after={
                "version": current.version,
                "opening_balance": current.opening_balance,
                "closing_balance": current.closing_balance,
            },
        )
        return current


def start_correction(
    *, actor: Actor, publication: Publication, reason: str, now: datetime | None = None
) -> Publication:
    """The next version of the period: a copy of the latest published one's items, to edit,
    sign off and publish. The draft in the works if there is one."""
    period = publication.period
    if not permissions.is_cadre(actor, period.village):
        raise PermissionDenied(_("Only the village's cadres publish corrections."))
    reason = _text(reason, limit=300, missing=_("Say why it is corrected."))
    with transaction.atomic():
        draft = Publication.objects.filter(period=period, published_at__isnull=True).first()
        if draft is not None:
            return draft
        latest = (
            Publication.objects.filter(period=period, published_at__isnull=False)
            .order_by("-version")
            .first()
        )
        if latest is None:
            raise ValidationError(_("Only a published version can be corrected."))
        correction = Publication.objects.create(
            period=period,
            version=latest.version + 1,
            corrects=latest,
            correction_reason=reason,
            title=latest.title,
            drafted_by=actor.user,
            created_at=now or timezone.now(),
            opening_balance=latest.opening_balance,
        )
        Item.objects.bulk_create(
            Item(
                publication=correction,
                position=item.position,
                copied_from=item,
                **{name: getattr(item, name) for name in ITEM_FIELDS},
            )
            for item in latest.items.all()
        )
        record_event(
            actor=actor,
            action="disclosure.correction_started",
            obj=correction,
            village=period.village,
            after={"version": correction.version, "corrects": latest.pk, "reason": reason},
        )
        return correction


# Questions ----------------------------------------------------------------------------------


def ask_question(
    *,
    actor: Actor,
    item: Item,
    text: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> Question:
    """A villager asks about an item of a published publication: a Villagers Talk matter,
    linked to the item, that the cadres answer like any other."""
    publication = item.publication
    village = publication.period.village
    if not publication.is_published:
        raise ValidationError(_("Questions are asked about published items."))
    if not permissions.can_ask(actor, village):
        raise PermissionDenied(_("You may ask only about your own village's disclosure."))
    text = _text(text, limit=2000, missing=_("Say what you want to know."))
    now = now or timezone.now()
    with transaction.atomic():
        matter = talk.raise_matter(
            actor=actor,
            village=village,
            title=f"{publication.title}：{item.title}"[:80],
            text=text,
            category=Matter.Category.QUESTION,
            idempotency_key=idempotency_key,
            now=now,
        )
        question, created = Question.objects.get_or_create(
            matter=matter,
            defaults={
                "publication": publication,
                "item": item,
                "asked_by": actor.user,
                "asked_at": now,
            },
        )
        if created:
            record_event(
                actor=actor,
                action="disclosure.asked",
                obj=question,
                village=village,
                after={"publication": publication.pk, "item": item.pk, "matter": matter.pk},
            )
        return question
