from django.contrib import admin

from custode.monitors.models import Monitor


@admin.register(Monitor)
class MonitorAdmin(admin.ModelAdmin):
    list_display = ("key", "type", "asset", "interval", "state", "last_check_at")
    list_filter = ("type", "state", "paused")
    search_fields = ("key", "asset__name", "asset__key")
    list_select_related = ("asset",)
    readonly_fields = ("push_token", "state", "state_since", "last_check_at", "last_latency_ms", "last_reason")
    raw_id_fields = ("asset",)
