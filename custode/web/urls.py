from django.contrib.auth import views as auth_views
from django.urls import include, path

from custode.web import backup_views, customer_views, incident_views, mail_views, ticket_views, views
from custode.web import patch_views
from custode.web import asset_views
from custode.web import warranty_views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/", views.preferences, name="settings"),
    path("messages/held/release/", views.held_release, name="held-release"),
    path("messages/held/discard/", views.held_discard, name="held-discard"),
    path("customers/", customer_views.customer_list, name="customers"),
    path("customers/<str:key>/", customer_views.customer_page, name="customer"),
    path("customers/<str:key>/status-link/", customer_views.customer_status_link, name="customer-status-link"),
    path("customers/<str:key>/patches/", patch_views.customer_patches_page, name="customer-patches"),
    path("customers/<str:key>/reports/", include("custode.reports.urls")),
    path("assets/<str:key>/", asset_views.asset_page, name="asset"),
    path("incidents/", incident_views.incident_list, name="incidents"),
    path("incidents/<int:incident_id>/", incident_views.incident_page, name="incident"),
    path("incidents/<int:incident_id>/update/", incident_views.incident_update, name="incident-update"),
    path("incidents/<int:incident_id>/reassign/", incident_views.incident_reassign, name="incident-reassign"),
    path("incidents/<int:incident_id>/resolve/", incident_views.incident_resolve, name="incident-resolve"),
    path("tickets/", ticket_views.ticket_queue, name="tickets"),
    path("tickets/new/", ticket_views.ticket_new, name="ticket-new"),
    path("tickets/<int:number>/", ticket_views.ticket_page, name="ticket"),
    path("tickets/<int:number>/reply/", ticket_views.ticket_reply, name="ticket-reply"),
    path("tickets/<int:number>/change/", ticket_views.ticket_change, name="ticket-change"),
    path("tickets/<int:number>/time/", ticket_views.ticket_time, name="ticket-time"),
    path("tickets/<int:number>/attachments/<int:attachment_id>/", mail_views.attachment, name="ticket-attachment"),
    path("backups/", backup_views.backup_round_page, name="backups"),
    path("backups/evidence/", backup_views.backup_evidence_page, name="backup-evidence"),
    path("backups/<str:key>/sign-off/", backup_views.backup_signoff, name="backup-signoff"),
    path("warranties/", warranty_views.warranty_list, name="warranties"),
    path("warranties/<str:key>/acknowledge/", warranty_views.warranty_acknowledge, name="warranty-acknowledge"),
    path("tickets/triage/", mail_views.triage, name="triage"),
    path("tickets/triage/<int:mail_id>/open/", mail_views.triage_open, name="triage-open"),
    path("tickets/triage/<int:mail_id>/discard/", mail_views.triage_discard, name="triage-discard"),
    path("tickets/triage/<int:mail_id>/mail.eml", mail_views.mail_raw, name="triage-raw"),
    path("tickets/triage/<int:mail_id>/attachments/<int:attachment_id>/", mail_views.mail_attachment,
         name="triage-attachment"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
