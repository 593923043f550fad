from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


class ChosenLanguageMiddleware:
    """Simplified Chinese, unless the person chose English with the switch on our pages.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a phone bought with
    English settings, or a borrowed one, should not turn a village's pages into English. The
    banks' API is for machines: there Accept-Language chooses.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            # A bank's system asks for its language with Accept-Language (Chinese by default).
            language = translation.get_language_from_request(request)
        else:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(
            response, ["Accept-Language" if request.path.startswith(API_PREFIX) else "Cookie"]
        )
        return response
