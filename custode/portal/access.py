"""Who is logged in to the portal, and the frame every portal page is drawn in.

A portal session lives in Django's session under its own keys, apart from a staff login in the same
browser, and ends ``login.SESSION_AGE`` after the link was followed or at logout.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language

from custode.directory.models import Contact, Provider
from custode.lib.types import LANGUAGES
from custode.portal.login import SESSION_AGE, language_of

KEY, UNTIL = "portal_contact", "portal_until"


def log_in(request: HttpRequest, contact: Contact) -> None:
    request.session.cycle_key()  # a session id known before the login is worth nothing after it
    request.session[KEY] = contact.pk
    request.session[UNTIL] = time.time() + SESSION_AGE
    request.session.set_expiry(SESSION_AGE)


def log_out(request: HttpRequest) -> None:
    for key in (KEY, UNTIL):
        request.session.pop(key, None)
    request.session.cycle_key()


def contact_of(request: HttpRequest) -> Contact | None:
    """The contact logged in, while their session lasts and they are still a contact."""
    pk, until = request.session.get(KEY), request.session.get(UNTIL, 0)
    if pk is None or until < time.time():
        return None
    return Contact.objects.select_related("customer__plan").filter(pk=pk).first()


def portal_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """VIEW(request, contact, ...) for a logged-in contact, in their language; others go to the login."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        contact = contact_of(request)
        if contact is None:
            login = reverse("portal:login")
            nxt = request.get_full_path()
            safe = url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})
            return redirect(f"{login}?next={nxt}" if safe and request.method == "GET" else login)
        with translation.override(language_of(contact)):
            response = view(request, contact, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapper


def page(request: HttpRequest, template: str, status: int = 200, *, contact: Contact | None = None,
         **context) -> HttpResponse:
    """TEMPLATE in the portal's frame: the provider's name and contact block, the contact's customer."""
    context.update(provider=Provider.get(), contact=contact, customer=contact.customer if contact else None,
                   language=get_language(), current=request.resolver_match.url_name if request.resolver_match else "")
    response = render(request, f"portal/{template}.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def visitor_language(request: HttpRequest) -> str:
    """Before login: ``?lang=``, else what the browser prefers (Django's locale middleware), else English."""
    asked = request.GET.get("lang") or request.POST.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.LANGUAGE_CODE if getattr(request, "LANGUAGE_CODE", None) in LANGUAGES else "en"
