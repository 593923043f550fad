"""Villagers Talk (村民说事): matters raised by villagers, discussed, handled and rated.

说 · 议 · 办 · 评: a villager raises a matter (say); the village comments and likes, cadres reply,
the committee may put it to a vote (deliberate); the committee turns it into a task for named
cadres, who post progress and mark it done (handle); the raiser and the village rate the result
(evaluate). A matter's stage is derived, never stored: see ``selectors.with_stage``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Place


class Matter(models.Model):
    """Something a villager raises for the village: a repair, a suggestion, a complaint."""

    class Category(models.TextChoices):
        REPAIR = "repair", _("Repair")
        SUGGESTION = "suggestion", _("Suggestion")
        COMPLAINT = "complaint", _("Complaint")
        PROPOSAL = "proposal", _("Proposal")
        # Raised from a disclosure item (jifen.disclosure), linked back to it.
        QUESTION = "question", _("question about a disclosure")

    class Stage(models.TextChoices):
        """Where a matter stands; derived from its replies, votes, task and ratings."""

        RAISED = "raised", _("Waiting for a reply")
        REPLIED = "replied", _("Replied")
        VOTING = "voting", _("Being voted on")
        IN_HAND = "in_hand", _("In hand")
        DONE = "done", _("Done")
        RATED = "rated", _("Rated")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="matters")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="matters"
    )
    title = models.CharField(_("title"), max_length=80)
    text = models.TextField(_("what it is about"), max_length=2000)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    raised_at = models.DateTimeField()
    # The first reply by a cadre: how quickly the village answers is watched.
    first_reply_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["village", "-raised_at"]
        indexes = [models.Index(fields=["village", "-raised_at"], name="matter_village_raised")]
        constraints = [
            models.CheckConstraint(
                name="matter_category_known",
                condition=Q(
                    category__in=["repair", "suggestion", "complaint", "proposal", "question"]
                ),
            ),
            models.CheckConstraint(
                name="matter_reply_after_raised",
                condition=Q(first_reply_at__isnull=True) | Q(first_reply_at__gte=F("raised_at")),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MatterPhoto(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to="talk/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["matter", "id"]

    def __str__(self) -> str:
        return str(self.image.name)


class Comment(models.Model):
    """A comment on a matter, or a reply to one: one level only, so ``parent`` is always a
    top-level comment. A comment by a cadre of the village acting as cadre is an official reply."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The role the author acted in, for the record and for the "village committee" badge.
    author_role = models.CharField(max_length=20)
    is_official = models.BooleanField(default=False)
    text = models.TextField(_("comment"), max_length=1000)
    created_at = models.DateTimeField()
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hidden_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["matter", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="comment_hidden_with_reason",
                condition=Q(hidden_at__isnull=True, hidden_by__isnull=True, hidden_reason="")
                | (Q(hidden_at__isnull=False, hidden_by__isnull=False) & ~Q(hidden_reason="")),
            ),
        ]
        indexes = [
            # A matter's discussion, oldest first.
            models.Index(fields=["matter", "created_at"], name="comment_matter_at"),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CommentReport(models.Model):
    """A villager flags a comment for the committee; once per person and comment."""

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="reports")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("what is wrong with it"), max_length=200, blank=True)
    reported_at = models.DateTimeField()

    class Meta:
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reported_by"], name="comment_report_once_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} · {self.reported_by_id}"


class Like(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    liked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["matter", "user"], name="like_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} ♥ {self.user_id}"


class Task(models.Model):
    """The committee's answer in deeds: named cadres, a due date, progress, done."""

    matter = models.OneToOneField(Matter, on_delete=models.PROTECT, related_name="task")
    # The matter's village, kept here so that a township's overdue tasks are one indexed query.
    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("what is to be done"), max_length=300)
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="talk_tasks", verbose_name=_("cadres in charge")
    )
    due_on = models.DateField(_("due date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="task_done_by_someone",
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
            ),
        ]
        indexes = [
            # Open and overdue tasks of a village (and, by village, of a township).
            models.Index(fields=["village", "done_at", "due_on"], name="task_village_open"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Progress(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="progress")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("what was done"), max_length=500)
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["task", "posted_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class ProgressPhoto(models.Model):
    progress = models.ForeignKey(Progress, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to="talk/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["progress", "id"]

    def __str__(self) -> str:
        return str(self.image.name)


class Rating(models.Model):
    """One to five stars for a done task, with a comment: once per person and task."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.CharField(_("comment"), max_length=300)
    rated_at = models.DateTimeField()

    class Meta:
        ordering = ["task", "rated_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "user"], name="rating_once_per_user"),
            models.CheckConstraint(
                name="rating_stars_1_to_5", condition=Q(stars__gte=1, stars__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} ★{self.stars}"
