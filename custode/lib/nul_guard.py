"""Refuses requests that carry a NUL character, before any view sees them.

PostgreSQL text cannot hold NUL (0x00): a key, a filter or a JSON string with one would reach the
database and fail there as a 500. SQLite stores it and finds nothing. Both are wrong answers to bad
input, so the request is answered 400 here, naming where the NUL was. HTML forms are covered by
Django's own field validator; this guards the path, the query string and JSON bodies.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse

_ESCAPED_NUL = re.compile(rb"\\u0000")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _json_body_has_nul(request) -> bool:
    if not request.content_type or "json" not in request.content_type:
        return False
    try:
        body = request.body
    except RequestDataTooBig:
        return False  # not read: the view refuses a body that large, naming its size
    if not _ESCAPED_NUL.search(body):
        return False
    try:
        return _has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the view answers that


def where_nul(request) -> str | None:
    """The part of REQUEST holding a NUL character ("path", "query", "body"), or None."""
    if "\x00" in request.path:
        return "path"
    if "\x00" in request.META.get("QUERY_STRING", "") or any(
        "\x00" in k or "\x00" in v for k, values in request.GET.lists() for v in values
    ):
        return "query"
    if _json_body_has_nul(request):
        return "body"
    return None


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        part = where_nul(request)
        if part is None:
            return self.get_response(request)
        message = f"the request's {part} contains a NUL character (\\u0000, %00), which no field accepts"
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": [{"loc": [part], "msg": message, "type": "nul_character"}]}, status=400)
        return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
