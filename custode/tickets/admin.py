"""Tickets in the admin: read and edit the raw rows; the desk's rules live in the services."""

from django.contrib import admin

from custode.tickets.models import Event, Reply, Ticket, TimeEntry


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
