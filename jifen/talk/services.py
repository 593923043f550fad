"""Raising matters, discussing them, moderating, handing out and doing tasks, and rating them.

Each write runs in its own transaction with its audit event, and tells the people concerned
through ``jifen.notify.services.notify`` inside that transaction. The rules a race could break
are the database's: a like, a report and a rating are unique per person (a lost race reads as
"already"), a matter has one task, the first reply and "done" are set by conditional updates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, User
from jifen.audit.services import record_event
from jifen.core.idempotency import claim, fingerprint, remember
from jifen.notify.models import Notification
from jifen.notify.services import notify
from jifen.places.models import Place
from jifen.records.photos import prepare_photo
from jifen.talk import permissions
from jifen.talk.models import (
    Comment,
    CommentReport,
    Like,
    Matter,
    MatterPhoto,
    Progress,
    ProgressPhoto,
    Rating,
    Task,
)

MAX_PHOTOS = 6
# The raiser and the village rate a done task until the end of this many days after the day
# it was done (local time): done on the 1st, rated on the 15th is in time, on the 16th is not.
RATING_WINDOW_DAYS = 14
# How far ahead a task may be due: a due date years away says nothing.
MAX_DUE_DAYS = 366


def _text(value: str, *, limit: int, missing: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(missing)
    if len(value) > limit:
        raise ValidationError(
            _("Keep it to %(limit)d characters; this has %(length)d.")
            % {"limit": limit, "length": len(value)}
        )
    return value


def _photos(photos: Sequence[UploadedFile]) -> list[tuple[ContentFile[bytes], int, int]]:
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("At most 6 photos."))
    return [prepare_photo(photo) for photo in photos]


def _upload_key(photos: Sequence[UploadedFile]) -> list[str]:
    return [f"{photo.name}:{photo.size}" for photo in photos]


def matter_url(matter: Matter) -> str:
    return reverse("talk_matter", args=[matter.pk])


# Say -----------------------------------------------------------------------------------------


def raise_matter(
    *,
    actor: Actor,
    village: Place,
    title: str,
    text: str,
    category: str,
    photos: Sequence[UploadedFile] = (),
    idempotency_key: str,
    now: datetime | None = None,
) -> Matter:
    """A villager (or a cadre) raises a matter for the village, with up to six photos."""
    if not permissions.can_raise(actor, village):
        raise PermissionDenied(_("You may raise matters only in your own village."))
    title = _text(title, limit=80, missing=_("Give the matter a title."))
    text = _text(text, limit=2000, missing=_("Say what the matter is about."))
    if category not in Matter.Category.values:
        raise ValidationError(_("Choose a category: repair, suggestion, complaint or proposal."))
    prepared = _photos(photos)
    request = {
        "op": "raise_matter",
        "village": village.pk,
        "title": title,
        "text": text,
        "category": category,
        "photos": _upload_key(photos),
    }
    with transaction.atomic():
        earlier = claim(
            user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
        )
        if earlier is not None:
            return Matter.objects.get(pk=earlier.result["matter"])
        matter = Matter.objects.create(
            village=village,
            raised_by=actor.user,
            title=title,
            text=text,
            category=category,
            raised_at=now or timezone.now(),
        )
        for content, width, height in prepared:
            MatterPhoto.objects.create(matter=matter, image=content, width=width, height=height)
        record_event(
            actor=actor,
            action="talk.raised",
            obj=matter,
            village=village,
            after={
                "title": title,
                "category": category,
                "photos": len(prepared),
            },
        )
        remember(user=actor.user, key=idempotency_key, result={"matter": matter.pk})
        return matter


# Deliberate ----------------------------------------------------------------------------------


def comment_on(
    *,
    actor: Actor,
    matter: Matter,
    text: str,
    reply_to: Comment | None = None,
    idempotency_key: str,
    now: datetime | None = None,
) -> Comment:
    """Comment on a matter, or reply to a comment. Replies go one level deep: a reply to a reply
    joins the thread of the comment on top. A cadre's comment is the village's official reply;
    the first one sets the matter's first-reply time, and each tells the raiser."""
    if not permissions.can_comment(actor, matter):
        raise PermissionDenied(_("You may comment only on matters of your own village."))
    text = _text(text, limit=1000, missing=_("Write a comment first."))
    parent = None
    if reply_to is not None:
        if reply_to.matter_id != matter.pk:
            raise ValidationError(_("That comment belongs to another matter."))
        parent = reply_to.parent if reply_to.parent_id else reply_to
        assert parent is not None
        if parent.is_hidden:
            raise ValidationError(_("That comment was hidden; it takes no replies."))
    now = now or timezone.now()
    # A cadre answering for the village; not a cadre commenting on a matter they raised.
    official = permissions.is_cadre(actor, matter.village) and matter.raised_by_id != actor.user.pk
    request = {"op": "comment", "matter": matter.pk, "parent": parent and parent.pk, "text": text}
    with transaction.atomic():
        earlier = claim(
            user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
        )
        if earlier is not None:
            return Comment.objects.get(pk=earlier.result["comment"])
        comment = Comment.objects.create(
            matter=matter,
            parent=parent,
            author=actor.user,
            author_role=actor.role,
            is_official=official,
            text=text,
            created_at=now,
        )
        first = False
        if official:
            # Conditional: of two cadres replying at once, the earlier commit sets the time.
            first = bool(
                Matter.objects.filter(pk=matter.pk, first_reply_at__isnull=True).update(
                    first_reply_at=now
                )
            )
            if first:
                matter.first_reply_at = now
        record_event(
            actor=actor,
            action="talk.replied" if official else "talk.commented",
            obj=comment,
            village=matter.village,
            after={
                "matter": matter.pk,
                "parent": parent and parent.pk,
                "official": official,
                "first_reply": first,
            },
        )
        if official:
            notify(
                users=[matter.raised_by],
                kind=Notification.Kind.REPLY,
                text=_("The village committee replied to your matter “%(title)s”.")
                % {"title": matter.title},
                url=matter_url(matter),
                now=now,
            )
        remember(user=actor.user, key=idempotency_key, result={"comment": comment.pk})
        return comment


def set_like(*, actor: Actor, matter: Matter, liked: bool, now: datetime | None = None) -> bool:
    """Like or unlike a matter; the button says which, so a double tap changes nothing twice.
    True if something changed."""
    if not permissions.can_like(actor, matter):
        raise PermissionDenied(_("You may like only matters of your own village."))
    with transaction.atomic():
        if liked:
            try:
                with transaction.atomic():
                    like = Like.objects.create(
                        matter=matter, user=actor.user, liked_at=now or timezone.now()
                    )
            except IntegrityError:
                return False  # liked already
            changed_obj: Like | Matter = like
        else:
            deleted, _by_model = Like.objects.filter(matter=matter, user=actor.user).delete()
            if not deleted:
                return False
            changed_obj = matter
        record_event(
            actor=actor,
            action="talk.liked" if liked else "talk.unliked",
            obj=changed_obj,
            village=matter.village,
            after={"matter": matter.pk},
        )
        return True


def report_comment(
    *, actor: Actor, comment: Comment, reason: str = "", now: datetime | None = None
) -> CommentReport:
    """Flag a comment for the committee: once per person and comment."""
    if not permissions.can_report(actor, comment):
        if comment.is_hidden:
            raise ValidationError(_("This comment is hidden already."))
        raise PermissionDenied(_("You may not report this comment."))
    reason = reason.strip()
    if len(reason) > 200:
        raise ValidationError(_("Keep the reason to 200 characters."))
    already = ValidationError(_("You have reported this comment already."))
    if CommentReport.objects.filter(comment=comment, reported_by=actor.user).exists():
        raise already
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = CommentReport.objects.create(
                    comment=comment,
                    reported_by=actor.user,
                    reason=reason,
                    reported_at=now or timezone.now(),
                )
        except IntegrityError as error:
            raise already from error
        record_event(
            actor=actor,
            action="talk.comment_reported",
            obj=comment,
            village=comment.matter.village,
            after={"reason": reason},
        )
        return report


def hide_comment(
    *, actor: Actor, comment: Comment, reason: str, now: datetime | None = None
) -> Comment:
    """A cadre hides a comment, saying why. Its author still sees it, with the reason, and is
    told; everyone else sees that the committee hid it, and why."""
    village = comment.matter.village
    if not permissions.can_moderate(actor, village):
        raise PermissionDenied(_("Only the village committee hides comments."))
    reason = _text(reason, limit=200, missing=_("Say why the comment is hidden."))
    now = now or timezone.now()
    with transaction.atomic():
        hidden = Comment.objects.filter(pk=comment.pk, hidden_at__isnull=True).update(
            hidden_at=now, hidden_by=actor.user, hidden_reason=reason
        )
        if not hidden:
            raise ValidationError(_("This comment is hidden already."))
        comment.hidden_at, comment.hidden_by, comment.hidden_reason = now, actor.user, reason
        record_event(
            actor=actor,
            action="talk.comment_hidden",
            obj=comment,
            village=village,
            before={"hidden": False},
            after={"hidden": True, "reason": reason, "author": comment.author_id},
        )
        if comment.author_id != actor.user.pk:
            notify(
                users=[comment.author],
                kind=Notification.Kind.COMMENT_HIDDEN,
                text=_("The village committee hid your comment: %(reason)s") % {"reason": reason},
                url=matter_url(comment.matter),
                now=now,
            )
        return comment


# Handle --------------------------------------------------------------------------------------


def village_cadres(village: Place) -> list[User]:
    """The accounts holding a secretary's or committee member's grant in the village now."""
    return list(
        User.objects.filter(
            grants__place=village,
            grants__role__in=VILLAGE_CADRE_ROLES,
            grants__revoked_at__isnull=True,
            is_active=True,
        )
        .distinct()
        .order_by("name", "pk")
    )


def create_task(
    *,
    actor: Actor,
    matter: Matter,
    text: str,
    assignees: Sequence[User],
    due_on: date,
    now: datetime | None = None,
) -> Task:
    """The committee turns a matter into a task for named cadres, due on a day."""
    if not permissions.can_hand_out_task(actor, matter):
        raise PermissionDenied(_("Only the village committee hands out tasks."))
    text = _text(text, limit=300, missing=_("Say what is to be done."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    if due_on < today:
        raise ValidationError(_("The due date cannot be in the past."))
    if due_on > today + timedelta(days=MAX_DUE_DAYS):
        raise ValidationError(_("The due date must be within a year."))
    if not assignees:
        raise ValidationError(_("Name at least one cadre in charge."))
    cadres = {user.pk for user in village_cadres(matter.village)}
    if any(user.pk not in cadres for user in assignees):
        raise ValidationError(_("Tasks go only to the secretary and committee members."))
    taken = ValidationError(_("This matter has a task already."))
    if Task.objects.filter(matter=matter).exists():
        raise taken
    with transaction.atomic():
        try:
            with transaction.atomic():
                task = Task.objects.create(
                    matter=matter,
                    village=matter.village,
                    text=text,
                    due_on=due_on,
                    created_by=actor.user,
                    created_at=now,
                )
        except IntegrityError as error:
            raise taken from error
        task.assignees.set(assignees)
        record_event(
            actor=actor,
            action="talk.task_created",
            obj=task,
            village=matter.village,
            after={
                "matter": matter.pk,
                "due_on": due_on.isoformat(),
                "assignees": sorted(user.pk for user in assignees),
            },
        )
        return task


def post_progress(
    *,
    actor: Actor,
    task: Task,
    text: str,
    photos: Sequence[UploadedFile] = (),
    idempotency_key: str,
    now: datetime | None = None,
) -> Progress:
    """The cadres in charge (or any cadre) say what was done, with up to six photos."""
    if not permissions.can_work_on(actor, task):
        raise PermissionDenied(_("Only the cadres of the village post progress."))
    if task.is_done:
        raise ValidationError(_("This task is done; no more progress is posted."))
    text = _text(text, limit=500, missing=_("Say what was done."))
    prepared = _photos(photos)
    request = {"op": "progress", "task": task.pk, "text": text, "photos": _upload_key(photos)}
    with transaction.atomic():
        earlier = claim(
            user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
        )
        if earlier is not None:
            return Progress.objects.get(pk=earlier.result["progress"])
        progress = Progress.objects.create(
            task=task, author=actor.user, text=text, posted_at=now or timezone.now()
        )
        for content, width, height in prepared:
            ProgressPhoto.objects.create(
                progress=progress, image=content, width=width, height=height
            )
        record_event(
            actor=actor,
            action="talk.progress",
            obj=progress,
            village=task.village,
            after={"task": task.pk, "photos": len(prepared)},
        )
        remember(user=actor.user, key=idempotency_key, result={"progress": progress.pk})
        return progress


def mark_done(*, actor: Actor, task: Task, now: datetime | None = None) -> Task:
    """A cadre in charge (or any cadre) marks the task done; the raiser is asked to rate it."""
    if not permissions.can_work_on(actor, task):
        raise PermissionDenied(_("Only the cadres of the village mark tasks done."))
    now = now or timezone.now()
    with transaction.atomic():
        done = Task.objects.filter(pk=task.pk, done_at__isnull=True).update(
            done_at=now, done_by=actor.user
        )
        if not done:
            raise ValidationError(_("This task is done already."))
        task.done_at, task.done_by = now, actor.user
        matter = task.matter
        record_event(
            actor=actor,
            action="talk.task_done",
            obj=task,
            village=task.village,
            before={"done": False},
            after={"done": True, "due_on": task.due_on.isoformat()},
        )
        notify(
            users=[matter.raised_by],
            kind=Notification.Kind.TASK_DONE,
            text=_("“%(title)s” is done. Please rate the work.") % {"title": matter.title},
            url=matter_url(matter),
            now=now,
        )
        return task


# Evaluate ------------------------------------------------------------------------------------


def rating_closes_on(task: Task) -> date | None:
    """The last day ratings are taken, or None while the task is not done."""
    if task.done_at is None:
        return None
    return timezone.localdate(task.done_at) + timedelta(days=RATING_WINDOW_DAYS)


def is_rating_open(task: Task, now: datetime) -> bool:
    closes_on = rating_closes_on(task)
    return closes_on is not None and timezone.localdate(now) <= closes_on


def rate(
    *, actor: Actor, task: Task, stars: int, comment: str, now: datetime | None = None
) -> Rating:
    """The raiser and the village's villagers rate a done task, 1 to 5 stars, with a comment,
    once each, within the rating window."""
    if not permissions.may_rate(actor, task):
        raise PermissionDenied(_("Only the raiser and the villagers of the village rate tasks."))
    now = now or timezone.now()
    if not task.is_done:
        raise ValidationError(_("A task is rated once it is done."))
    if not is_rating_open(task, now):
        raise ValidationError(
            _("Ratings closed on %(day)s, %(days)d days after the task was done.")
            % {"day": rating_closes_on(task), "days": RATING_WINDOW_DAYS}
        )
    if not 1 <= stars <= 5:
        raise ValidationError(_("Give 1 to 5 stars."))
    comment = _text(comment, limit=300, missing=_("Say a word about the work."))
    already = ValidationError(_("You have rated this task already."))
    if Rating.objects.filter(task=task, user=actor.user).exists():
        raise already
    with transaction.atomic():
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    task=task, user=actor.user, stars=stars, comment=comment, rated_at=now
                )
        except IntegrityError as error:
            raise already from error
        record_event(
            actor=actor,
            action="talk.rated",
            obj=rating,
            village=task.village,
            after={"task": task.pk, "stars": stars},
        )
        return rating
