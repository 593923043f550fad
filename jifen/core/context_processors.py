from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from jifen.accounts.models import Role

TEXT_SIZE_COOKIE = "jifen_text_size"


def jifen(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    return {
        "large_text": request.COOKIES.get(TEXT_SIZE_COOKIE) == "large",
        "actor": actor,
        "grants": getattr(request, "grants", []),
        "Role": Role,
    }
