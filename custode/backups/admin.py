from django.contrib import admin

from custode.backups.models import BackupJob, BackupSignOff


@admin.register(BackupJob)
class BackupJobAdmin(admin.ModelAdmin):
    list_display = ("key", "asset", "schedule", "grace")
    raw_id_fields = ("asset", "monitor")


@admin.register(BackupSignOff)
class BackupSignOffAdmin(admin.ModelAdmin):
    """Sign-offs are evidence: read here, made on the round (``/backups/``)."""

    list_display = ("job", "state", "by", "at", "minutes")
    list_filter = ("state",)
    readonly_fields = ("job", "state", "reasons", "note", "user", "by", "at", "minutes", "time_entry")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
