"""The partner banks' API, version 1: /api/v1/ (its OpenAPI document: /api/v1/openapi.json).

See docs/bank-api.md. Every answer that is not a success has the one error shape of
``jifen.api.errors``, including unknown paths and methods under /api/v1/.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from jifen.api.auth import BankKey
from jifen.api.errors import error_response, register_handlers
from jifen.api.views import router

View = Callable[..., HttpResponseBase]


@csrf_exempt
def no_such_path(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return error_response(404, "not_found", _("There is no such path in this API."))


def _method_not_allowed_in_error_shape(view: View) -> View:
    """ninja answers a wrong method with plain text; give it the error shape and keep Allow."""

    @wraps(view)  # keeps ninja's csrf_exempt flag
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            answer = error_response(
                405, "method_not_allowed", _("This path does not take this method.")
            )
            answer["Allow"] = response["Allow"]
            return answer
        return response

    return wrapped


class BankAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls: list[URLResolver | URLPattern] = []
        for url in super()._get_urls():
            if isinstance(url, URLPattern) and url.name == "api-root":
                # ninja's root raises Http404, which Django would answer with an HTML page.
                urls.append(path("", no_such_path, name="api-root"))
            elif isinstance(url, URLPattern):
                url.callback = _method_not_allowed_in_error_shape(url.callback)
                urls.append(url)
            else:
                urls.append(url)
        urls.append(re_path(r"^.*$", no_such_path))
        return urls


api = BankAPI(
    title="jifen bank API",
    version="1",
    description=(
        "For partner banks: look up a household by its door-plate token, read its score, rank"
        " and stars and what the bank's loan policy gives it, and decide its loan applications."
        " Every read needs the household's live consent and is shown to the household."
    ),
    urls_namespace="api_v1",
    docs_url=None,
    auth=BankKey(),
)
register_handlers(api)
api.add_router("", router)
