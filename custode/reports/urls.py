"""Staff pages of a customer's monthly reports, under /customers/<id>/reports/ (included by custode.web.urls)."""

from django.urls import path

from custode.reports import views

urlpatterns = [
    path("", views.report_list, name="customer-reports"),
    path("make/", views.report_make, name="customer-report-make"),
    path("recommendation/", views.recommendation, name="customer-report-recommendation"),
    path("<str:month>-<str:language>.pdf", views.download, name="customer-report"),
    path("<str:month>-<str:language>/approve/", views.approve, name="customer-report-approve"),
]
