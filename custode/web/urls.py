from django.contrib.auth import views as auth_views
from django.urls import path

from custode.web import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/", views.preferences, name="settings"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
