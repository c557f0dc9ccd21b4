from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from custode.directory.models import Contact, Customer, Plan, Provider, StaffProfile
from custode.directory.services import customer_rotate_status_token


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
    actions = ["rotate_status_link"]

    @admin.action(description=_("Give a new private status link (the old one stops working)"))
    def rotate_status_link(self, request, queryset):
        for customer in queryset:
            customer_rotate_status_token(customer=customer)
        self.message_user(request, _("New status links: %(count)d") % {"count": queryset.count()})
