"""The one lock of the votes app: a vote's row.

Lock order, the same on every path: the vote's row first, then what hangs off it (a ballot, an
elector, the option counters), then — only at the close of a vote that carries a rule change —
the rulebook (through ``adopt_version``). Creating a vote that carries a draft locks the
draft's rulebook and inserts the vote, which no one else can hold yet.
"""

from __future__ import annotations

from jifen.votes.models import Vote


def lock_vote(pk: int) -> Vote:
    """The vote's row, locked: every ballot, naming, opening and close of one vote takes it
    first, so that a ballot and the close never cross.

    A no-op on SQLite, where the transaction is IMMEDIATE and so already holds the write lock.
    """
    return Vote.objects.select_for_update(of=("self",)).select_related("village").get(pk=pk)
