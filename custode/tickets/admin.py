"""Tickets in the admin: read and edit the raw rows; the desk's rules live in the services."""

from django.contrib import admin

from custode.tickets.models import Attachment, Event, InboundMail, Mailbox, Reply, Ticket, TimeEntry


class ReplyInline(admin.TabularInline):
    model = Reply
    extra = 0
    fields = ("at", "public", "author_name", "body")
    readonly_fields = fields


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    fields = ("at", "kind", "detail", "author")
    readonly_fields = fields


class TimeInline(admin.TabularInline):
    model = TimeEntry
    extra = 0
    fields = ("at", "staff", "minutes", "note")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "customer", "status", "priority", "assignee", "next_due")
    list_filter = ("status", "priority", "channel")
    search_fields = ("number", "subject", "customer__name")
    ordering = ("next_due", "number")
    readonly_fields = ("number", "opened_at", "first_response_at", "resolved_at", "closed_at",
                       "first_response_due", "resolution_due", "next_due", "next_alarm", "alarms_sent", "sla_basis")
    inlines = [ReplyInline, EventInline, TimeInline]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("name", "content_type", "size", "reply")
    readonly_fields = fields


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """Every mail the desk took and what became of it; decisions on triage are made on the desk's triage page,
    which keeps the ticket and its attachments together."""

    list_display = ("taken_at", "sender", "subject", "outcome", "reason", "ticket")
    list_filter = ("outcome", "mailbox")
    search_fields = ("sender", "subject", "message_id")
    exclude = ("raw",)
    readonly_fields = ("mailbox", "uidvalidity", "uid", "message_id", "sender", "sender_name", "subject", "body",
                       "sent_at", "taken_at", "outcome", "reason", "ticket", "decided_by", "decided_at")
    inlines = [AttachmentInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("name", "uidvalidity", "last_uid", "last_polled_at", "failures", "last_error")
    readonly_fields = ("name", "uidvalidity", "last_uid", "last_polled_at", "next_poll_at", "failures", "last_error",
                       "failing_since")
