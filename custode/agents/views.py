"""The URLs an agent calls (DESIGN.md, "Agent"): thin, the services do the work.

``POST /agent/enroll`` trades an enrolment token for the device's credential; ``POST /agent/<asset>/report``
takes a report, the credential as ``Authorization: Bearer``. No login, no CSRF: the credential is the login.
A bad request is answered 4xx naming what is wrong and stores nothing.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from custode.agents import ingest, reports, services
from custode.backups.reports import BadReport
from custode.lib.links import absolute


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")


def _body(request: HttpRequest) -> bytes:
    """At most one byte more than a report may be, read from the stream: a 10 MB body is never held whole."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > reports.MAX_BODY:
        raise reports.too_large(int(declared))
    return request.read(reports.MAX_BODY + 1)


def _enrolment(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise BadReport(f"the body is not JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("token"), str) or not data["token"]:
        raise BadReport('token: is required, as {"token": "cet_..."}')
    return {key: str(data.get(key) or "") for key in ("token", "hostname", "version")}


@csrf_exempt
def enroll(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _text(405, "use POST")
    try:
        agent, credential = services.agent_enroll(**_enrolment(_body(request)))
    except BadReport as e:
        return _text(e.status, e.message)
    key = agent.asset.key
    return JsonResponse({"asset": key, "credential": credential, "interval": services.INTERVAL,
                         "report_url": absolute(f"/agent/{key}/report", request)}, status=201)


@csrf_exempt
def report(request: HttpRequest, asset: str) -> HttpResponse:
    """Served before Django by ``agents.asgi`` under ``custode web``; here for every other way in, the same way."""
    if request.method != "POST":
        return _text(405, "use POST")
    item = ingest.received(asset, authorization=request.META.get("HTTP_AUTHORIZATION", ""),
                           declared=request.META.get("CONTENT_LENGTH") or "", body=request.read(reports.MAX_BODY + 1),
                           now=timezone.now())
    outcome, = ingest.store_reports([item])
    content, content_type = outcome.content()
    return HttpResponse(content, status=outcome.status, content_type=content_type)


@csrf_exempt
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _text(404, "not an agent URL: use /agent/enroll or /agent/<asset>/report")
