"""Full links to Custode's own pages, one function per kind, so mails, the API, the admin and the UI agree.

A link is on ``CUSTODE_BASE_URL`` when it is set. Without it, a link asked for while answering a request is
on the host that request named; one built with no request (a mail) stays a path, as it always has.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def absolute(path: str, request: HttpRequest | None = None) -> str:
    """PATH as a full URL: on CUSTODE_BASE_URL when set, else on the host REQUEST named."""
    if settings.BASE_URL or request is None:
        return f"{settings.BASE_URL}{path}"
    return request.build_absolute_uri(path)


def status_url(customer, request: HttpRequest | None = None) -> str:
    """The customer's private status page: whoever holds it sees that customer's services."""
    return absolute(f"/status/c/{customer.status_token}/", request)


def ping_url(monitor, request: HttpRequest | None = None) -> str:
    """Where a push monitor's job reports (``/start``, ``/fail``, ``/<code>`` and ``/log`` hang off it)."""
    return absolute(f"/ping/{monitor.push_token}", request)


def backup_report_url(job, request: HttpRequest | None = None) -> str:
    """Where a backup job reports its runs (``/start``, ``/replica`` and ``/restore-test`` hang off it)."""
    return absolute(f"/backup/{job.token}", request)
