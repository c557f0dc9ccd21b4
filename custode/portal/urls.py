"""The customer portal at /portal/: every page that takes an object names it by what the customer sees
(a ticket's number), and finds it only among that customer's own."""

from django.urls import path

from custode.portal import views
from custode.reports import portal_views as reports

app_name = "portal"

urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("login", views.login, name="login"),
    path("login/<str:token>/", views.login_link, name="login-link"),
    path("logout", views.logout, name="logout"),
    path("tickets/new/", views.ticket_new, name="ticket-new"),
    path("tickets/<int:number>/", views.ticket, name="ticket"),
    path("tickets/<int:number>/files/<int:attachment>/", views.attachment, name="attachment"),
    path("assets/", views.assets, name="assets"),
    path("hours/", views.hours, name="hours"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/<str:month>-<str:language>.pdf", reports.report, name="report"),
    path("status/", views.status, name="status"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/<int:callback>/cancel", views.callback_cancel, name="callback-cancel"),
]
