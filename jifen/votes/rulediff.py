"""What a draft rulebook changes against the version in force, item by item (by item code).

``diff`` gives a JSON-ready summary, stored on the vote that carries the draft, so that the
vote keeps showing what was put to it even if a draft it failed to adopt is edited later;
``readable`` turns it into rows for the page, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from jifen.rules.models import Item, RulebookVersion, StarBand

COMPARED = [
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


def _items(version: RulebookVersion | None) -> dict[str, dict[str, Any]]:
    if version is None:
        return {}
    rows = Item.objects.filter(version=version).order_by("category__position", "position", "id")
    return {
        item.code: {name: getattr(item, name) for name in COMPARED if name != "category"}
        | {"category": item.category.title}
        for item in rows.select_related("category")
    }


def _bands(version: RulebookVersion | None) -> list[list[int]]:
    if version is None:
        return []
    found = StarBand.objects.filter(version=version).order_by("stars")
    return [[band.stars, band.min_score] for band in found]


def diff(old: RulebookVersion | None, new: RulebookVersion) -> dict[str, Any]:
    """Items added, changed (field by field) and removed from ``old`` to ``new``, and the star
    levels if they changed. ``old`` is None for a village's first rulebook."""
    before, after = _items(old), _items(new)
    added = [{"code": code} | after[code] for code in after if code not in before]
    removed = [{"code": code} | before[code] for code in before if code not in after]
    changed = []
    for code, item in after.items():
        if code not in before:
            continue
        fields = [
            {"field": name, "before": before[code][name], "after": item[name]}
            for name in COMPARED
            if before[code][name] != item[name]
        ]
        if fields:
            changed.append({"code": code, "title": item["title"], "fields": fields})
    bands_before, bands_after = _bands(old), _bands(new)
    return {
        "against": old.number if old is not None else None,
        "version": new.number,
        "added": added,
        "changed": changed,
        "removed": removed,
        "star_bands": {"before": bands_before, "after": bands_after}
        if bands_before != bands_after
        else None,
    }


def in_force_before(version: RulebookVersion) -> RulebookVersion | None:
    """The village's version a draft would replace: the one in force now."""
    return (
        RulebookVersion.objects.filter(
            rulebook_id=version.rulebook_id, status=RulebookVersion.Status.ADOPTED
        )
        .exclude(pk=version.pk)
        .first()
    )


@dataclass(frozen=True)
class Line:
    """One line of the proposal as the page shows it."""

    change: str  # "added", "changed" or "removed"
    code: str
    title: str
    details: list[str]


def _shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field == "points" and isinstance(value, int):
        return f"{value:+d}"
    choices = {
        "unit": Item.Unit,
        "scope": Item.Scope,
        "cap_period": Item.Period,
        "kind": Item.Kind,
    }.get(field)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return str(value)


def _label(field: str) -> str:
    if field == "category":
        return _("category")
    found = Item._meta.get_field(field)
    return str(getattr(found, "verbose_name", field))


def readable(proposal: dict[str, Any]) -> list[Line]:
    """The lines of a stored proposal: added, then changed, then removed items."""
    lines = []
    for item in proposal.get("added", []):
        details = [
            f"{_shown('points', item['points'])} {_shown('unit', item['unit'])}",
            f"{_label('category')}: {item['category']}",
        ]
        if item.get("cap_points") is not None:
            period = _shown("cap_period", item["cap_period"])
            details.append(f"{_label('cap_points')}: {item['cap_points']} / {period}")
        lines.append(Line("added", item["code"], item["title"], details))
    for item in proposal.get("changed", []):
        details = [
            _("%(field)s: %(before)s → %(after)s")
            % {
                "field": _label(change["field"]),
                "before": _shown(change["field"], change["before"]),
                "after": _shown(change["field"], change["after"]),
            }
            for change in item["fields"]
        ]
        lines.append(Line("changed", item["code"], item["title"], details))
    for item in proposal.get("removed", []):
        details = [f"{_shown('points', item['points'])} {_shown('unit', item['unit'])}"]
        lines.append(Line("removed", item["code"], item["title"], details))
    return lines


def star_band_text(bands: list[list[int]]) -> str:
    return "; ".join(f"{'★' * stars} ≥ {score}" for stars, score in bands) or "—"
