"""Red and black list pages: the village's lists (public or not, by its privacy setting), a
board, the committee's editor, confirmation and withdrawal, and the printable PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.campaigns import permissions, selectors, services
from jifen.campaigns.forms import (
    AddEntryForm,
    CampaignBoardForm,
    EntryForm,
    MonthBoardForm,
    WithdrawForm,
)
from jifen.campaigns.models import Board, Campaign, Entry
from jifen.campaigns.pdf import board_pdf
from jifen.campaigns.views import village_for
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.places.models import Household, Place


def _acting(request: JifenRequest) -> Actor | None:
    """The acting role, or None for someone not signed in (or holding no role)."""
    actor = request.actor
    return actor if actor is not None and actor.grant is not None else None


def _refuse(request: JifenRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def _board_for_editing(actor: Actor, pk: int) -> Board:
    board = get_object_or_404(Board.objects.select_related("village", "campaign"), pk=pk)
    if not permissions.can_edit_boards(actor, board.village):
        raise PermissionDenied
    return board


def _entry_for_editing(actor: Actor, pk: int) -> Entry:
    entry = get_object_or_404(
        Entry.objects.select_related("board__village", "board__campaign", "household__head"),
        pk=pk,
    )
    if not permissions.can_edit_boards(actor, entry.board.village):
        raise PermissionDenied
    return entry


def _to_board(board: Board, anchor: str = "") -> HttpResponse:
    response = redirect("campaigns_board", pk=board.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def lists(request: JifenRequest, code: str) -> HttpResponse:
    """The black list now, the latest month's board, and the past boards; drafts for cadres."""
    village = get_object_or_404(Place.objects.select_related("parent"), code=code)
    actor = _acting(request)
    visibility = selectors.lists_visibility(village)
    can_edit = permissions.can_edit_boards(actor, village)
    if not (permissions.can_see_lists(actor, village, visibility) or can_edit):
        return _refuse(request)
    today = timezone.localdate()
    boards = selectors.confirmed_boards(village)
    latest = next((b for b in boards if b.kind == Board.Kind.MONTH), None)
    context: dict[str, Any] = {
        "village": village,
        "black_now": selectors.black_list_now(village, today),
        "latest": latest,
        "latest_red": selectors.split(selectors.board_entries(latest, today))[0] if latest else [],
        "boards": [(board, selectors.board_title(board)) for board in boards],
        "is_public": visibility == "public",
        "can_edit": can_edit,
    }
    if can_edit:
        context |= {
            "drafts": [
                (board, selectors.board_title(board)) for board in selectors.drafts(village)
            ],
            "month_form": MonthBoardForm(initial={"month": today.replace(day=1)}),
            "campaign_form": CampaignBoardForm(
                campaigns=Campaign.objects.filter(village=village, starts_on__lte=today)
            ),
        }
    return render(request, "campaigns/lists.html", context)


@require_POST
@login_required
def board_new(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = village_for(actor, code, permissions.can_edit_boards)
    campaigns = Campaign.objects.filter(village=village)
    if "campaign" in request.POST:
        form: MonthBoardForm | CampaignBoardForm = CampaignBoardForm(
            request.POST, campaigns=campaigns
        )
    else:
        form = MonthBoardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a month or a campaign."))
        return redirect("campaigns_lists", code=code)
    try:
        board = services.prepare_board(
            actor=actor,
            village=village,
            month=form.cleaned_data.get("month"),
            campaign=form.cleaned_data.get("campaign"),
        )
    except ValidationError as error:
        messages.error(request, message_of(error))
        return redirect("campaigns_lists", code=code)
    messages.success(request, _("The draft board was drawn up from the candidates. Check it."))
    return _to_board(board)


def board(request: JifenRequest, pk: int) -> HttpResponse:
    """A confirmed board as the lists show it; a draft, for the committee to edit."""
    found = get_object_or_404(Board.objects.select_related("village__parent", "campaign"), pk=pk)
    actor = _acting(request)
    village = found.village
    if not permissions.can_view_board(actor, found, selectors.lists_visibility(village)):
        return _refuse(request)
    today = timezone.localdate()
    can_edit = permissions.can_edit_boards(actor, village)
    entries = selectors.board_entries(found, today, with_basis=can_edit)
    red, black = selectors.split(entries)
    context: dict[str, Any] = {
        "village": village,
        "board": found,
        "title": selectors.board_title(found),
        "red": red,
        "black": black,
        "can_edit": can_edit and not found.is_confirmed,
        "can_withdraw": can_edit and found.is_confirmed,
    }
    if can_edit:
        context["withdrawn"] = selectors.withdrawn_entries(found)
        if not found.is_confirmed:
            context["add_form"] = AddEntryForm(
                households=Household.objects.filter(village=village)
                .exclude(list_entries__board=found)
                .select_related("head")
                .order_by("door_plate")
            )
        else:
            context["withdraw_form"] = WithdrawForm()
    return render(request, "campaigns/board.html", context)


@require_POST
@login_required
def entry_add(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = _board_for_editing(actor, pk)
    form = AddEntryForm(request.POST, households=Household.objects.filter(village=found.village))
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a household and a list, and say why."))
        services.add_entry(actor=actor, board=found, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The household was added."))
    return _to_board(found, "entries")


@login_required
def entry_edit(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    entry = _entry_for_editing(actor, pk)
    if entry.board.is_confirmed:
        messages.error(request, _("This board is confirmed: it is not changed any more."))
        return _to_board(entry.board)
    initial = {
        "reason": entry.reason,
        "remedy": entry.remedy,
        "remedy_by": entry.remedy_by,
        "expires_on": entry.expires_on,
    }
    form = EntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_entry(actor=actor, entry=entry, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("The entry was saved."))
            return _to_board(entry.board, f"entry-{entry.pk}")
    context = {
        "village": entry.board.village,
        "entry": entry,
        "board": entry.board,
        "title": selectors.board_title(entry.board),
        "name": selectors.household_name(entry.household),
        "form": form,
        "default_expiry_days": services.DEFAULT_EXPIRY_DAYS,
    }
    return render(request, "campaigns/entry_form.html", context)


@require_POST
@login_required
def entry_remove(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    entry = _entry_for_editing(actor, pk)
    try:
        services.remove_entry(actor=actor, entry=entry)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The household was taken off the draft."))
    return _to_board(entry.board, "entries")


@require_POST
@login_required
def entry_withdraw(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    entry = _entry_for_editing(actor, pk)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say why the entry is withdrawn."))
        services.withdraw_entry(actor=actor, entry=entry, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The entry was withdrawn. The household was told."))
    return _to_board(entry.board)


@require_POST
@login_required
def board_confirm(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = _board_for_editing(actor, pk)
    try:
        services.confirm_board(actor=actor, board=found)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The board is confirmed. The households were told."))
    return _to_board(found)


@require_POST
@login_required
def board_discard(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = _board_for_editing(actor, pk)
    try:
        services.discard_board(actor=actor, board=found)
    except ValidationError as error:
        messages.error(request, message_of(error))
        return _to_board(found)
    messages.success(request, _("The draft was discarded."))
    return redirect("campaigns_lists", code=found.village.code)


def board_print(request: JifenRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Board.objects.select_related("village__parent", "campaign"), pk=pk)
    actor = _acting(request)
    if not found.is_confirmed:
        raise Http404("Only a confirmed board is printed.")
    if not permissions.can_view_board(actor, found, selectors.lists_visibility(found.village)):
        return _refuse(request)
    today = timezone.localdate()
    content = board_pdf(
        board=found,
        title=selectors.board_title(found),
        entries=selectors.board_entries(found, today),
        today=today,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="lists-{found.village.code}-{found.pk}.pdf"'
    )
    return response
