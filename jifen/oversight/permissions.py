"""Who may see the dashboards: the township's officers and admins (and the county's admins
above them) for a township; the county's admins for a county."""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.places.models import Place
from jifen.places.permissions import can_view_county, can_view_township


def can_view_dashboard(actor: Actor, place: Place) -> bool:
    if place.kind == Place.Kind.TOWNSHIP:
        return can_view_township(actor, place)
    if place.kind == Place.Kind.COUNTY:
        return can_view_county(actor, place)
    return False
