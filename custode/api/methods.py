"""HEAD and OPTIONS on every API route, which ninja answers 405 (it dispatches only the methods a route declares).

HEAD runs the route's GET (token, scope and all) and answers its status and headers without the body, as
Django's own views do; OPTIONS answers 204 with ``Allow`` naming the methods the URL takes, without a token:
it tells no more than the published OpenAPI document does. Both are derived from ninja's own 405, which it
answers before authenticating or reading anything, so a route can never be run by them by mistake.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern


def allowed(response: HttpResponse) -> list[str]:
    """The methods a 405 RESPONSE names, with HEAD beside GET and OPTIONS always."""
    methods = {m.strip().upper() for m in response.get("Allow", "").split(",") if m.strip()}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods | {"OPTIONS"})


def answering_head_and_options(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or request.method not in ("HEAD", "OPTIONS"):
            return response
        methods = allowed(response)
        if request.method == "OPTIONS":
            answer = HttpResponse(status=204, headers={"Allow": ", ".join(methods)})
            del answer["Content-Type"]  # no body, so no type
            return answer
        if "GET" not in methods:
            return response
        request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        finally:
            request.method = "HEAD"
        length = len(response.content)
        response.content = b""
        response["Content-Length"] = str(length)
        return response

    return wrapped


def wrap_patterns(patterns: list) -> list:
    """PATTERNS (ninja's URL patterns) with each view answering HEAD and OPTIONS."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = answering_head_and_options(pattern.callback)
    return patterns
