"""Reads of Villagers Talk: a matter's stage, the lists, the discussion, and the figures.

Each list is a fixed number of queries, whatever the number of matters. Averages and shares
are Decimals worked out from integer sums and counts: no floats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from jifen.accounts.models import User
from jifen.places.models import Place
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
from jifen.talk.timing import DAY, seconds_between
from jifen.votes.models import Vote

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ReportCount(TypedDict):
    report_count: int


Stage = Matter.Stage


# The stage of a matter -----------------------------------------------------------------------


def open_vote_condition() -> Exists:
    """The condition, on a ``Matter`` queryset, that the matter has a vote open now.

    The one place that says when a matter is being voted on; ``with_stage`` and ``stage_of``
    follow."""
    return Exists(Vote.objects.filter(matter=OuterRef("pk"), status=Vote.Status.OPEN))


def stage_expression() -> Case:
    """A matter's stage, the furthest it has come: rated, done, in hand (a task is open), being
    voted on, replied, or raised and waiting for a reply. The one definition of the stage."""
    task = Task.objects.filter(matter=OuterRef("pk"))
    whens = [
        When(Exists(Rating.objects.filter(task__matter=OuterRef("pk"))), then=Value(Stage.RATED)),
        When(Exists(task.filter(done_at__isnull=False)), then=Value(Stage.DONE)),
        When(Exists(task.filter(done_at__isnull=True)), then=Value(Stage.IN_HAND)),
        When(open_vote_condition(), then=Value(Stage.VOTING)),
        When(first_reply_at__isnull=False, then=Value(Stage.REPLIED)),
    ]
    return Case(*whens, default=Value(Stage.RAISED), output_field=CharField())


def with_stage(matters: QuerySet[Matter]) -> QuerySet[Matter]:
    return matters.annotate(stage=stage_expression())


def stage_of(matter: Matter) -> str:
    """The stage of one matter: its annotation when it was read ``with_stage``, else a query."""
    stage = getattr(matter, "stage", None)
    if stage is None:
        found = Matter.objects.filter(pk=matter.pk).annotate(stage=stage_expression())
        stage = found.values_list("stage", flat=True)[0]
    return str(stage)


def stage_label(stage: str) -> str:
    return str(Stage(stage).label)


# Lists ---------------------------------------------------------------------------------------


def _count(queryset: QuerySet[Any], outer: str) -> Coalesce:
    counts = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def village_matters(village: Place, *, stage: str = "", category: str = "") -> QuerySet[Matter]:
    """The village's matters, newest first, with their stage and counts: one query."""
    matters = (
        Matter.objects.filter(village=village)
        .select_related("raised_by")
        .annotate(
            stage=stage_expression(),
            like_count=_count(Like.objects.all(), "matter"),
            comment_count=_count(Comment.objects.filter(hidden_at__isnull=True), "matter"),
            photo_count=_count(MatterPhoto.objects.all(), "matter"),
        )
    )
    if stage:
        matters = matters.filter(stage=stage)
    if category:
        matters = matters.filter(category=category)
    return matters.order_by("-raised_at", "-pk")


def matter_for_page(pk: int) -> Matter | None:
    return (
        with_stage(Matter.objects.filter(pk=pk))
        .select_related("village__parent", "raised_by")
        .annotate(like_count=_count(Like.objects.all(), "matter"))
        .first()
    )


def matter_photos(matter: Matter) -> list[MatterPhoto]:
    return list(matter.photos.all())


def likes(matter: Matter, user: User) -> bool:
    return Like.objects.filter(matter=matter, user=user).exists()


def thread(matter: Matter) -> list[Comment]:
    """The top-level comments, oldest first, each with its replies prefetched: two queries."""
    replies = Comment.objects.select_related("author").order_by("created_at", "pk")
    comments = list(
        Comment.objects.filter(matter=matter, parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "pk")
    )
    for comment in comments:
        for each in (comment, *comment.replies.all()):
            each.matter = matter  # the permissions read the village through it
    return comments


def reported_by(matter: Matter, user: User) -> set[int]:
    """The comments of a matter this user reported already."""
    return set(
        CommentReport.objects.filter(comment__matter=matter, reported_by=user).values_list(
            "comment_id", flat=True
        )
    )


def task_of(matter: Matter) -> Task | None:
    """The matter's task with its cadres, progress (and photos) and ratings."""
    progress = Progress.objects.select_related("author").prefetch_related(
        Prefetch("photos", queryset=ProgressPhoto.objects.order_by("pk"))
    )
    return (
        Task.objects.filter(matter=matter)
        .select_related("done_by", "created_by")
        .prefetch_related(
            Prefetch("assignees", queryset=User.objects.order_by("name", "pk")),
            Prefetch("progress", queryset=progress.order_by("posted_at", "pk")),
            Prefetch("ratings", queryset=Rating.objects.select_related("user")),
        )
        .first()
    )


def votes_of(matter: Matter) -> list[Any]:
    """HOOK for the votes app: the matter's votes, through ``Vote.matter`` (related name
    "votes") once it exists; none before."""
    related = getattr(matter, "votes", None)
    return list(related.all()) if related is not None else []


def reported_comments(village: Place) -> QuerySet[WithAnnotations[Comment, ReportCount]]:
    """Comments of the village that were reported and are still shown, most reported first."""
    reports = CommentReport.objects.select_related("reported_by").order_by("-reported_at")
    return (
        Comment.objects.filter(matter__village=village, hidden_at__isnull=True)
        .annotate(report_count=Count("reports"))
        .filter(report_count__gt=0)
        .select_related("author", "matter")
        .prefetch_related(Prefetch("reports", queryset=reports))
        .order_by("-report_count", "created_at", "pk")
    )


def reported_count(village: Place) -> int:
    return (
        Comment.objects.filter(matter__village=village, hidden_at__isnull=True)
        .annotate(report_count=Count("reports"))
        .filter(report_count__gt=0)
        .count()
    )


# Figures -------------------------------------------------------------------------------------


def per_cent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("1"), ROUND_HALF_UP)


def median_seconds(values: Iterable[int]) -> int | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) // 2


@dataclass(frozen=True)
class ReplyFigures:
    """How fast the village answers. A matter counts toward the share replied within a day once
    its outcome is known: it was replied to, or it has waited a full day."""

    matters: int = 0
    replied: int = 0
    median: int | None = None  # seconds from raised to first reply, over the replied matters
    within_day: int = 0
    decided: int = 0

    @property
    def share_within_day(self) -> Decimal | None:
        """Per cent, whole."""
        return per_cent(self.within_day, self.decided)


def reply_figures(rows: Iterable[tuple[datetime, datetime | None]], now: datetime) -> ReplyFigures:
    matters = 0
    waits: list[int] = []
    within_day = decided = 0
    for raised_at, first_reply_at in rows:
        matters += 1
        if first_reply_at is not None:
            wait = seconds_between(raised_at, first_reply_at)
            waits.append(wait)
            decided += 1
            within_day += wait <= DAY
        elif seconds_between(raised_at, now) >= DAY:
            decided += 1
    return ReplyFigures(
        matters=matters,
        replied=len(waits),
        median=median_seconds(waits),
        within_day=within_day,
        decided=decided,
    )


@dataclass(frozen=True)
class RatingSummary:
    count: int = 0
    total: int = 0
    tasks: int = 0

    @property
    def average(self) -> Decimal | None:
        """Mean stars to one decimal place, halves rounded up."""
        if not self.count:
            return None
        return (Decimal(self.total) / Decimal(self.count)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def summary_of(ratings: Iterable[Rating]) -> RatingSummary:
    stars = [rating.stars for rating in ratings]
    return RatingSummary(count=len(stars), total=sum(stars), tasks=1 if stars else 0)


@dataclass(frozen=True)
class CadreRatings:
    user_id: int
    name: str
    ratings: RatingSummary


@dataclass(frozen=True)
class OverdueTask:
    task: Task
    days: int


@dataclass(frozen=True)
class VillageFigures:
    replies: ReplyFigures
    ratings: RatingSummary
    open_tasks: int
    overdue: list[OverdueTask]
    cadres: list[CadreRatings] = field(default_factory=list)


def overdue_tasks(tasks: QuerySet[Task], today: date) -> list[OverdueTask]:
    """Tasks not done whose due date has passed, the longest overdue first."""
    found = (
        tasks.filter(done_at__isnull=True, due_on__lt=today)
        .select_related("matter", "village")
        .order_by("due_on", "pk")
    )
    return [OverdueTask(task=task, days=(today - task.due_on).days) for task in found]


def _summary(rows: dict[str, Any]) -> RatingSummary:
    return RatingSummary(
        count=rows["count"] or 0, total=rows["total"] or 0, tasks=rows["tasks"] or 0
    )


def cadre_ratings(village: Place) -> list[CadreRatings]:
    """Per cadre named on rated tasks of the village: every rating of such a task counts for
    each of its cadres. Best average first."""
    rows = (
        Rating.objects.filter(task__village=village)
        .order_by()
        .values("task__assignees", "task__assignees__name")
        .annotate(count=Count("pk"), total=Sum("stars"), tasks=Count("task", distinct=True))
    )
    found = [
        CadreRatings(
            user_id=row["task__assignees"],
            name=row["task__assignees__name"],
            ratings=_summary(row),
        )
        for row in rows
        if row["task__assignees"] is not None
    ]
    return sorted(found, key=lambda cadre: (-(cadre.ratings.average or 0), cadre.name))


def village_figures(village: Place, now: datetime) -> VillageFigures:
    """The village's answer time, ratings, open and overdue tasks, and ratings per cadre."""
    today = timezone.localdate(now)
    replies = reply_figures(
        Matter.objects.filter(village=village).values_list("raised_at", "first_reply_at"), now
    )
    ratings = _summary(
        Rating.objects.filter(task__village=village).aggregate(
            count=Count("pk"), total=Sum("stars"), tasks=Count("task", distinct=True)
        )
    )
    tasks = Task.objects.filter(village=village)
    return VillageFigures(
        replies=replies,
        ratings=ratings,
        open_tasks=tasks.filter(done_at__isnull=True).count(),
        overdue=overdue_tasks(tasks, today),
        cadres=cadre_ratings(village),
    )


@dataclass(frozen=True)
class TownshipRow:
    village: Place
    matters: int
    open_tasks: int
    overdue_tasks: int
    replies: ReplyFigures
    ratings: RatingSummary


def township_figures(township: Place, now: datetime) -> tuple[list[TownshipRow], list[OverdueTask]]:
    """Per village of the township: matters, open and overdue tasks, the median first reply and
    the average rating; and the township's overdue tasks. Four queries, whatever the size."""
    today = timezone.localdate(now)
    open_tasks = Task.objects.filter(done_at__isnull=True)
    ratings = Rating.objects.filter(task__village=OuterRef("pk")).order_by().values("task__village")
    villages = (
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=township.path)
        .annotate(
            matter_count=_count(Matter.objects.all(), "village"),
            open_count=_count(open_tasks, "village"),
            overdue_count=_count(open_tasks.filter(due_on__lt=today), "village"),
            rating_count=_count(Rating.objects.all(), "task__village"),
            rating_total=Coalesce(
                Subquery(
                    ratings.annotate(total=Sum("stars")).values("total"),
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .order_by("code")
    )
    replies: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for village_id, raised_at, first_reply_at in Matter.objects.filter(
        village__path__startswith=township.path
    ).values_list("village_id", "raised_at", "first_reply_at"):
        replies[village_id].append((raised_at, first_reply_at))
    rows = [
        TownshipRow(
            village=village,
            matters=village.matter_count,
            open_tasks=village.open_count,
            overdue_tasks=village.overdue_count,
            replies=reply_figures(replies[village.pk], now),
            ratings=RatingSummary(count=village.rating_count, total=village.rating_total),
        )
        for village in villages
    ]
    overdue = overdue_tasks(Task.objects.filter(village__path__startswith=township.path), today)
    return rows, overdue
