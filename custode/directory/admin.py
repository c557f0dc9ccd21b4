from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from custode.directory.models import Contact, Customer, Plan, Provider, StaffProfile
from custode.directory.services import customer_rotate_status_token
from custode.lib.links import status_url


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
    readonly_fields = ("private_status_link",)

    @admin.display(description=_("Private status link"))
    def private_status_link(self, customer):
        """On CUSTODE_BASE_URL when set; else a path, which the browser completes with this admin's host."""
        if customer.pk is None:
            return _("Given when the customer is saved.")
        url = status_url(customer)
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.action(description=_("Give a new private status link (the old one stops working)"))
    def rotate_status_link(self, request, queryset):
        for customer in queryset:
            customer_rotate_status_token(customer=customer)
        self.message_user(request, _("New status links: %(count)d") % {"count": queryset.count()})
