"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

Chromium comes from Debian (`sudo make browser-deps`), never from a download by Playwright.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from jifen.accounts.middleware import ACTIVE_GRANT_SESSION_KEY
from jifen.accounts.models import RoleGrant, User
from jifen.core.context_processors import TEXT_SIZE_COOKIE

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-4.11.1.min.js").read_text()

# Playwright's sync API runs an event loop in the test thread; the database calls the tests
# make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


def sign_in(page: Any, base_url: str, user: User, role: str | None = None) -> None:
    """Give the browser a signed-in session for ``user`` acting in ``role``, without the form."""
    grants = RoleGrant.objects.filter(user=user, revoked_at__isnull=True).order_by("id")
    grant = grants.get(role=role) if role else grants.first()
    assert grant is not None
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[ACTIVE_GRANT_SESSION_KEY] = grant.pk
    session.save()
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base_url}]
    )


def assert_accessible(page: Any) -> None:
    """axe-core finds no serious or critical violation of WCAG 2.1 A/AA on the page."""
    page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    serious = [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    assert not serious, f"{page.url}:\n{json.dumps(serious, ensure_ascii=False, indent=1)}"


def check_page(page: Any, path: str, base_url: str) -> None:
    """Open ``path`` with its folded parts open, in normal and in large text: axe finds nothing
    serious, and nothing is wider than the 360 px phone."""
    for size in ["normal", "large"]:
        page.context.add_cookies([{"name": TEXT_SIZE_COOKIE, "value": size, "url": base_url}])
        page.goto(path)
        for summary in page.locator("details > summary").all():
            summary.click()
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 361)
                .slice(0, 8).map(e => e.tagName + '.' + e.className)"""
        )
        assert width <= 360, f"{path} is {width} px wide in {size} text: {wide}"
    page.context.clear_cookies(name=TEXT_SIZE_COOKIE)
