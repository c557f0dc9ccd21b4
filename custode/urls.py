from django.contrib import admin
from django.urls import include, path

from custode.api.routes import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("status/", include("custode.status.urls")),
    path("portal/", include("custode.portal.urls")),
    path("backup/", include("custode.backups.urls")),
    path("agent/", include("custode.agents.urls")),
    path("", include("custode.web.urls")),
]
