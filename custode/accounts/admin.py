from django.contrib import admin

from custode.accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `custode token create`; here they can be seen and revoked."""

    list_display = ("name", "user", "prefix", "can_write", "created_at", "last_used_at")
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
