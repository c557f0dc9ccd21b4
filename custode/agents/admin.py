from django.contrib import admin

from custode.agents.models import Agent


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    """Agents are enrolled by the device itself; here they are read, and revoked by deleting."""

    list_display = ("asset", "hostname", "enrolled_at", "received_at", "revoked_at")
    readonly_fields = ("asset", "digest", "enrolled_at", "hostname", "version", "monitor", "report", "measured_at",
                       "received_at", "changed_at", "patch")

    def has_add_permission(self, request):
        return False
