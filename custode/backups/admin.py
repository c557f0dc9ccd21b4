from django.contrib import admin

from custode.backups.models import BackupJob


@admin.register(BackupJob)
class BackupJobAdmin(admin.ModelAdmin):
    list_display = ("key", "asset", "schedule", "grace")
    raw_id_fields = ("asset", "monitor")
