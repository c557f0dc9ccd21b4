"""Status pages: fetch the audience, pick the language, answer from the cache (see ``caching``)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from django.conf import settings
from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header

from custode.lib.links import absolute
from custode.lib.types import LANGUAGES
from custode.status import documents, labels, selectors
from custode.status.caching import cached_response
from custode.status.selectors import Audience


class BadParameter(Exception):
    pass


def language_of(request: HttpRequest, audience: Audience) -> str:
    """?lang= when given; else the customer's language on a private page, the browser's on the public one."""
    chosen = request.GET.get("lang")
    if chosen is not None:
        return checked_language(chosen)
    if audience.customer is not None:
        return audience.customer.language or audience.provider.language or "en"
    browser = browser_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
                               request.headers.get("Accept-Language", ""))
    return browser or audience.provider.language or "en"


def checked_language(chosen: str) -> str:
    if chosen not in LANGUAGES:
        raise BadParameter(f"lang: unknown language {chosen!r}; use one of {', '.join(LANGUAGES)}")
    return chosen


def browser_language(cookie: str | None, accept_language: str) -> str | None:
    """The language the browser asks for (Django's language cookie, then Accept-Language), if Custode has it."""
    for code in ([cookie] if cookie else []) + [c for c, _ in parse_accept_lang_header(accept_language)]:
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def _page_number(request: HttpRequest) -> int:
    return page_number(request.GET.get("page", "1"))


def page_number(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise BadParameter(f"page: {raw!r} is not a page number (1, 2, ...)")
    return int(raw)


def public(slug: str) -> Audience:
    audience = selectors.public_audience(slug)
    if audience is None:
        raise Http404("no status page here")
    return audience


def _private(token: str) -> Audience:
    audience = selectors.customer_audience(token)
    if audience is None:
        raise Http404("no status page here")
    return audience


def _urls(audience: Audience) -> dict[str, str]:
    if audience.customer is None:
        slug = audience.provider.status_slug
        return {"page": reverse("status:public", args=[slug]), "json": reverse("status:public-json", args=[slug]),
                "feed": reverse("status:public-feed", args=[slug]),
                "subscribe": reverse("status:subscribe", args=[slug])}
    token = audience.customer.status_token
    return {"page": reverse("status:private", args=[token]), "json": reverse("status:private-json", args=[token]),
            "feed": reverse("status:private-feed", args=[token])}


def _answer(request: HttpRequest, audience: Audience, fmt: str, build) -> HttpResponse:
    """Shared by every view: parse the query, then serve FMT from the cache or BUILD it."""
    try:
        language, number = language_of(request, audience), _page_number(request)
    except BadParameter as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    who = ("customer", audience.customer.pk) if audience.customer else ("public", audience.provider.status_slug)
    identity = page_identity(fmt, who, language, number, request.get_host())

    def render():
        try:
            page = selectors.status_page(audience, language=language, page=number)
        except InvalidPage:
            raise Http404("no such page of past incidents") from None
        with translation.override(language):
            body, content_type = build(request, page)
        return body, content_type, language

    return cached_response(request, identity, render, private=audience.customer is not None)


@functools.cache
def css() -> str:
    """The page's small stylesheet, inlined: one request per visitor, also when everyone comes at once."""
    return mark_safe((Path(__file__).parent / "static" / "status" / "status.css").read_text(encoding="utf-8"))


def _html(request: HttpRequest, page: selectors.StatusPage) -> tuple[bytes, str]:
    urls = _urls(page.audience)
    context = {"css": css(), "page": page, "title": labels.page_title(page), "urls": urls, "tz": labels.zone(page),
               "languages": LANGUAGES, "language": page.language, "provider": page.audience.provider,
               "customer": page.audience.customer}
    return render_to_string("status/page.html", context).encode(), "text/html; charset=utf-8"


def _json(request: HttpRequest, page: selectors.StatusPage) -> tuple[bytes, str]:
    doc = documents.page_json(page, url=absolute(_urls(page.audience)["page"], request))
    return json.dumps(doc, ensure_ascii=False, indent=1).encode(), "application/json"


def _feed(request: HttpRequest, page: selectors.StatusPage) -> tuple[bytes, str]:
    urls = _urls(page.audience)
    incidents = page.active + list(page.past.object_list)
    body = documents.page_feed(page, incidents, url=absolute(urls["page"], request),
                               feed_url=absolute(urls["feed"], request))
    return body, "application/atom+xml; charset=utf-8"


def page_identity(fmt: str, who: tuple, language: str, number: int, host: str) -> tuple:
    """What a rendering depends on; the host only without CUSTODE_BASE_URL (JSON and Atom carry full links)."""
    return (fmt, *who, language, number, "" if settings.BASE_URL else host)


def _view(find, fmt: str, build):
    """A view answering FMT for the audience FIND makes of the URL's slug or token."""

    def view(request: HttpRequest, ident: str) -> HttpResponse:
        return _answer(request, find(ident), fmt, build)

    return view


public_page = _view(public, "html", _html)
public_json = _view(public, "json", _json)
public_feed = _view(public, "atom", _feed)
private_page = _view(_private, "html", _html)
private_json = _view(_private, "json", _json)
private_feed = _view(_private, "atom", _feed)


def public_badge(request: HttpRequest, ident: str, key: str) -> HttpResponse:
    def build(request, page):
        component = next((c for c in page.components if c.key == key), None)
        if component is None:
            raise Http404("no such component on this page")
        return documents.badge_svg(component, page.language), "image/svg+xml"

    return _answer(request, public(ident), f"badge:{key}", build)
