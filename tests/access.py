"""The body of every role × action table: each cell is allowed or refused, and a refusal
changes nothing (tests/*/test_access_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from django.test import Client

from tests.conftest import World, log_in

Prepare = Callable[[Client, World], Callable[[], Any]]


def check_cell(
    client: Client,
    world: World,
    role: str,
    action: str,
    *,
    actions: Mapping[str, Prepare],
    allowed: Mapping[str, Collection[str]],
    changes: Collection[str],
    fingerprint: Callable[[], object],
) -> None:
    """``role`` attempts ``action``; ``changes`` are the actions that write (and redirect)."""
    # Given a signed-in user acting in `role` at their place, and whatever the action needs
    log_in(client, world.people[role])
    perform = actions[action](client, world)
    before = fingerprint()
    # When they attempt the action
    response = perform()
    # Then the answer is the one in the table; a change is made, a refusal changes nothing
    if role not in allowed[action]:
        assert response.status_code in {403, 404}, f"{role} may not {action}"
        assert fingerprint() == before
    elif action in changes:
        expected = changes[action] if isinstance(changes, Mapping) else 302
        assert response.status_code == expected, f"{role} may {action}"
        assert fingerprint() != before
    else:
        assert response.status_code == 200, f"{role} may {action}"
