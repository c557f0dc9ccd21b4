"""A kept file handed back to whoever may read it: always downloaded, never shown by the browser.

People attach anything (an .html, an .svg with a script): served inline from Custode's own origin, such a
file would run as Custode's page. So every file goes out as ``application/octet-stream`` with
``Content-Disposition: attachment``, ``X-Content-Type-Options: nosniff`` and a sandboxing CSP, its name
quoted for the header (plain ASCII, and the real name in RFC 5987 form for browsers that read it).
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def file_response(name: str, data: bytes) -> HttpResponse:
    response = HttpResponse(bytes(data), content_type="application/octet-stream")
    response["Content-Disposition"] = disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def disposition(name: str) -> str:
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name) or "file"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
