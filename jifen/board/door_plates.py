"""The door plate, kept rendered for visitors who are not logged in.

The busiest page there is: every scan of a QR code on a plaque. Every visitor who is not
logged in sees the same page, in their language and text size, so it is rendered once and kept
in the cache under the village's generation (see ``jifen.core.generations``): a posting, a new
token, a roster import, a rulebook adopted or the village's settings changed move the
generation on, and the page is rendered afresh. A kept page lives at most ``KEEP_SECONDS``, so
that a change made around those services is shown within that time.

Each web worker also holds the pages it served last, up to ``HELD_HERE``, and checks them
against the generation it read within the last second: the busiest plates then cost no trip to
the cache at all.

The CSRF token of the page's footer forms is each visitor's own: the kept page holds a
placeholder, replaced by the visitor's token on the way out.
"""

from __future__ import annotations

import threading
import time
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

from jifen.core import generations
from jifen.core.context_processors import TEXT_SIZE_COOKIE

TEMPLATE = "board/door_plate.html"
KEEP_SECONDS = 60
KEPT_FORMAT = 1  # in the key: a release that keeps pages in another form does not read these
CSRF_HOLE = "csrf-hole-in-a-kept-door-plate"
CSRF_HOLE_BYTES = CSRF_HOLE.encode()
HELD_HERE = 2_000  # pages, of about 2.5 kB each


class KeptPage(NamedTuple):
    village_id: int
    made_in: str  # the village's generation
    kept_until: float  # time.time()
    page: bytes


_held_here: dict[str, KeptPage] = {}
_holding = threading.Lock()


def may_share(request: HttpRequest) -> bool:
    """Whether the visitor sees what any other visitor would: not logged in, no query
    string (the footer's forms lead back to the full path) and no message waiting."""
    if request.GET:
        return False
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # No session: nobody logged in and no message kept there; perhaps one in a cookie.
        return CookieStorage.cookie_name not in request.COOKIES
    return not request.user.is_authenticated and len(get_messages(request)) == 0


def kept(request: HttpRequest, token: str) -> HttpResponse | None:
    """The kept page for this visitor, or None if there is none of the current generation."""
    key = _key(request, token)
    found = _held_here.get(key)
    if found is None or found.kept_until <= time.time():
        shared = cache.get(key)
        if shared is None:
            return None
        found = KeptPage(*shared)
        _hold(key, found)
    if found.made_in != generations.recent(found.village_id):
        return None
    return _served(request, found.page)


def render_and_keep(
    request: HttpRequest, token: str, *, village_id: int, made_in: str, context: dict[str, Any]
) -> HttpResponse:
    """Render the page once for every visitor who may share it, keep it, and serve it.

    ``made_in`` is the village's generation read before the page's data: if the data changed
    since, the generation has moved on and the page is never served from the cache.
    """
    page = render_to_string(TEMPLATE, context | {"csrf_token": CSRF_HOLE}, request).encode()
    if made_in:  # empty when the cache keeps nothing
        found = KeptPage(village_id, made_in, time.time() + KEEP_SECONDS, page)
        cache.set(_key(request, token), tuple(found), KEEP_SECONDS)
        _hold(_key(request, token), found)
    return _served(request, page)


def _hold(key: str, found: KeptPage) -> None:
    with _holding:  # a threaded server's threads share the pages
        if len(_held_here) >= HELD_HERE:
            del _held_here[next(iter(_held_here))]  # the first held
        _held_here[key] = found


def _key(request: HttpRequest, token: str) -> str:
    size = "large" if request.COOKIES.get(TEXT_SIZE_COOKIE) == "large" else "normal"
    return f"door-plate:{KEPT_FORMAT}:{token}:{get_language()}:{size}"


def _served(request: HttpRequest, page: bytes) -> HttpResponse:
    return HttpResponse(page.replace(CSRF_HOLE_BYTES, get_token(request).encode()))
