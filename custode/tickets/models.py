"""The service desk: a customer's requests, their thread, the time spent, and the clock the plan promises.

A ticket's SLA figures (due and warning times, pauses, its state but for the time) are stored for the queue to
sort by and for pages to read; they are always recomputed from the ticket's event log (opened, paused,
resumed) and the plan as it is now, so a plan or asset change recomputes them right (``custode.tickets.sla``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    # Contexts of their own: a request's status agrees with its noun (es "solicitud", it "richiesta"), where the
    # same English words elsewhere name lists of incidents.
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    WAITING = "waiting", pgettext_lazy("ticket status", "Waiting on the customer")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")
    PHONE = "phone", _("Phone")
    INCIDENT = "incident", _("Incident")


class Ticket(models.Model):
    number = models.PositiveIntegerField(unique=True, help_text=_("the number people quote: #1042"))
    customer = models.ForeignKey("directory.Customer", on_delete=models.PROTECT, related_name="tickets")
    contact = models.ForeignKey("directory.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="tickets")
    asset = models.ForeignKey("assets.Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    subject = models.CharField(max_length=200)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.API)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey("directory.StaffProfile", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="tickets")
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(blank=True, null=True)
    resolved_at = models.DateTimeField(blank=True, null=True)
    closed_at = models.DateTimeField(blank=True, null=True)
    first_response_due = models.DateTimeField(blank=True, null=True)
    resolution_due = models.DateTimeField(blank=True, null=True)
    next_due = models.DateTimeField(blank=True, null=True,
                                    help_text=_("the earliest due time not yet met: what the queue sorts by"))
    first_response_warn = models.DateTimeField(blank=True, null=True, help_text=_("75 % of the first response target"))
    resolution_warn = models.DateTimeField(blank=True, null=True, help_text=_("75 % of the resolution target"))
    paused_seconds = models.FloatField(default=0, help_text=_("how long the clock stood paused, in pauses ended"))
    paused_since = models.DateTimeField(blank=True, null=True, help_text=_("when the pause still open began"))
    sla_state = models.CharField(max_length=8, blank=True,
                                 help_text=_("the clock but for the time: running, paused, met, breached (met "
                                             "late); empty without a promise. Warning and breach by the time are "
                                             "read against the due times"))
    sla_basis = models.CharField(max_length=64, blank=True,
                                 help_text=_("what the SLA figures were computed from; a change recomputes them"))
    next_alarm = models.DateTimeField(blank=True, null=True, db_index=True,
                                      help_text=_("when the assignee is next warned (75 % of a target, or its breach)"))
    alarms_sent = models.JSONField(default=list, blank=True,
                                   help_text=_("the warnings already written: first_response:warning, ...:breached"))
    incident = models.ForeignKey("incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="tickets", help_text=_("the incident this ticket tells the customer of"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "customer"], name="ticket_per_incident_customer")]
        indexes = [models.Index(fields=["status", "next_due", "number"], name="tickets_queue"),
                   models.Index(fields=["next_due", "number"], name="tickets_due"),
                   models.Index(fields=["customer", "status"], name="tickets_customer_status")]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class Event(models.Model):
    """The ticket's log: what the clock is computed from (opened, paused, resumed) and who did what."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        PAUSED = "paused", _("Clock paused")
        RESUMED = "resumed", _("Clock resumed")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        RESPONDED = "responded", _("First response")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey("directory.StaffProfile", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")

    class Meta:
        ordering = ["at", "id"]


class Reply(models.Model):
    """One message of the thread: public (the customer reads it) or internal (staff only)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    at = models.DateTimeField()
    public = models.BooleanField(default=True)
    body = models.TextField()
    staff = models.ForeignKey("directory.StaffProfile", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    contact = models.ForeignKey("directory.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    author_name = models.CharField(max_length=200, blank=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True,
                                  help_text=_("the e-mail's Message-ID: the customer's mail, or Custode's mail of "
                                              "this reply; a mail answering it threads onto this ticket"))

    class Meta:
        ordering = ["at", "id"]


class TimeEntry(models.Model):
    """Time spent on a ticket: drawn from the customer's monthly hours."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    staff = models.ForeignKey("directory.StaffProfile", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]


class HoursAlarm(models.Model):
    """A staff alert about a customer's hours bank that has been written: at 80 % of a month's hours, or on
    its overdraw. The row is inserted in the transaction that writes the alert to the outbox, and is unique
    per customer, month and level, so the alert is written once however many processes log time."""

    class Level(models.TextChoices):
        WARNING = "warning", _("80 % used")
        OVERDRAWN = "overdrawn", _("Overdrawn")

    customer = models.ForeignKey("directory.Customer", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("the first day of the month, in the provider's timezone"))
    level = models.CharField(max_length=10, choices=Level.choices)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "month", "level"], name="hours_alarm_once")]


class Mailbox(models.Model):
    """A mailbox the desk reads (CUSTODE_IMAP_URL), and how far: the last UID taken under its UIDVALIDITY.

    The UID only saves work: each message's own row (``InboundMail``, unique on mailbox, UIDVALIDITY and UID)
    is what makes taking it once, written in the transaction that opens its ticket."""

    name = models.CharField(max_length=300, unique=True, help_text=_("user@host:port/folder"))
    uidvalidity = models.BigIntegerField(blank=True, null=True)
    last_uid = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(blank=True, null=True)
    next_poll_at = models.DateTimeField(blank=True, null=True)
    failures = models.PositiveIntegerField(default=0, help_text=_("looks in a row that failed"))
    last_error = models.CharField(max_length=500, blank=True)
    failing_since = models.DateTimeField(blank=True, null=True)

    def __str__(self) -> str:
        return self.name


class InboundMail(models.Model):
    """One e-mail the desk took from a mailbox, and what became of it. Those waiting in ``triage`` are for
    staff: a ticket for a customer they choose, or discarded. None is dropped without a row saying why."""

    class Outcome(models.TextChoices):
        OPENED = "opened", _("Opened a ticket")
        REPLIED = "replied", _("Added to a ticket")
        TRIAGE = "triage", _("Waiting in triage")
        IGNORED = "ignored", _("Ignored: sent by a machine")
        DUPLICATE = "duplicate", _("Ignored: already taken")
        CONVERTED = "converted", _("Made a ticket by staff")
        DISCARDED = "discarded", _("Discarded by staff")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="mails")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    sender = models.CharField(max_length=300, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    sent_at = models.DateTimeField(blank=True, null=True, help_text=_("the mail's Date header"))
    taken_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=500, blank=True, help_text=_("why it is in triage or was ignored"))
    ticket = models.ForeignKey(Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="mails")
    raw = models.BinaryField(blank=True, null=True, help_text=_("the mail as received, kept while in triage"))
    decided_by = models.ForeignKey("directory.StaffProfile", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="inbound_mail_once")]
        indexes = [models.Index(fields=["outcome", "id"], name="inbound_mail_outcome")]

    def __str__(self) -> str:
        return f"{self.sender or '?'}: {self.subject}"


def files_of_the_message(collector, field, sub_objs, using):
    """A message deleted takes the files attached to it with it; a file an e-mail carried stays with the mail."""
    models.CASCADE(collector, field, sub_objs.filter(mail__isnull=True), using)
    models.SET_NULL(collector, field, sub_objs.filter(mail__isnull=False), using)


class Attachment(models.Model):
    """A file on a ticket's message, kept in the database: one an e-mail carried (at most
    CUSTODE_MAIL_MAX_ATTACHMENT each; on the ticket's message once the mail is on a ticket), or one a contact
    attached in the portal (``custode.tickets.uploads``). It belongs to a mail, a message or both."""

    mail = models.ForeignKey(InboundMail, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    reply = models.ForeignKey(Reply, on_delete=files_of_the_message, null=True, blank=True, related_name="attachments")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(mail__isnull=False) | models.Q(reply__isnull=False),
                                              name="attachment_of_mail_or_message")]

    def __str__(self) -> str:
        return self.name
