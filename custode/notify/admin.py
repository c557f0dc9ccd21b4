from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from custode.lib.admin import ReadOnlyAdmin
from custode.notify import services
from custode.notify.models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """The outbox as it is: read-only, since a message changed here would no longer be the one that was sent.
    Staff only decide on held messages (filter by status "Held"): send them after all, or discard them."""

    list_display = ("created_at", "status", "channel", "recipient_name", "recipient", "subject", "attempts",
                    "last_error", "sent_at")
    list_filter = ("status", "channel", "audience", "language")
    search_fields = ("key", "topic", "recipient", "recipient_name", "subject")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"
    actions = ["release_selected", "discard_selected"]

    @admin.action(description=_("Send the selected held messages"))
    def release_selected(self, request, queryset):
        ids = services.messages_release(where=queryset, by=request.user.get_username())
        self.message_user(request, _("Released: %(count)d (only held messages are)") % {"count": len(ids)})

    @admin.action(description=_("Discard the selected held messages"))
    def discard_selected(self, request, queryset):
        ids = services.messages_discard(where=queryset, by=request.user.get_username())
        self.message_user(request, _("Discarded: %(count)d (only held messages are)") % {"count": len(ids)})
