"""A generation per village, kept in the cache and moved on whenever what the village shows
the public changes: a page kept under an older generation is never served again.

A generation is moved on at once, so that nothing later in the same transaction finds an old
page, and again when the transaction commits, so that a page rendered meanwhile from the data
as it stood before the commit is not kept under the new generation.

``recent`` spares the busiest pages a trip to the cache on every request: a process trusts a
generation it read for ``TRUSTED_SECONDS``, so a change made by another process is seen within
that time; a change made by this process is seen at once.
"""

from __future__ import annotations

import time
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

TRUSTED_SECONDS = 1.0

_read_here: dict[int, tuple[str, float]] = {}  # village id: (generation, when read)


def _key(village_id: int) -> str:
    return f"village-generation:{village_id}"


def generation(village_id: int) -> str:
    """The village's generation; a new one if the cache had none (never set, or evicted).

    An empty string if the cache keeps nothing (the dummy cache): then nothing may be kept.
    """
    found = cache.get(_key(village_id))
    if found is None:
        cache.add(_key(village_id), uuid4().hex, timeout=None)
        found = cache.get(_key(village_id))
    current = str(found or "")
    _read_here[village_id] = (current, time.monotonic())
    return current


def recent(village_id: int) -> str:
    """The village's generation as this process read it less than ``TRUSTED_SECONDS`` ago."""
    read = _read_here.get(village_id)
    if read is not None and time.monotonic() - read[1] < TRUSTED_SECONDS:
        return read[0]
    return generation(village_id)


def move_on(village_ids: set[int] | list[int]) -> None:
    """Call it in the transaction that changes what the villages show the public."""
    ids = set(village_ids)
    if not ids:
        return

    def now() -> None:
        cache.set_many({_key(village_id): uuid4().hex for village_id in ids}, timeout=None)
        for village_id in ids:
            _read_here.pop(village_id, None)

    now()
    transaction.on_commit(now)
