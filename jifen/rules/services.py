"""Changes to rulebooks: publishing templates, copying, drafting, editing drafts, adopting.

An adopted version is never changed again: records point at its items. Every change happens in
a draft, and a draft becomes the rulebook in force only through ``adopt_version``. All writes
to one rulebook are serialised by locking its ``Rulebook`` row first.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.audit.services import record_event, snapshot
from jifen.core import generations
from jifen.places.models import Place
from jifen.rules import permissions
from jifen.rules.catalogue import Catalogue
from jifen.rules.models import (
    Category,
    Item,
    Rulebook,
    RulebookVersion,
    StarBand,
    VillageSettings,
)
from jifen.votes.models import Vote

ITEM_FIELDS = [
    "code",
    "category",
    "title",
    "points",
    "unit",
    "scope",
    "cap_points",
    "cap_period",
    "evidence_required",
    "self_declarable",
    "sensitive",
    "kind",
]
SETTINGS_FIELDS = ["notice_days", "score_visibility", "separate_cadre_pool", "separate_absent_pool"]
MAX_POINT_VALUE_FEN = 1_000_000  # 10000 yuan
MAX_BUDGET_FEN = 10_000_000_000  # 100 million yuan
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,11}$")
MAX_POINTS = 1000
MAX_STARS = 5


# Locks ---------------------------------------------------------------------------------------


def _lock_rulebook(rulebook_id: int) -> Rulebook:
    """Lock one rulebook; every change to its versions, items or bands takes this lock first.

    A no-op on SQLite, where the transaction is IMMEDIATE and so already holds the write lock.
    """
    return Rulebook.objects.select_for_update().select_related("owner").get(pk=rulebook_id)


def _locked_draft(version: RulebookVersion) -> RulebookVersion:
    """The version, read again under its rulebook's lock, if it is still a draft."""
    _lock_rulebook(version.rulebook_id)
    current = RulebookVersion.objects.select_related("rulebook__owner").get(pk=version.pk)
    if current.status != RulebookVersion.Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be changed. An adopted version stays as it was adopted.")
        )
    _refuse_while_put_to_vote(current)
    return current


# Helpers -------------------------------------------------------------------------------------


def _village_of(version: RulebookVersion) -> Place | None:
    """The village a version belongs to, for the audit trail; None for a template."""
    return None if version.rulebook.is_template else version.rulebook.owner


def _refuse_while_put_to_vote(version: RulebookVersion) -> None:
    """A draft carried by a vote that has not closed is what the villagers are voting on."""
    if Vote.objects.filter(
        rule_change=version, status__in=[Vote.Status.SCHEDULED, Vote.Status.OPEN]
    ).exists():
        raise ValidationError(
            _(
                "This draft is being put to a vote: it cannot be changed or discarded until "
                "the vote closes."
            )
        )


def _check_may_edit(actor: Actor | None, version: RulebookVersion) -> None:
    if actor is None:
        return
    if version.rulebook.is_template or not permissions.can_edit_rulebook(
        actor, version.rulebook.owner
    ):
        raise PermissionDenied(_("You may not change this rulebook."))


def _next_number(rulebook: Rulebook) -> int:
    highest = rulebook.versions.aggregate(highest=Max("number"))["highest"]
    return (highest or 0) + 1


def _refuse_second_draft(rulebook: Rulebook) -> None:
    if rulebook.versions.filter(status=RulebookVersion.Status.DRAFT).exists():
        raise ValidationError(
            _("This rulebook already has a draft. Adopt it or discard it before starting another.")
        )


def _put_in_force(
    *,
    actor: Actor | None,
    version: RulebookVersion,
    meeting: str,
    adopted_on: date,
    vote_result: str,
) -> RulebookVersion | None:
    """Supersede the version in force, then adopt ``version``. Returns the superseded one."""
    previous = RulebookVersion.objects.filter(
        rulebook_id=version.rulebook_id, status=RulebookVersion.Status.ADOPTED
    ).first()
    if previous is not None:
        # First: the database allows one adopted version per rulebook at every moment.
        previous.status = RulebookVersion.Status.SUPERSEDED
        previous.save(update_fields=["status"])
    village = _village_of(version)
    if village is not None:
        generations.move_on([village.pk])  # its star bands
    version.status = RulebookVersion.Status.ADOPTED
    version.meeting = meeting
    version.adopted_on = adopted_on
    version.vote_result = vote_result
    version.adopted_by = actor.user if actor else None
    version.in_force_from = timezone.now()
    version.save(
        update_fields=[
            "status",
            "meeting",
            "adopted_on",
            "vote_result",
            "adopted_by",
            "in_force_from",
        ]
    )
    return previous


def _copy_contents(source: RulebookVersion, target: RulebookVersion) -> None:
    """Copy categories, items (same codes) and star bands; a few queries, whatever the size."""
    sources = list(Category.objects.filter(version=source).order_by("position", "id"))
    copies = Category.objects.bulk_create(
        [Category(version=target, title=c.title, position=c.position) for c in sources]
    )
    category_ids = {old.pk: new.pk for old, new in zip(sources, copies, strict=True)}
    Item.objects.bulk_create(
        [
            Item(
                version=target,
                category_id=category_ids[item.category_id],
                position=item.position,
                **{name: getattr(item, name) for name in ITEM_FIELDS if name != "category"},
            )
            for item in Item.objects.filter(version=source).order_by("position", "id")
        ]
    )
    StarBand.objects.bulk_create(
        [
            StarBand(version=target, stars=band.stars, min_score=band.min_score)
            for band in StarBand.objects.filter(version=source)
        ]
    )


# Validation ----------------------------------------------------------------------------------


def _clean_item(
    *,
    code: str,
    title: str,
    points: int,
    unit: str,
    scope: str,
    cap_points: int | None,
    cap_period: str,
    self_declarable: bool,
    kind: str,
) -> dict[str, Any]:
    """The normalised values of an item, or a ValidationError naming the first problem."""
    code = code.strip().upper()
    title = " ".join(title.split())
    if not CODE_PATTERN.match(code):
        raise ValidationError(
            _("A code is a capital letter followed by up to 11 letters or digits, e.g. A01.")
        )
    if not title or len(title) > 120:
        raise ValidationError(_("Give the item a title of at most 120 characters."))
    if unit not in Item.Unit.values:
        raise ValidationError(_("Choose a unit."))
    if scope not in Item.Scope.values:
        raise ValidationError(_("Choose whom the item scores."))
    if kind not in Item.Kind.values:
        raise ValidationError(_("Choose a kind of item."))
    if abs(points) > MAX_POINTS:
        raise ValidationError(
            _("Points must be between −%(max)s and %(max)s.") % {"max": MAX_POINTS}
        )
    if kind == Item.Kind.VETO:
        if points > 0:
            raise ValidationError(_("A veto item cannot add points."))
    elif kind in (Item.Kind.BASE, Item.Kind.AWARD):
        if points <= 0:
            raise ValidationError(
                _("A base score or an award adds points: enter a positive number.")
            )
    elif points == 0:
        raise ValidationError(_("Points cannot be 0; only a veto item scores nothing."))
    if (cap_points is None) != (cap_period == ""):
        raise ValidationError(_("A cap needs both its points and its period."))
    if cap_points is not None:
        if cap_period not in Item.Period.values:
            raise ValidationError(_("Choose the period of the cap."))
        if points < 0:
            raise ValidationError(_("A cap limits points added; a deduction has no cap."))
        if cap_points < points:
            raise ValidationError(_("The cap must be at least the points of one occurrence."))
    if self_declarable and (points <= 0 or kind in (Item.Kind.BASE, Item.Kind.VETO)):
        raise ValidationError(
            _("Villagers may declare only deeds that add points; a recorder enters the rest.")
        )
    return {
        "code": code,
        "title": title,
        "points": points,
        "unit": unit,
        "scope": scope,
        "cap_points": cap_points,
        "cap_period": cap_period,
        "self_declarable": self_declarable,
        "kind": kind,
    }


def _clean_bands(bands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    ordered = sorted(bands)
    stars = [band[0] for band in ordered]
    if stars != list(range(1, len(ordered) + 1)) or len(ordered) > MAX_STARS:
        raise ValidationError(_("Star levels run from 1 star up to at most 5, without gaps."))
    scores = [band[1] for band in ordered]
    if any(low >= high for low, high in pairwise(scores)):
        raise ValidationError(_("Each star level needs a higher score than the level below."))
    if scores and scores[0] < 0:
        raise ValidationError(_("The score for 1 star cannot be negative."))
    return ordered


def _clean_adoption(*, meeting: str, adopted_on: date, vote_result: str) -> tuple[str, str]:
    meeting = " ".join(meeting.split())
    vote_result = " ".join(vote_result.split())
    if not meeting or len(meeting) > 120:
        raise ValidationError(_("Name the meeting that adopted the rulebook (120 characters)."))
    if not vote_result or len(vote_result) > 120:
        raise ValidationError(_("Record the result of the vote (120 characters)."))
    if adopted_on > timezone.localdate():
        raise ValidationError(_("The date of adoption cannot be in the future."))
    return meeting, vote_result


# Templates -----------------------------------------------------------------------------------


def publish_template(
    *, actor: Actor | None, owner: Place, title: str, catalogue: Catalogue
) -> RulebookVersion:
    """Publish a catalogue as a template of a county or township, in force at once.

    Publishing again under the same title adds a version and supersedes the previous one;
    villages that copied the earlier version keep it as the ``based_on`` of their copy.
    """
    if owner.kind not in permissions.TEMPLATE_PLACE_KINDS:
        raise ValidationError(_("Only a county or a township publishes templates."))
    if actor is not None and not permissions.can_publish_template(actor, owner):
        raise PermissionDenied(_("You may not publish templates here."))
    title = " ".join(title.split())
    if not title or len(title) > 80:
        raise ValidationError(_("Give the template a title of at most 80 characters."))
    with transaction.atomic():
        rulebook, _created = Rulebook.objects.get_or_create(
            owner=owner, is_template=True, title=title
        )
        rulebook = _lock_rulebook(rulebook.pk)
        version = RulebookVersion.objects.create(rulebook=rulebook, number=_next_number(rulebook))
        items: list[Item] = []
        for position, spec in enumerate(catalogue.categories):
            category = Category.objects.create(version=version, title=spec.title, position=position)
            for item_position, item in enumerate(spec.items):
                values = _clean_item(
                    code=item.code,
                    title=item.title,
                    points=item.points,
                    unit=item.unit,
                    scope=item.scope,
                    cap_points=item.cap_points,
                    cap_period=item.cap_period,
                    self_declarable=item.self_declarable,
                    kind=item.kind,
                )
                items.append(
                    Item(
                        version=version,
                        category=category,
                        position=item_position,
                        evidence_required=item.evidence_required,
                        sensitive=item.sensitive,
                        **values,
                    )
                )
        Item.objects.bulk_create(items)
        bands = _clean_bands(list(catalogue.star_bands))
        StarBand.objects.bulk_create(
            [StarBand(version=version, stars=s, min_score=m) for s, m in bands]
        )
        previous = _put_in_force(
            actor=actor,
            version=version,
            meeting="",
            adopted_on=timezone.localdate(),
            vote_result="",
        )
        record_event(
            actor=actor,
            action="rulebook.publish_template",
            obj=version,
            village=None,
            after={
                "owner": owner.code,
                "title": title,
                "catalogue": catalogue.key,
                "number": version.number,
                "items": catalogue.item_count,
                "superseded": previous.number if previous else None,
            },
        )
    return version


def copy_template(
    *, actor: Actor | None, village: Place, template_version: RulebookVersion
) -> RulebookVersion:
    """Copy a template into a new draft of the village's rulebook (created on first use)."""
    if not village.is_village:
        raise ValidationError(_("Only a village has its own rulebook."))
    if actor is not None and not permissions.can_edit_rulebook(actor, village):
        raise PermissionDenied(_("You may not change this rulebook."))
    template = template_version.rulebook
    if (
        not template.is_template
        or template_version.status != RulebookVersion.Status.ADOPTED
        or not template.owner.contains(village)
    ):
        raise ValidationError(_("This template is not offered to this village."))
    with transaction.atomic():
        rulebook, _created = Rulebook.objects.get_or_create(
            owner=village,
            is_template=False,
            # A document title, in the language of the village's own rules.
            defaults={"title": f"{village.name}积分细则"},
        )
        rulebook = _lock_rulebook(rulebook.pk)
        _refuse_second_draft(rulebook)
        draft = RulebookVersion.objects.create(
            rulebook=rulebook, number=_next_number(rulebook), based_on=template_version
        )
        _copy_contents(template_version, draft)
        record_event(
            actor=actor,
            action="rulebook.copy_template",
            obj=draft,
            village=village,
            after={
                "number": draft.number,
                "template": template.title,
                "template_version": template_version.number,
            },
        )
    return draft


# Village versions ----------------------------------------------------------------------------


def draft_new_version(*, actor: Actor | None, village: Place) -> RulebookVersion:
    """A draft copy of the version in force, to revise. One draft at a time."""
    if actor is not None and not permissions.can_edit_rulebook(actor, village):
        raise PermissionDenied(_("You may not change this rulebook."))
    rulebook = Rulebook.objects.filter(owner=village, is_template=False).first()
    if rulebook is None:
        raise ValidationError(_("This village has no rulebook in force yet; copy a template."))
    with transaction.atomic():
        rulebook = _lock_rulebook(rulebook.pk)
        in_force = rulebook.versions.filter(status=RulebookVersion.Status.ADOPTED).first()
        if in_force is None:
            raise ValidationError(
                _("This village has no rulebook in force yet; adopt the draft first.")
            )
        _refuse_second_draft(rulebook)
        draft = RulebookVersion.objects.create(
            rulebook=rulebook, number=_next_number(rulebook), based_on=in_force
        )
        _copy_contents(in_force, draft)
        record_event(
            actor=actor,
            action="rulebook.draft",
            obj=draft,
            village=village,
            after={"number": draft.number, "based_on": in_force.number},
        )
    return draft


def discard_draft(*, actor: Actor | None, version: RulebookVersion) -> None:
    """Delete a draft and everything in it. Nothing refers to a draft's items."""
    _check_may_edit(actor, version)
    with transaction.atomic():
        version = _locked_draft(version)
        record_event(
            actor=actor,
            action="rulebook.discard_draft",
            obj=version,
            village=_village_of(version),
            before={"number": version.number, "items": version.items.count()},
        )
        # Categories, items and star bands go with it (CASCADE).
        version.delete()


def adopt_version(
    *,
    actor: Actor | None,
    version: RulebookVersion,
    meeting: str,
    adopted_on: date,
    vote_result: str,
) -> RulebookVersion:
    """Put a draft in force as the meeting voted it; the version in force is superseded.

    The single way a village's rulebook changes what it scores.
    """
    if version.rulebook.is_template:
        raise ValidationError(_("A template is published, not adopted."))
    village = version.rulebook.owner
    if actor is not None and not permissions.can_adopt_rulebook(actor, village):
        raise PermissionDenied(_("You may not adopt this rulebook."))
    meeting, vote_result = _clean_adoption(
        meeting=meeting, adopted_on=adopted_on, vote_result=vote_result
    )
    with transaction.atomic():
        version = _locked_draft(version)
        if not version.items.exists():
            raise ValidationError(_("A rulebook without items cannot be adopted."))
        previous = _put_in_force(
            actor=actor,
            version=version,
            meeting=meeting,
            adopted_on=adopted_on,
            vote_result=vote_result,
        )
        record_event(
            actor=actor,
            action="rulebook.adopt",
            obj=version,
            village=village,
            after={
                "number": version.number,
                "meeting": meeting,
                "adopted_on": adopted_on.isoformat(),
                "vote_result": vote_result,
                "superseded": previous.number if previous else None,
            },
        )
    return version


# Drafts: categories, items, star bands ------------------------------------------------------


def add_category(*, actor: Actor | None, version: RulebookVersion, title: str) -> Category:
    _check_may_edit(actor, version)
    title = " ".join(title.split())
    if not title or len(title) > 60:
        raise ValidationError(_("Give the category a title of at most 60 characters."))
    with transaction.atomic():
        version = _locked_draft(version)
        highest = version.categories.aggregate(highest=Max("position"))["highest"]
        category = Category.objects.create(
            version=version, title=title, position=0 if highest is None else highest + 1
        )
        record_event(
            actor=actor,
            action="rulebook.category_add",
            obj=category,
            village=_village_of(version),
            after={"version": version.number, "title": title},
        )
    return category


def save_item(
    *,
    actor: Actor | None,
    version: RulebookVersion,
    code: str,
    category: Category,
    title: str,
    points: int,
    unit: str,
    scope: str,
    cap_points: int | None,
    cap_period: str,
    evidence_required: bool,
    self_declarable: bool,
    sensitive: bool,
    kind: str,
    item: Item | None = None,
) -> Item:
    """Add an item to a draft, or change one of its items (``item``)."""
    _check_may_edit(actor, version)
    values = _clean_item(
        code=code,
        title=title,
        points=points,
        unit=unit,
        scope=scope,
        cap_points=cap_points,
        cap_period=cap_period,
        self_declarable=self_declarable,
        kind=kind,
    )
    with transaction.atomic():
        version = _locked_draft(version)
        if category.version_id != version.pk or (
            item is not None and item.version_id != version.pk
        ):
            raise ValidationError(_("This category or item belongs to another version."))
        same_code = Item.objects.filter(version=version, code=values["code"])
        if item is not None:
            same_code = same_code.exclude(pk=item.pk)
        if same_code.exists():
            raise ValidationError(
                _("Another item of this version has the code %(code)s.") % {"code": values["code"]}
            )
        if item is None:
            item = Item(version=version)
            before = None
        else:
            item = Item.objects.select_for_update().get(pk=item.pk)
            before = snapshot(item, ITEM_FIELDS)
        if item.pk is None or item.category_id != category.pk:
            highest = category.items.aggregate(highest=Max("position"))["highest"]
            item.position = 0 if highest is None else highest + 1
        item.category = category
        item.evidence_required = evidence_required
        item.sensitive = sensitive
        for name, value in values.items():
            setattr(item, name, value)
        item.save()
        record_event(
            actor=actor,
            action="rulebook.item_add" if before is None else "rulebook.item_change",
            obj=item,
            village=_village_of(version),
            before=before,
            after=snapshot(item, ITEM_FIELDS),
        )
    return item


def remove_item(*, actor: Actor | None, item: Item) -> None:
    """Take an item out of a draft. Versions in force keep theirs."""
    version = item.version
    _check_may_edit(actor, version)
    with transaction.atomic():
        version = _locked_draft(version)
        item = Item.objects.get(pk=item.pk, version=version)
        record_event(
            actor=actor,
            action="rulebook.item_remove",
            obj=item,
            village=_village_of(version),
            before=snapshot(item, ITEM_FIELDS),
        )
        item.delete()


def save_star_bands(
    *, actor: Actor | None, version: RulebookVersion, bands: list[tuple[int, int]]
) -> list[StarBand]:
    """Replace a draft's star levels: ``(stars, min_score)``, 1 star upwards, scores rising."""
    _check_may_edit(actor, version)
    ordered = _clean_bands(bands)
    with transaction.atomic():
        version = _locked_draft(version)
        before = list(version.star_bands.order_by("stars").values_list("stars", "min_score"))
        version.star_bands.all().delete()
        saved = StarBand.objects.bulk_create(
            [StarBand(version=version, stars=s, min_score=m) for s, m in ordered]
        )
        record_event(
            actor=actor,
            action="rulebook.star_bands",
            obj=version,
            village=_village_of(version),
            before={"bands": [list(band) for band in before]},
            after={"bands": [list(band) for band in ordered]},
        )
    return saved


# Village settings ----------------------------------------------------------------------------


def update_village_settings(
    *,
    actor: Actor | None,
    village: Place,
    notice_days: int,
    score_visibility: str,
    separate_cadre_pool: bool,
    separate_absent_pool: bool,
    redemption_deducts: bool | None = None,
    cadres_may_redeem: bool | None = None,
    exchange_schedule: str | None = None,
    exchange_window_days: int | None = None,
    spendable_lapses_at_year_end: bool | None = None,
    point_value_fen: int | None = None,
    supermarket_budget_fen: int | None = None,
    lists_visibility: str | None = None,
) -> VillageSettings:
    """Change a village's points settings. A supermarket or lists setting left as None stays;
    the audit event lists the fields this change set."""
    if not village.is_village:
        raise ValidationError(_("Only a village has points settings."))
    if actor is not None and not permissions.can_change_village_settings(actor, village):
        raise PermissionDenied(_("You may not change this village's settings."))
    if not 1 <= notice_days <= 15:
        raise ValidationError(_("The public notice window is 1 to 15 days."))
    if score_visibility not in VillageSettings.Visibility.values:
        raise ValidationError(_("Choose who may see scores and ranks."))
    if lists_visibility is not None and (
        lists_visibility not in VillageSettings.ListsVisibility.values
    ):
        raise ValidationError(_("Choose who may see the red and black lists."))
    if exchange_schedule is not None and (
        exchange_schedule not in VillageSettings.ExchangeSchedule.values
    ):
        raise ValidationError(_("Choose the exchange days."))
    if exchange_window_days is not None and not 1 <= exchange_window_days <= 31:
        raise ValidationError(_("The exchange window is 1 to 31 days."))
    if point_value_fen is not None and not 1 <= point_value_fen <= MAX_POINT_VALUE_FEN:
        raise ValidationError(_("A point is worth 0.01 to 10000 yuan."))
    if supermarket_budget_fen is not None and not 0 <= supermarket_budget_fen <= MAX_BUDGET_FEN:
        raise ValidationError(_("The supermarket budget is 0 to 100000000 yuan."))
    optional = {
        name: value
        for name, value in {
            "redemption_deducts": redemption_deducts,
            "cadres_may_redeem": cadres_may_redeem,
            "exchange_schedule": exchange_schedule,
            "exchange_window_days": exchange_window_days,
            "spendable_lapses_at_year_end": spendable_lapses_at_year_end,
            "point_value_fen": point_value_fen,
            "supermarket_budget_fen": supermarket_budget_fen,
            "lists_visibility": lists_visibility,
        }.items()
        if value is not None
    }
    fields = [*SETTINGS_FIELDS, *optional]
    with transaction.atomic():
        # A village that never saved its settings ran on the defaults: those are "before".
        settings, _created = VillageSettings.objects.select_for_update().get_or_create(
            village=village
        )
        before = snapshot(settings, fields)
        settings.notice_days = notice_days
        settings.score_visibility = score_visibility
        settings.separate_cadre_pool = separate_cadre_pool
        settings.separate_absent_pool = separate_absent_pool
        for name, value in optional.items():
            setattr(settings, name, value)
        settings.save()
        generations.move_on([village.pk])
        record_event(
            actor=actor,
            action="rulebook.settings",
            obj=settings,
            village=village,
            before=before,
            after=snapshot(settings, fields),
        )
    return settings
