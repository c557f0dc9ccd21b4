from django.contrib import admin

from custode.maintenance.models import MaintenanceWindow


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ("key", "start", "duration", "announce")
    filter_horizontal = ("assets",)
