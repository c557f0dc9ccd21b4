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

from custode.agents import reports, services
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
    if request.method != "POST":
        return _text(405, "use POST")
    scheme, _, credential = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return _text(401, "send the device's credential (from custode-agent enroll) as Authorization: Bearer ...")
    agent = services.agent_authenticate(credential.strip())
    if agent is None:
        return _text(401, "this credential is not known or was revoked: enrol the device again")
    if agent.asset.key != asset:
        return _text(403, f"this credential is asset {agent.asset.key!r}'s: it reports to /agent/{agent.asset.key}"
                          "/report only")
    try:
        watch = services.agent_store(agent=agent, report=reports.parse(_body(request), timezone.now()))
    except BadReport as e:
        return _text(e.status, e.message)
    return JsonResponse({"stored": True, "interval": services.INTERVAL, "services": list(watch.services)})


@csrf_exempt
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _text(404, "not an agent URL: use /agent/enroll or /agent/<asset>/report")
