"""The demo's disclosure (issue 6): being written; the disclosure helper replaces this module."""

from __future__ import annotations

import random
from datetime import date

from jifen.places.models import Place


def add_disclosure(county: Place, *, rng: random.Random, end: date) -> None:
    """Fill the demo county with disclosure up to ``end``."""
