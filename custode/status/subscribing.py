"""The public page's subscription pages: sign up, confirm (double opt-in), unsubscribe (RFC 8058 one-click).

They are exempt from CSRF on purpose: the status page is one cached rendering for everyone and cannot carry a
per-visitor token, and a mail client's one-click unsubscribe POSTs without cookies. What a forged request
could do is bounded: a sign-up only mails a confirmation link (rate limited), a confirmation needs the
signed link, an unsubscribe the subscriber's own token. The logic is in ``custode.subscriptions.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from custode.incidents import wording
from custode.lib.changes import Invalid
from custode.lib.types import LANGUAGES
from custode.status.views import BadParameter, css, language_of, public
from custode.subscriptions import notices, services
from custode.subscriptions.models import Subscriber


def _render(request: HttpRequest, audience, language: str, template: str, status: int = 200,
            **context) -> HttpResponse:
    provider = audience.provider
    slug = provider.status_slug
    with translation.override(language):
        body = render_to_string(f"status/{template}.html", {
            "css": css(), "language": language, "languages": LANGUAGES, "provider": provider,
            "title": notices.page_title(provider, language), "home": reverse("status:public", args=[slug]),
            "action": request.path, **context,
        })
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = language
    return response


def _language(request: HttpRequest, audience, own: str | None = None) -> str:
    """?lang= when valid; else OWN (the subscriber's language) when known; else as the status page chooses."""
    if own and request.GET.get("lang") not in LANGUAGES:
        return own
    try:
        return language_of(request, audience)
    except BadParameter:
        return own or audience.provider.language or "en"


def _choice(request: HttpRequest, language: str) -> services.Request:
    """The form's fields; LANGUAGE, the page's, when the form names none."""
    data = request.POST
    channel = data.get("channel", Subscriber.Channel.EMAIL)
    address = data.get("url", "") if channel == Subscriber.Channel.WEBHOOK else data.get("email", "")
    return services.Request(channel=channel, address=address, email=data.get("email", ""),
                            language=data.get("lang") or language, components=tuple(data.getlist("component")))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest, ident: str) -> HttpResponse:
    audience = public(ident)
    language = _language(request, audience)
    form = {"components": services.public_components(), "webhooks": settings.SUBSCRIBER_WEBHOOKS != "off"}
    if request.method != "POST":
        return _render(request, audience, language, "subscribe", sent="sent" in request.GET, **form)
    choice = _choice(request, language)
    with translation.override(language):
        try:
            services.subscribe(choice, ip=request.META.get("REMOTE_ADDR") or "0.0.0.0")
        except Invalid as error:
            return _render(request, audience, language, "subscribe", 400, error=error, choice=choice, **form)
        except services.RateLimited as limited:
            response = _render(request, audience, language, "subscribe", 429, choice=choice,
                               limited={"minutes": -(-limited.retry_after // 60)}, **form)
            response.headers["Retry-After"] = str(limited.retry_after)
            return response
    return redirect(f"{request.path}?lang={language}&sent=1", permanent=False)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, ident: str, value: str) -> HttpResponse:
    """GET shows what is about to be confirmed and a button; only the POST confirms, so a mail scanner
    that opens every link cannot subscribe anyone."""
    audience = public(ident)
    try:
        with translation.override(_language(request, audience)):
            subscriber, components, chosen = services.confirmation(value)
    except services.BadLink as error:
        return _render(request, audience, _language(request, audience), "confirm", 400, error=error)
    language = _language(request, audience, chosen)
    if request.method == "POST":
        subscriber = services.confirm(value)
    unsubscribe = reverse("status:unsubscribe", args=[ident, subscriber.token])
    names = wording.join([c.name for c in components], language)
    return _render(request, audience, language, "confirm", subscriber=subscriber, components=components,
                   names=names, done=request.method == "POST", unsubscribe=unsubscribe)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, ident: str, token: str) -> HttpResponse:
    """GET asks; POST (the page's button, or a mail client's RFC 8058 one-click) unsubscribes at once."""
    audience = public(ident)
    subscriber = Subscriber.objects.filter(token=token).first()
    language = _language(request, audience, subscriber.language if subscriber else None)
    if subscriber is None:
        return _render(request, audience, language, "unsubscribe", 404, missing=True)
    if request.method == "POST":
        services.unsubscribe(token)
        subscriber.refresh_from_db()
    return _render(request, audience, language, "unsubscribe", subscriber=subscriber,
                   done=request.method == "POST" or subscriber.unsubscribed_at is not None)
