from django.contrib import admin

from custode.directory.models import Contact, Customer, Plan, Provider, StaffProfile


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "language", "contact_phone", "contact_email")


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "phone", "on_call", "language")
    list_filter = ("on_call",)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("key", "support_hours", "holidays", "monthly_hours")


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "plan", "language")
    list_filter = ("plan", "language")
    search_fields = ("name", "key")
    inlines = [ContactInline]
