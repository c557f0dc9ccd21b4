from django.contrib import admin

from custode.assets.models import Asset


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "kind", "customer", "vendor", "model", "warranty_until")
    list_filter = ("kind", "customer")
    search_fields = ("name", "key", "serial")
    filter_horizontal = ("depends_on",)
    list_select_related = ("customer",)
