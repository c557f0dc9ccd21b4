"""The daily round: every backup job of every customer, green, amber or red, worst first; and the technician's
sign-off of a red or amber job, with a note and, when given, the time it took.

Colours group the states (``verdict.state_of``): red is a backup that is not there (``failed``, ``missed``),
amber one that is there but suspect or not yet proven (``shrunk``, ``stale_replica``, ``restore_overdue``,
``unknown``), green ``ok``. The round reads each job's summary row only (no query per job), and the day's
sign-offs in one query; "today" is the provider's.

Time spent on a sign-off is drawn from the customer's hours bank the way the service desk draws it: a time entry
on a ticket (``tickets.services.ticket_log_time``). The ticket is the customer's "backup checks" ticket of the
month, opened resolved on the first sign-off with time in that month and reused after, so the customer sees in
the portal what their hours went on, in their language, and the queue is not filled with one ticket a check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django.db import transaction
from django.utils import timezone

from custode.backups import verdict
from custode.backups.models import BackupJob, BackupSignOff
from custode.backups.services import backup_facts
from custode.directory.models import Customer, Provider
from custode.incidents import templating, wording
from custode.lib.changes import Invalid, NotFound
from custode.tickets import services as tickets
from custode.tickets.models import Status, Ticket

RED, AMBER, GREEN = "red", "amber", "green"
COLOUR = {"failed": RED, "missed": RED, "shrunk": AMBER, "stale_replica": AMBER, "restore_overdue": AMBER,
          "unknown": AMBER, "ok": GREEN}
_ORDER = (*verdict.WORST_FIRST, "unknown", "ok")  # worst first within a colour too
MAX_NOTE = 1000


@dataclass(frozen=True)
class Row:
    job: BackupJob
    state: str
    reasons: list[str]
    signoff: BackupSignOff | None  # today's latest, if any

    @property
    def colour(self) -> str:
        return COLOUR[self.state]

    @property
    def customer(self) -> Customer | None:
        return self.job.asset.customer

    @property
    def signable(self) -> bool:
        return self.colour != GREEN


def today_start(now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Midnight of NOW's day where the provider is."""
    return dt.datetime.combine(now.astimezone(tz).date(), dt.time(0), tz)


def round_rows(*, now: dt.datetime | None = None) -> list[Row]:
    """Every job's row, red first, then amber, then green; by state, customer and job within a colour."""
    now = now or timezone.now()
    tz_name = Provider.get().timezone
    jobs = list(BackupJob.objects.select_related("asset__customer").order_by("key"))
    signed = {}
    for signoff in BackupSignOff.objects.filter(at__gte=today_start(now, wording.zone(tz_name))).order_by("at", "id"):
        signed[signoff.job_id] = signoff  # the latest wins
    rows = [Row(job, *verdict.state_of(backup_facts(job, tz_name), now), signed.get(job.pk)) for job in jobs]
    return sorted(rows, key=lambda r: ((RED, AMBER, GREEN).index(r.colour), _ORDER.index(r.state),
                                       r.customer.name if r.customer else "", r.job.key))


def tally(rows: list[Row]) -> dict[str, int]:
    """How many rows of each colour: {"red": 2, "amber": 1, "green": 14}."""
    return {colour: sum(r.colour == colour for r in rows) for colour in (RED, AMBER, GREEN)}


def signoff_create(*, job: str, note: str, user, minutes: int | None = None,
                   now: dt.datetime | None = None) -> BackupSignOff:
    """USER signs off JOB (its key) as it stands now, with NOTE; MINUTES, when given, are logged on the customer's
    backup-checks ticket of the month. Invalid (naming the field) or NotFound, and then nothing is stored."""
    now = now or timezone.now()
    found = BackupJob.objects.select_related("asset__customer").filter(key=job).first()
    if found is None:
        raise NotFound("backup", job)
    note = (note or "").strip()
    if not note:
        raise Invalid("note", "write what was checked or done, e.g. \"checked, NAS disk replaced\"")
    if len(note) > MAX_NOTE:
        raise Invalid("note", f"is {len(note)} characters long; at most {MAX_NOTE}")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)
                                or not 1 <= minutes <= tickets.MAX_MINUTES):
        raise Invalid("minutes", f"must be a whole number of minutes from 1 to {tickets.MAX_MINUTES}, or empty")
    state, reasons = verdict.state_of(backup_facts(found), now)
    if COLOUR[state] == GREEN:
        raise Invalid("job", f"backup {job!r} is ok now: only a red or amber job is signed off")
    staff = getattr(user, "staff", None)
    with transaction.atomic():
        entry = None
        customer = found.asset.customer
        if minutes and customer is not None:
            ticket = _checks_ticket(customer, staff, now)
            entry = tickets.ticket_log_time(ticket=ticket, minutes=minutes, staff=staff, now=now,
                                            note=f"{found.key}: {note}"[:300])
        return BackupSignOff.objects.create(
            job=found, state=state, reasons=reasons, note=note, user=user,
            by=(staff.name if staff else "") or user.get_username(), at=now, minutes=minutes, time_entry=entry)


_MONTH = {"it": "LLLL y", "en": "LLLL y", "es": "LLLL 'de' y"}  # "dicembre 2026", "diciembre de 2026"


def _checks_ticket(customer: Customer, staff, now: dt.datetime) -> Ticket:
    """CUSTOMER's backup-checks ticket of NOW's month: the one an earlier sign-off logged time on, unless it
    was closed since; else a new one, opened and resolved at once (nothing waits on anybody)."""
    provider = Provider.get()
    tz = wording.zone(provider.timezone)
    month_start = today_start(now, tz).replace(day=1)
    earlier = (BackupSignOff.objects.filter(job__asset__customer=customer, at__gte=month_start,
                                            time_entry__isnull=False)
               .exclude(time_entry__ticket__status=Status.CLOSED)
               .select_related("time_entry__ticket").order_by("-at", "-id").first())
    if earlier is not None:
        return earlier.time_entry.ticket
    language = wording.known(customer.language or provider.language)
    month = format_date(now.astimezone(tz).date(), _MONTH[language], locale=wording.locale(language))
    subject, body = templating.render("ticket_backup_checks", language,
                                      {"customer": customer.name, "month": month, "provider": provider.name})
    ticket = tickets.ticket_open(customer=customer.key, subject=subject, body=body, staff=staff, now=now)
    return tickets.ticket_set_status(ticket=ticket, status=Status.RESOLVED, staff=staff, now=now)
