"""The API's one error shape, and the handlers that turn every failure into it.

Every error, whatever raised it, answers ``{"error": {"code": …, "message": …, "details": […]}}``
with a stable ``code`` for programs and a ``message`` for people.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from jifen.core.errors import message_of
from jifen.loans.services import ConsentRequired

logger = logging.getLogger(__name__)

ErrorCode = Literal[
    "bad_request",
    "unauthorized",
    "consent_required",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "already_decided",
    "amount_above_request",
    "invalid_request",
    "rate_limited",
    "server_error",
]


class FieldProblem(Schema):
    location: str
    message: str


class ErrorBody(Schema):
    code: ErrorCode
    message: str
    details: list[FieldProblem]


class ErrorOut(Schema):
    error: ErrorBody


# Declared on every operation, so that the OpenAPI document describes every answer.
ERROR_STATUSES = frozenset({401, 403, 404, 422, 429, 500})
RETRY_AFTER = {
    "responses": {
        429: {
            "headers": {
                "Retry-After": {
                    "description": "Seconds until the next minute, when the key may call again.",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        }
    }
}


class RateLimited(HttpError):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(429, "rate limited")


class AlreadyDecided(Exception):
    pass


class AmountAboveRequest(Exception):
    """The request is well formed but asks to approve more than the household asked for: a
    conflict with the application, not bad input, so 409 like a decision made twice."""


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    details: list[dict[str, str]] | None = None,
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return JsonResponse(
        body,
        status=status,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


_CODE_FOR_STATUS: dict[int, ErrorCode] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "already_decided",
    422: "invalid_request",
    429: "rate_limited",
}


def _location(loc: Any) -> str:
    # ninja reports e.g. ("body", "decision", "approve", "rate"): the place, the parameter,
    # pydantic's union tag, the field. People need the place and the field.
    parts = [str(part) for part in loc]
    if parts[:1] == ["body"] and len(parts) > 2:
        parts = parts[2:]
        if len(parts) > 1 and parts[0] in ("approve", "decline"):
            parts = parts[1:]
        return "body." + ".".join(parts)
    return ".".join(parts)


def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        401, "unauthorized", _("Send a valid, unrevoked API key in the X-API-Key header.")
    )


def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = error_response(
        429, "rate_limited", _("Too many requests with this key this minute. Try again later.")
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = _CODE_FOR_STATUS.get(exc.status_code, "bad_request")
    return error_response(exc.status_code, code, str(exc))


def _friendly(location: str, error: dict[str, Any]) -> str:
    """pydantic's message, unless it would show a regular expression to a person."""
    if error.get("type") == "string_pattern_mismatch":
        if location == "body.rate":
            return _("Give the annual rate in percent with two decimals, for example 4.15.")
        if location == "body.reason":
            return _("Say why the application is declined.")
        if location == "path.token":
            return _("This is not a door-plate token.")
    return str(error.get("msg", ""))


def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = []
    for error in exc.errors:
        location = _location(error.get("loc", ()))
        details.append({"location": location, "message": _friendly(location, error)})
    return error_response(
        422, "invalid_request", _("The request is not valid; see the details."), details
    )


def refused_by_service(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return error_response(422, "invalid_request", message_of(exc))


def consent_required(request: HttpRequest, exc: ConsentRequired) -> HttpResponse:
    return error_response(403, "consent_required", str(exc))


def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403, "forbidden", str(exc) or _("This key may not do this."))


def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, "not_found", _("There is no such resource for this bank."))


def already_decided(request: HttpRequest, exc: AlreadyDecided) -> HttpResponse:
    return error_response(
        409, "already_decided", _("This application has already been decided or withdrawn.")
    )


def amount_above_request(request: HttpRequest, exc: AmountAboveRequest) -> HttpResponse:
    return error_response(409, "amount_above_request", str(exc))


def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request failed: %s %s", request.method, request.path)
    return error_response(
        500, "server_error", _("Something went wrong on our side. It has been logged.")
    )


# The most specific class wins: ninja looks handlers up along the exception's MRO.
HANDLERS: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
    (Exception, server_error),
    (HttpError, http_error),
    (AuthenticationError, unauthorized),
    (RateLimited, rate_limited),
    (NinjaValidationError, invalid_input),
    (DjangoValidationError, refused_by_service),
    (PermissionDenied, forbidden),
    (ConsentRequired, consent_required),
    (Http404, not_found),
    (AlreadyDecided, already_decided),
    (AmountAboveRequest, amount_above_request),
]


def register_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers: nothing may answer in another shape."""
    for exception, handler in HANDLERS:
        api.add_exception_handler(exception, handler)
