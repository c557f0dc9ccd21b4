from django.contrib import admin

from custode.lib.admin import ReadOnlyAdmin
from custode.notify.models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """The outbox as it is: read-only, since a message changed here would no longer be the one that was sent."""

    list_display = ("created_at", "status", "channel", "recipient_name", "recipient", "subject", "attempts",
                    "last_error", "sent_at")
    list_filter = ("status", "channel", "audience", "language")
    search_fields = ("key", "topic", "recipient", "recipient_name", "subject")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"
