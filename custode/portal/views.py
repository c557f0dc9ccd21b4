"""The portal's pages. Each fetches its input, calls a service or selector, and draws a page; errors are
told on the page in the contact's language, with nothing recorded."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.units import format_unit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from custode.directory.models import Contact, Provider
from custode.incidents import wording
from custode.lib.changes import Invalid
from custode.lib.downloads import file_response
from custode.lib.links import status_url
from custode.portal import callbacks as calls
from custode.portal import login as logins
from custode.portal import selectors
from custode.portal.access import contact_of, log_in, log_out, page, portal_page, visitor_language
from custode.tickets import services as tickets
from custode.tickets.models import Channel, Priority, Status
from custode.tickets.uploads import TooLarge, TooMany, Upload, uploads_check

MAX_SUBJECT, MAX_BODY = 200, 20000


@require_http_methods(["GET", "HEAD", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if contact_of(request) is not None and request.method != "POST":
        return redirect("portal:tickets")
    with translation.override(visitor_language(request)):
        if request.method != "POST":
            return page(request, "login", sent="sent" in request.GET, out="out" in request.GET)
        email = request.POST.get("email", "").strip()
        if not email or "@" not in email or len(email) > 254:
            return page(request, "login", 400, email=email, error=_("Write the e-mail address we know you by."))
        try:
            logins.login_request(email=email, ip=request.META.get("REMOTE_ADDR") or "0.0.0.0")
        except logins.RateLimited as limited:
            response = page(request, "login", 429, email=email, minutes=-(-limited.retry_after // 60))
            response["Retry-After"] = str(limited.retry_after)
            return response
        return redirect(f"{reverse('portal:login')}?sent=1&lang={translation.get_language()}")


@require_http_methods(["GET", "HEAD", "POST"])
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows whose link it is and a button; only the POST uses it, so a mail scanner that opens every
    link does not spend it."""
    try:
        contact = logins.login_redeem(token) if request.method == "POST" else logins.link_contact(token)
    except logins.BadLink as bad:
        language = logins.language_of(bad.contact) if bad.contact else visitor_language(request)
        with translation.override(language):
            return page(request, "link", 400, reason=bad.reason)
    if request.method == "POST":
        log_in(request, contact)
        return redirect("portal:tickets")
    with translation.override(logins.language_of(contact)):
        return page(request, "link", person=contact)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    contact = contact_of(request)
    language = logins.language_of(contact) if contact else visitor_language(request)
    log_out(request)
    return redirect(f"{reverse('portal:login')}?out=1&lang={language}")


@portal_page
def ticket_list(request: HttpRequest, contact: Contact) -> HttpResponse:
    return page(request, "tickets", contact=contact, tickets=selectors.tickets_of(contact.customer),
                live=selectors.LIVE)


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def ticket(request: HttpRequest, contact: Contact, number: int) -> HttpResponse:
    found = selectors.ticket_of(contact.customer, number)
    error, body, sent = "", "", []
    if request.method == "POST":
        body, sent = request.POST.get("body", ""), request.FILES.getlist("files")
        error = _reply_error(found, body) or _files_error(sent)
        if not error:
            try:
                tickets.ticket_reply(ticket=found, body=body, contact=contact, files=_read(sent))
                return redirect(f"{reverse('portal:ticket', args=[number])}#latest")
            except Invalid:
                error = _("This request is closed; open a new one.")
    return page(request, "ticket", 400 if error else 200, contact=contact, ticket=found,
                thread=selectors.thread_of(found), error=error, body=body, closed=found.status == Status.CLOSED,
                again=bool(error and sent), **_limits())


@portal_page
@require_http_methods(["GET", "HEAD"])
def attachment(request: HttpRequest, contact: Contact, number: int, attachment: int) -> HttpResponse:
    """A file on a public message of one of their tickets, downloaded (``custode.lib.downloads``)."""
    found = selectors.attachment_of(contact.customer, number, attachment)
    return file_response(found.name, found.data)


def _files_error(files: list) -> str:
    """What is wrong with the files sent, in the contact's words; '' when they may be kept."""
    try:
        uploads_check(files, max_size=settings.PORTAL_MAX_ATTACHMENT, max_files=settings.PORTAL_MAX_FILES)
    except TooMany as many:
        return _("Too many files: attach at most %(limit)s to a message.") % {"limit": many.limit}
    except TooLarge as large:
        return _("“%(name)s” is too large: each file may be at most %(limit)s.") % {
            "name": large.name, "limit": _size(large.limit)}
    return ""


def _read(files: list) -> list[Upload]:
    return [Upload(f.name or "", f.content_type or "", f.read()) for f in files]


def _limits() -> dict:
    return {"max_files": settings.PORTAL_MAX_FILES, "max_size": _size(settings.PORTAL_MAX_ATTACHMENT)}


def _size(size: int) -> str:
    """SIZE in bytes as people write it in the reader's language: '10 MB', '500 kB'."""
    unit, amount = ("digital-megabyte", size / 2**20) if size >= 2**20 else ("digital-kilobyte", size / 2**10)
    return format_unit(amount, unit, length="short", format="#,##0.#",
                       locale=wording.locale(translation.get_language()))


def _reply_error(ticket, body: str) -> str:
    if ticket.status == Status.CLOSED:
        return _("This request is closed; open a new one.")
    if not body.strip():
        return _("Write your message.")
    if len(body) > MAX_BODY:
        return _("Your message is too long: at most %(n)s characters.") % {"n": MAX_BODY}
    return ""


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_new(request: HttpRequest, contact: Contact) -> HttpResponse:
    assets = list(selectors.assets_of(contact.customer))
    form = {"subject": "", "body": "", "asset": "", "priority": Priority.NORMAL}
    errors: dict[str, str] = {}
    sent = []
    if request.method == "POST":
        form = {name: request.POST.get(name, default).strip() for name, default in form.items()}
        sent = request.FILES.getlist("files")
        errors = _ticket_errors(form, {a.key for a in assets})
        if files_error := _files_error(sent):
            errors["files"] = files_error
        if not errors:
            made = tickets.ticket_open(customer=contact.customer.key, subject=form["subject"], body=form["body"],
                                       asset=form["asset"] or None, contact=contact.pk,
                                       priority=form["priority"], channel=Channel.PORTAL, files=_read(sent))
            return redirect("portal:ticket", number=made.number)
    return page(request, "ticket_new", 400 if errors else 200, contact=contact, assets=assets, form=form,
                errors=errors, priorities=Priority.choices, again=bool(errors and sent), **_limits())


def _ticket_errors(form: dict, own_assets: set[str]) -> dict[str, str]:
    errors = {}
    if not form["subject"]:
        errors["subject"] = _("Write what the request is about.")
    elif len(form["subject"]) > MAX_SUBJECT:
        errors["subject"] = _("At most %(n)s characters.") % {"n": MAX_SUBJECT}
    if not form["body"]:
        errors["body"] = _("Describe the request.")
    elif len(form["body"]) > MAX_BODY:
        errors["body"] = _("Your message is too long: at most %(n)s characters.") % {"n": MAX_BODY}
    if form["asset"] and form["asset"] not in own_assets:
        errors["asset"] = _("Choose one of your services from the list.")
    if form["priority"] not in Priority.values:
        errors["priority"] = _("Choose a priority from the list.")
    return errors


@portal_page
def assets(request: HttpRequest, contact: Contact) -> HttpResponse:
    today = timezone.now().astimezone(wording.zone(Provider.read().timezone)).date()  # as expiry alerts count
    return page(request, "assets", contact=contact, assets=selectors.assets_of(contact.customer), today=today,
                soon=today + dt.timedelta(days=60))


@portal_page
def hours(request: HttpRequest, contact: Contact) -> HttpResponse:
    language = translation.get_language()
    months = [{"month": format_date(b.month, "LLLL y", locale=wording.locale(language)),
               "included": _hours(b.included_minutes, language) if b.included_minutes else "",
               "used": _hours(b.used_minutes, language), "left": _hours(abs(b.balance_minutes), language),
               "over": b.overdrawn}
              for b in selectors.hours_of(contact.customer)]
    return page(request, "hours", contact=contact, months=months)


def _hours(minutes: int, language: str) -> str:
    """MINUTES as hours for a bank: '12.5 hours', '12,5 ore', '12,5 horas' (never days: a bank counts hours)."""
    return format_unit(minutes / 60, "duration-hour", length="long", format="#,##0.##",
                       locale=wording.locale(language))


@portal_page
def status(request: HttpRequest, contact: Contact) -> HttpResponse:
    return page(request, "status", contact=contact, status_url=status_url(contact.customer, request))


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def callbacks(request: HttpRequest, contact: Contact) -> HttpResponse:
    """Their booked calls, and the free slots of the next days to book one."""
    form = {"start": "", "phone": contact.phone or "", "topic": ""}
    error, status = "", 200
    if request.method == "POST":
        form = {name: request.POST.get(name, "").strip() for name in form}
        try:
            start = dt.datetime.fromisoformat(form["start"]) if form["start"] else None
        except ValueError:
            start = None
        try:
            if start is None:
                raise Invalid("start", _("Choose one of the free times."))
            calls.callback_book(customer=contact.customer.key, contact=contact.pk, phone=form["phone"],
                                start=start, topic=form["topic"])
            return redirect(f"{reverse('portal:callbacks')}?booked=1")
        except Invalid as bad:
            error, status = bad.message, 400
        except calls.SlotTaken as taken:
            error, status = str(taken), 409
    return page(request, "callbacks", status, contact=contact, form=form, error=error,
                booked="booked" in request.GET, cancelled="cancelled" in request.GET,
                days=_by_day(calls.free_slots(days=DAYS_SHOWN)),
                mine=selectors.callbacks_of(contact.customer).select_related("staff", "ticket"))


DAYS_SHOWN = 7


def _by_day(slots: list) -> list[dict]:
    """Slots grouped by the provider's day, each day named in the reader's language."""
    language = translation.get_language()
    tz = wording.zone(Provider.get().timezone)
    days: dict[str, list] = {}
    for slot in slots:
        days.setdefault(wording.day(slot.start, tz, language), []).append(
            {"value": slot.start.isoformat(), "time": wording.clock(slot.start, tz)})
    return [{"day": day, "slots": times} for day, times in days.items()]


@portal_page
@require_POST
def callback_cancel(request: HttpRequest, contact: Contact, callback: int) -> HttpResponse:
    found = selectors.callback_of(contact.customer, callback)
    calls.callback_cancel(callback=found)
    return redirect(f"{reverse('portal:callbacks')}?cancelled=1")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token (or with a forged one): told in the portal's words on portal pages,
    Django's page elsewhere."""
    from django.views.csrf import csrf_failure as django_failure

    if not request.path.startswith("/portal/"):
        return django_failure(request, reason)
    contact = contact_of(request)
    with translation.override(logins.language_of(contact) if contact else visitor_language(request)):
        return page(request, "forbidden", 403, contact=contact)
