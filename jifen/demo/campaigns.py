"""The demo's campaigns (issue 6): being written; the campaigns helper replaces this module."""

from __future__ import annotations

import random
from datetime import date

from jifen.places.models import Place


def add_campaigns(county: Place, *, rng: random.Random, end: date) -> None:
    """Fill the demo county with campaigns up to ``end``."""
