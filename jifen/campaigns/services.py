"""Campaigns and their inspections; red and black boards: drafted from candidates, edited and
confirmed by the village committee, withdrawn entry by entry; expired entries told once.

Each write runs in its own transaction with its audit event; households are told through
``jifen.notify.services.notify`` inside that transaction (the SMS goes out after commit).
A board row is locked before any change to it or its entries, so an edit cannot slip in after
the confirmation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.accounts.models import HOUSEHOLD_ROLES, User
from jifen.audit.services import record_event
from jifen.campaigns import permissions, selectors
from jifen.campaigns.models import Board, Campaign, CampaignItem, Entry, Inspection, Round
from jifen.core.idempotency import claim, fingerprint, remember
from jifen.notify.models import Notification
from jifen.notify.services import notify
from jifen.places.models import Household, Place, Resident

MAX_ITEMS = 10
MAX_ROUNDS = 6
# A black-list entry expires this many days after its remedy date unless the committee says.
DEFAULT_EXPIRY_DAYS = 30
LONGEST_CAMPAIGN_DAYS = 366


def _text(value: str, *, limit: int, missing: str = "") -> str:
    value = value.strip()
    if missing and not value:
        raise ValidationError(missing)
    if len(value) > limit:
        raise ValidationError(
            _("Keep it to %(limit)d characters; this has %(length)d.")
            % {"limit": limit, "length": len(value)}
        )
    return value


def split_rounds(starts_on: date, ends_on: date, count: int) -> list[tuple[date, date]]:
    """``count`` rounds one after another covering the campaign's days as evenly as possible."""
    days = (ends_on - starts_on).days + 1
    if not 1 <= count <= min(MAX_ROUNDS, days):
        raise ValidationError(
            _("A campaign has 1 to %(most)d rounds, at most one a day.") % {"most": MAX_ROUNDS}
        )
    bounds = [starts_on + timedelta(days=days * n // count) for n in range(count + 1)]
    return [(bounds[n], bounds[n + 1] - timedelta(days=1)) for n in range(count)]


# Campaigns ---------------------------------------------------------------------------------


def create_campaign(
    *,
    actor: Actor,
    village: Place,
    title: str,
    description: str,
    starts_on: date,
    ends_on: date,
    items: Sequence[str],
    rounds: Sequence[tuple[date, date]],
    idempotency_key: str,
    now: datetime | None = None,
) -> Campaign:
    """A cadre starts a campaign with its checklist and its inspection rounds."""
    if not permissions.can_manage_campaigns(actor, village):
        raise PermissionDenied(_("Only the village committee starts campaigns."))
    title = _text(title, limit=60, missing=_("Give the campaign a title."))
    description = _text(description, limit=500)
    items = [_text(item, limit=60) for item in items if item.strip()]
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ValidationError(_("List 1 to 10 checklist items, one a line."))
    if len(set(items)) != len(items):
        raise ValidationError(_("Each checklist item is listed once."))
    if ends_on < starts_on or (ends_on - starts_on).days >= LONGEST_CAMPAIGN_DAYS:
        raise ValidationError(_("A campaign ends on or after its first day, within a year."))
    if not 1 <= len(rounds) <= MAX_ROUNDS:
        raise ValidationError(
            _("A campaign has 1 to %(most)d rounds, at most one a day.") % {"most": MAX_ROUNDS}
        )
    previous_end: date | None = None
    for first, last in rounds:
        inside = starts_on <= first <= last <= ends_on
        if not inside or (previous_end is not None and first <= previous_end):
            raise ValidationError(_("Rounds follow one another within the campaign's dates."))
        previous_end = last
    request = {
        "op": "create_campaign",
        "village": village.pk,
        "title": title,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "items": items,
        "rounds": [[first.isoformat(), last.isoformat()] for first, last in rounds],
    }
    with transaction.atomic():
        earlier = claim(
            user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
        )
        if earlier is not None:
            return Campaign.objects.get(pk=earlier.result["campaign"])
        campaign = Campaign.objects.create(
            village=village,
            title=title,
            description=description,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor.user,
            created_at=now or timezone.now(),
        )
        CampaignItem.objects.bulk_create(
            CampaignItem(campaign=campaign, position=n, title=item)
            for n, item in enumerate(items, start=1)
        )
        Round.objects.bulk_create(
            Round(campaign=campaign, number=n, starts_on=first, ends_on=last)
            for n, (first, last) in enumerate(rounds, start=1)
        )
        record_event(
            actor=actor,
            action="campaign.created",
            obj=campaign,
            village=village,
            after={name: value for name, value in request.items() if name != "op"},
        )
        remember(user=actor.user, key=idempotency_key, result={"campaign": campaign.pk})
        return campaign


def inspect(
    *,
    actor: Actor,
    round_: Round,
    household: Household,
    passed: bool,
    failed_items: Collection[CampaignItem] = (),
    note: str = "",
    now: datetime | None = None,
) -> Inspection:
    """A grid member (their grid) or a cadre (any household) passes or fails a household in an
    open round. Inspecting it again in the same round replaces the result."""
    now = now or timezone.now()
    campaign = round_.campaign
    if not permissions.can_inspect(actor, round_, household):
        raise PermissionDenied(_("You inspect only the households of your own grid."))
    today = timezone.localdate(now)
    if not round_.is_open_on(today):
        raise ValidationError(
            _("Round %(number)d is open from %(first)s to %(last)s.")
            % {"number": round_.number, "first": round_.starts_on, "last": round_.ends_on}
        )
    note = _text(note, limit=200)
    if any(item.campaign_id != campaign.pk for item in failed_items):
        raise ValidationError(_("That item belongs to another campaign."))
    if passed and failed_items:
        raise ValidationError(_("A household that passed has no failed items."))
    if not passed and not failed_items:
        raise ValidationError(_("Tick the items the household failed."))
    with transaction.atomic():
        # An upsert on the (round, household) unique constraint: two inspectors saving the same
        # household at once both succeed, the later result replacing the earlier one.
        inspection, created = Inspection.objects.select_for_update().get_or_create(
            round=round_,
            household=household,
            defaults={
                "village": campaign.village,
                "passed": passed,
                "inspector": actor.user,
                "inspected_at": now,
                "note": note,
            },
        )
        before = None
        if created:
            if failed_items:
                inspection.failed_items.add(*failed_items)
        else:
            before = {
                "passed": inspection.passed,
                "failed_items": sorted(i.pk for i in inspection.failed_items.all()),
                "note": inspection.note,
            }
            inspection.passed = passed
            inspection.note = note
            inspection.inspector = actor.user
            inspection.inspected_at = now
            inspection.save()
            inspection.failed_items.set(failed_items)
        record_event(
            actor=actor,
            action="campaign.inspected",
            obj=inspection,
            village=campaign.village,
            household=household,
            before=before,
            after={
                "round": round_.pk,
                "passed": passed,
                "failed_items": sorted(i.pk for i in failed_items),
                "note": note,
            },
        )
    return inspection


# Boards ------------------------------------------------------------------------------------


def _lock_draft(board: Board) -> Board:
    locked = Board.objects.select_for_update().get(pk=board.pk)
    if locked.status != Board.Status.DRAFT:
        raise ValidationError(_("This board is confirmed: it is not changed any more."))
    return locked


def _require_committee(actor: Actor, village: Place) -> None:
    if not permissions.can_edit_boards(actor, village):
        raise PermissionDenied(_("Only the village committee edits the red and black lists."))


def prepare_board(
    *,
    actor: Actor,
    village: Place,
    month: date | None = None,
    campaign: Campaign | None = None,
    now: datetime | None = None,
) -> Board:
    """A draft board for a month (or a campaign), filled with the candidates and why."""
    _require_committee(actor, village)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if (month is None) == (campaign is None):
        raise ValidationError(_("Choose a month or a campaign."))
    if month is not None:
        month = selectors.month_start(month)
        if month > today:
            raise ValidationError(_("A month's board is drawn up once the month has begun."))
        candidates = selectors.month_candidates(village, month)
        kind = Board.Kind.MONTH
    else:
        assert campaign is not None
        if campaign.village_id != village.pk:
            raise ValidationError(_("That campaign belongs to another village."))
        if campaign.starts_on > today:
            raise ValidationError(_("The campaign has not begun."))
        candidates = selectors.campaign_candidates(campaign, today)
        kind = Board.Kind.CAMPAIGN
    try:
        with transaction.atomic():
            board = Board.objects.create(
                village=village,
                kind=kind,
                month=month,
                campaign=campaign,
                created_by=actor.user,
                created_at=now,
            )
            for candidate in candidates:
                entry = Entry.objects.create(
                    board=board,
                    household=candidate.household,
                    colour=candidate.colour,
                    reason=candidate.reason,
                )
                entry.records.set(candidate.records)
                entry.inspections.set(candidate.inspections)
            record_event(
                actor=actor,
                action="lists.drafted",
                obj=board,
                village=village,
                after={
                    "kind": kind,
                    "month": month.isoformat() if month else None,
                    "campaign": campaign.pk if campaign else None,
                    "red": sum(c.colour == Entry.Colour.RED for c in candidates),
                    "black": sum(c.colour == Entry.Colour.BLACK for c in candidates),
                },
            )
    except IntegrityError:
        raise ValidationError(_("There is a board for this already.")) from None
    return board


def add_entry(
    *, actor: Actor, board: Board, household: Household, colour: str, reason: str
) -> Entry:
    """The committee puts a household on the draft board by hand, with its reason."""
    _require_committee(actor, board.village)
    if colour not in Entry.Colour.values:
        raise ValidationError(_("Choose the red list or the black list."))
    if household.village_id != board.village_id:
        raise ValidationError(_("That household belongs to another village."))
    reason = _text(reason, limit=300, missing=_("Say why the household is on the list."))
    with transaction.atomic():
        _lock_draft(board)
        if Entry.objects.filter(board=board, household=household).exists():
            raise ValidationError(_("That household is on this board already."))
        entry = Entry.objects.create(
            board=board, household=household, colour=colour, reason=reason, added_by_hand=True
        )
        record_event(
            actor=actor,
            action="lists.entry_added",
            obj=entry,
            village=board.village,
            household=household,
            after={"colour": colour, "reason": reason},
        )
    return entry


def remove_entry(*, actor: Actor, entry: Entry) -> None:
    board = entry.board
    _require_committee(actor, board.village)
    with transaction.atomic():
        _lock_draft(board)
        record_event(
            actor=actor,
            action="lists.entry_removed",
            obj=entry,
            village=board.village,
            household=entry.household,
            before={"colour": entry.colour, "reason": entry.reason},
        )
        entry.delete()


def update_entry(
    *,
    actor: Actor,
    entry: Entry,
    reason: str,
    remedy: str = "",
    remedy_by: date | None = None,
    expires_on: date | None = None,
    now: datetime | None = None,
) -> Entry:
    """The committee words the reason and, for the black list, what must be put right, by when,
    and when the entry expires (by default 30 days after the remedy date; always after it)."""
    board = entry.board
    _require_committee(actor, board.village)
    reason = _text(reason, limit=300, missing=_("Say why the household is on the list."))
    remedy = _text(remedy, limit=300)
    if entry.is_black:
        if not remedy or remedy_by is None:
            raise ValidationError(_("Say what must be put right and by when."))
        if remedy_by < timezone.localdate(now or timezone.now()):
            raise ValidationError(_("The date to put it right by has passed."))
        if expires_on is None:
            expires_on = remedy_by + timedelta(days=DEFAULT_EXPIRY_DAYS)
        if expires_on <= remedy_by:
            raise ValidationError(_("The entry expires after the date to put it right by."))
    elif remedy or remedy_by or expires_on:
        raise ValidationError(_("A red-list entry has nothing to put right."))
    with transaction.atomic():
        _lock_draft(board)
        fields = ["reason", "remedy", "remedy_by", "expires_on"]
        before = {name: str(getattr(entry, name) or "") for name in fields}
        entry.reason, entry.remedy = reason, remedy
        entry.remedy_by, entry.expires_on = remedy_by, expires_on
        entry.save(update_fields=fields)
        record_event(
            actor=actor,
            action="lists.entry_changed",
            obj=entry,
            village=board.village,
            household=entry.household,
            before=before,
            after={name: str(getattr(entry, name) or "") for name in fields},
        )
    return entry


def discard_board(*, actor: Actor, board: Board) -> None:
    _require_committee(actor, board.village)
    with transaction.atomic():
        locked = _lock_draft(board)
        record_event(actor=actor, action="lists.discarded", obj=locked, village=board.village)
        locked.delete()


def household_accounts(household_ids: Collection[int], village: Place) -> dict[int, list[User]]:
    """Who hears about a household: its head's account, and its members' villager accounts."""
    users = (
        User.objects.filter(is_active=True, resident__household_id__in=household_ids)
        .filter(
            Q(resident__relation=Resident.Relation.HEAD)
            | Q(
                grants__role__in=HOUSEHOLD_ROLES,
                grants__place=village,
                grants__revoked_at__isnull=True,
            )
        )
        .select_related("resident")
        .distinct()
    )
    found: dict[int, list[User]] = defaultdict(list)
    for user in users:
        assert user.resident is not None
        found[user.resident.household_id].append(user)
    return found


def _lists_url(village: Place) -> str:
    return reverse("campaigns_lists", args=[village.code])


def confirm_board(*, actor: Actor, board: Board, now: datetime | None = None) -> Board:
    """The committee confirms the board; every household on it is told. From now on the board
    is never edited: an entry can only be withdrawn, with a reason."""
    _require_committee(actor, board.village)
    now = now or timezone.now()
    village = board.village
    with transaction.atomic():
        locked = _lock_draft(board)
        entries = list(Entry.objects.filter(board=locked).select_related("household"))
        unfinished = [e for e in entries if e.is_black and e.expires_on is None]
        if unfinished:
            raise ValidationError(
                _("Say what must be put right, and by when, for every black-list entry: %(plates)s")
                % {"plates": ", ".join(e.household.door_plate for e in unfinished)}
            )
        locked.status = Board.Status.CONFIRMED
        locked.confirmed_by = actor.user
        locked.confirmed_at = now
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        title = selectors.board_title(locked)
        accounts = household_accounts([e.household_id for e in entries], village)
        url = _lists_url(village)
        for entry in entries:
            notify(
                users=accounts.get(entry.household_id, []),
                kind=Notification.Kind.RESULT,
                text=_entry_message(village, title, entry),
                url=url,
                now=now,
            )
        record_event(
            actor=actor,
            action="lists.confirmed",
            obj=locked,
            village=village,
            after={
                "red": [e.household_id for e in entries if not e.is_black],
                "black": [e.household_id for e in entries if e.is_black],
            },
        )
        board.status, board.confirmed_at = locked.status, locked.confirmed_at
        board.confirmed_by = locked.confirmed_by
    return locked


def _entry_message(village: Place, title: str, entry: Entry) -> str:
    if entry.is_black:
        return _(
            "%(village)s %(title)s: your household is on the black list: %(reason)s. "
            "Put right: %(remedy)s, by %(remedy_by)s. The entry expires after %(expires_on)s."
        ) % {
            "village": village.name,
            "title": title,
            "reason": entry.reason,
            "remedy": entry.remedy,
            "remedy_by": entry.remedy_by,
            "expires_on": entry.expires_on,
        }
    return _("%(village)s %(title)s: your household is honoured on the red list: %(reason)s.") % {
        "village": village.name,
        "title": title,
        "reason": entry.reason,
    }


def withdraw_entry(
    *, actor: Actor, entry: Entry, reason: str, now: datetime | None = None
) -> Entry:
    """Take one entry off a confirmed board, with a reason (audited); the household is told."""
    board = entry.board
    _require_committee(actor, board.village)
    reason = _text(reason, limit=300, missing=_("Say why the entry is withdrawn."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = Board.objects.select_for_update().get(pk=board.pk)
        if not locked.is_confirmed:
            raise ValidationError(_("A draft's entry is removed, not withdrawn."))
        changed = Entry.objects.filter(pk=entry.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_by=actor.user, withdrawal_reason=reason
        )
        if not changed:
            raise ValidationError(_("This entry was withdrawn already."))
        entry.refresh_from_db()
        record_event(
            actor=actor,
            action="lists.entry_withdrawn",
            obj=entry,
            village=board.village,
            household=entry.household,
            after={"reason": reason},
        )
        notify(
            users=household_accounts([entry.household_id], board.village).get(
                entry.household_id, []
            ),
            kind=Notification.Kind.RESULT,
            text=_("%(village)s %(title)s: the entry of your household was withdrawn: %(reason)s")
            % {
                "village": board.village.name,
                "title": selectors.board_title(locked),
                "reason": reason,
            },
            url=_lists_url(board.village),
            now=now,
        )
    return entry


def tell_expired(*, now: datetime | None = None) -> int:
    """The scheduled job: tell each household once that its black-list entry expired (the day
    after its expiry date); how many entries were told about."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = (
        Entry.objects.filter(
            colour=Entry.Colour.BLACK,
            expiry_told_at__isnull=True,
            expires_on__lt=today,
            withdrawn_at__isnull=True,
            board__status=Board.Status.CONFIRMED,
        )
        .select_related("board__village", "board__campaign", "household")
        .order_by("pk")
    )
    told = 0
    for entry in due:
        with transaction.atomic():
            # Conditional: two runs at once tell the household once.
            if not Entry.objects.filter(pk=entry.pk, expiry_told_at__isnull=True).update(
                expiry_told_at=now
            ):
                continue
            village = entry.board.village
            notify(
                users=household_accounts([entry.household_id], village).get(entry.household_id, []),
                kind=Notification.Kind.RESULT,
                text=_("%(village)s %(title)s: the black-list entry of your household has expired.")
                % {"village": village.name, "title": selectors.board_title(entry.board)},
                url=_lists_url(village),
                now=now,
            )
            record_event(
                actor=None,
                action="lists.entry_expired",
                obj=entry,
                village=village,
                household=entry.household,
            )
            told += 1
    return told
