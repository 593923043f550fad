"""The Talk pages: a village's matters, raising one, a matter with its discussion and task,
moderation, tasks and progress, ratings, and the township's overview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.places.models import Place
from jifen.places.permissions import VillagePredicate
from jifen.talk import permissions, selectors, services
from jifen.talk.forms import (
    CommentForm,
    FilterForm,
    HideForm,
    MatterForm,
    ProgressForm,
    RatingForm,
    ReportForm,
    TaskForm,
)
from jifen.talk.models import Comment, Matter, Task

PAGE_SIZE = 20
MatterPredicate = Callable[[Actor, Matter], bool]
TaskPredicate = Callable[[Actor, Task], bool]


def _village_for(actor: Actor, code: str, allowed: VillagePredicate) -> Place:
    village = get_object_or_404(Place.objects.select_related("parent"), code=code)
    if not allowed(actor, village):
        raise PermissionDenied
    return village


def _matter_for(actor: Actor, pk: int, allowed: MatterPredicate) -> Matter:
    matter = selectors.matter_for_page(pk)
    if matter is None:
        raise Http404
    if not permissions.can_view_matter(actor, matter) or not allowed(actor, matter):
        raise PermissionDenied
    return matter


def _task_for(actor: Actor, pk: int, allowed: TaskPredicate) -> Task:
    task = get_object_or_404(
        Task.objects.select_related("matter__village__parent", "matter__raised_by", "village"),
        pk=pk,
    )
    if not permissions.can_view_matter(actor, task.matter) or not allowed(actor, task):
        raise PermissionDenied
    return task


def _comment_for(actor: Actor, pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("matter__village", "author"), pk=pk)
    if not permissions.can_view_matter(actor, comment.matter):
        raise PermissionDenied
    return comment


def _to_matter(matter_pk: int, anchor: str = "") -> HttpResponse:
    url = reverse("talk_matter", args=[matter_pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


# A village's matters -------------------------------------------------------------------------


@login_required
def matters(request: JifenRequest, code: str) -> HttpResponse:
    """The village's matters (by stage and kind), its answer time, ratings and overdue tasks."""
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_view_talk)
    filters = FilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {"stage": "", "category": ""}
    found = selectors.village_matters(village, **chosen)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    can_moderate = permissions.can_moderate(actor, village)
    context = {
        "village": village,
        "page": page,
        "filters": filters,
        "filter_query": urlencode({key: value for key, value in chosen.items() if value}),
        "figures": selectors.village_figures(village, timezone.now()),
        "can_raise": permissions.can_raise(actor, village),
        "can_moderate": can_moderate,
        "reported": selectors.reported_count(village) if can_moderate else 0,
    }
    return render(request, "talk/matters.html", context)


@login_required
def matter_new(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_raise)
    form = MatterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            matter = services.raise_matter(
                actor=actor,
                village=village,
                title=data["title"],
                text=data["text"],
                category=data["category"],
                photos=data["photos"],
                idempotency_key=data["idempotency_key"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(
                request, _("Your matter was raised. The village committee will reply.")
            )
            return _to_matter(matter.pk)
    return render(request, "talk/matter_form.html", {"village": village, "form": form})


# A matter ------------------------------------------------------------------------------------


def _matter_context(actor: Actor, matter: Matter, form: CommentForm) -> dict[str, Any]:
    now = timezone.now()
    user = actor.user
    comments = selectors.thread(matter)
    everyone = [c for top in comments for c in (top, *top.replies.all())]
    reported = selectors.reported_by(matter, user)
    task = selectors.task_of(matter)
    rated = task is not None and any(r.user_id == user.pk for r in task.ratings.all())
    return {
        "matter": matter,
        "village": matter.village,
        "photos": selectors.matter_photos(matter),
        "stage": selectors.stage_of(matter),
        "comments": comments,
        "comment_form": form,
        "liked": selectors.likes(matter, user),
        "reported": reported,
        "reportable": {c.pk for c in everyone if permissions.can_report(actor, c)} - reported,
        "can_comment": permissions.can_comment(actor, matter),
        "can_like": permissions.can_like(actor, matter),
        "can_moderate": permissions.can_moderate(actor, matter.village),
        "can_hand_out_task": task is None and permissions.can_hand_out_task(actor, matter),
        "can_put_to_vote": permissions.can_put_to_vote(actor, matter),
        "task": task,
        "task_ratings": selectors.summary_of(task.ratings.all()) if task else None,
        "can_work_on": task is not None and permissions.can_work_on(actor, task),
        "rating_closes_on": task and services.rating_closes_on(task),
        "rating_open": task is not None and services.is_rating_open(task, now),
        "may_rate": task is not None and not rated and permissions.may_rate(actor, task),
        "votes": selectors.votes_of(matter),
        "today": timezone.localdate(now),
    }


@login_required
def matter(request: JifenRequest, pk: int) -> HttpResponse:
    """The matter, its photos and stage, likes, the discussion, the task and the ratings. A
    comment (or a reply) is posted here, so that a refused one shows its message in place."""
    actor = actor_of(request)
    if request.method == "POST":
        found = _matter_for(actor, pk, permissions.can_comment)
    else:
        found = _matter_for(actor, pk, permissions.can_view_matter)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reply_to = None
        if data["reply_to"]:
            reply_to = Comment.objects.filter(pk=data["reply_to"], matter=found).first()
        try:
            if data["reply_to"] and reply_to is None:
                raise ValidationError(_("That comment belongs to another matter."))
            comment = services.comment_on(
                actor=actor,
                matter=found,
                text=data["text"],
                reply_to=reply_to,
                idempotency_key=data["idempotency_key"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            if comment.is_official:
                messages.success(request, _("Your reply was posted for the village committee."))
            else:
                messages.success(request, _("Your comment was posted."))
            return _to_matter(found.pk, f"comment-{comment.pk}")
    return render(request, "talk/matter.html", _matter_context(actor, found, form))


@require_POST
@login_required
def like(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = _matter_for(actor, pk, permissions.can_like)
    services.set_like(actor=actor, matter=found, liked=request.POST.get("liked") == "1")
    return _to_matter(found.pk, "likes")


@require_POST
@login_required
def report(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    comment = _comment_for(actor, pk)
    if not permissions.takes_part(actor, comment.matter.village):
        raise PermissionDenied
    form = ReportForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Keep the reason to 200 characters."))
        services.report_comment(actor=actor, comment=comment, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("Thank you. The village committee will look at the comment."))
    return _to_matter(comment.matter_id, f"comment-{comment.pk}")


@require_POST
@login_required
def hide(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    comment = _comment_for(actor, pk)
    village = comment.matter.village
    if not permissions.can_moderate(actor, village):
        raise PermissionDenied
    form = HideForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say why the comment is hidden, in up to 200 characters."))
        services.hide_comment(actor=actor, comment=comment, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The comment is hidden. Its author was told why."))
    if request.POST.get("next") == "reports":
        return redirect("talk_reports", code=village.code)
    return _to_matter(comment.matter_id, f"comment-{comment.pk}")


@login_required
def reports(request: JifenRequest, code: str) -> HttpResponse:
    """Reported comments still shown, for the committee to hide or let stand."""
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_moderate)
    context = {"village": village, "comments": list(selectors.reported_comments(village))}
    return render(request, "talk/reports.html", context)


# Tasks and ratings ---------------------------------------------------------------------------


@login_required
def task_new(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = _matter_for(actor, pk, permissions.can_hand_out_task)
    if Task.objects.filter(matter=found).exists():
        messages.error(request, _("This matter has a task already."))
        return _to_matter(found.pk, "task")
    form = TaskForm(request.POST or None, cadres=services.village_cadres(found.village))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_task(
                actor=actor,
                matter=found,
                text=data["text"],
                assignees=list(data["assignees"]),
                due_on=data["due_on"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("The task was handed out."))
            return _to_matter(found.pk, "task")
    return render(request, "talk/task_form.html", {"matter": found, "form": form})


@login_required
def progress(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    task = _task_for(actor, pk, permissions.can_work_on)
    form = ProgressForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.post_progress(
                actor=actor,
                task=task,
                text=data["text"],
                photos=data["photos"],
                idempotency_key=data["idempotency_key"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("The progress was posted."))
            return _to_matter(task.matter_id, "task")
    return render(
        request, "talk/progress_form.html", {"task": task, "matter": task.matter, "form": form}
    )


@require_POST
@login_required
def done(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    task = _task_for(actor, pk, permissions.can_work_on)
    try:
        services.mark_done(actor=actor, task=task)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(
            request, _("The task is done. The villager who raised it is asked to rate it.")
        )
    return _to_matter(task.matter_id, "task")


@login_required
def rate(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    task = _task_for(actor, pk, permissions.may_rate)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate(
                actor=actor,
                task=task,
                stars=form.cleaned_data["stars"],
                comment=form.cleaned_data["comment"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("Thank you for your rating."))
            return _to_matter(task.matter_id, "ratings")
    context = {
        "task": task,
        "matter": task.matter,
        "form": form,
        "rating_open": services.is_rating_open(task, timezone.now()),
        "rating_closes_on": services.rating_closes_on(task),
    }
    return render(request, "talk/rating_form.html", context)


# The township --------------------------------------------------------------------------------


@login_required
def township(request: JifenRequest, code: str) -> HttpResponse:
    """Per village: matters, open and overdue tasks, answer time and ratings; overdue tasks."""
    actor = actor_of(request)
    place = get_object_or_404(Place, code=code, kind=Place.Kind.TOWNSHIP)
    if not permissions.can_view_township_talk(actor, place):
        raise PermissionDenied
    rows, overdue = selectors.township_figures(place, timezone.now())
    return render(
        request, "talk/township.html", {"township": place, "rows": rows, "overdue": overdue}
    )
