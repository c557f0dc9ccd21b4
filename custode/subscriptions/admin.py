from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from custode.lib.admin import ReadOnlyAdmin
from custode.subscriptions import selectors, services
from custode.subscriptions.models import Subscriber

_STATUS_NAMES = {"pending": _("Pending"), "active": _("Active"), "unsubscribed": _("Unsubscribed")}


class StatusFilter(admin.SimpleListFilter):
    title = _("Status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status, _STATUS_NAMES[status]) for status in selectors.STATUSES]

    def queryset(self, request, queryset):
        return selectors.subscribers_with_status(queryset, self.value()) if self.value() else queryset


@admin.register(Subscriber)
class SubscriberAdmin(ReadOnlyAdmin):
    """The public page's subscribers. Only they sign up (double opt-in) and choose; staff see them and unsubscribe
    them, which keeps the row so their link keeps answering. Who receives cannot be changed here: that would
    skip the confirmation."""

    list_display = ("channel", "address", "language", "status", "created_at", "confirmed_at", "unsubscribed_at")
    list_display_links = ("address",)
    list_filter = ("channel", "language", StatusFilter)
    search_fields = ("address", "email")
    readonly_fields = ("channel", "address", "email", "language", "components", "token", "created_at",
                       "confirmed_at", "unsubscribed_at")
    date_hierarchy = "created_at"
    actions = ["unsubscribe_selected"]

    @admin.display(description=_("Status"))
    def status(self, subscriber: Subscriber) -> str:
        return _STATUS_NAMES[selectors.subscriber_status(subscriber)]

    @admin.action(description=_("Unsubscribe selected"))
    def unsubscribe_selected(self, request, queryset):
        for subscriber in queryset:
            services.unsubscribe(subscriber.token)
        self.message_user(request, _("Unsubscribed: %(count)d") % {"count": len(queryset)})
