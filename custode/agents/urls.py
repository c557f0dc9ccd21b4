from django.urls import path, re_path

from custode.agents import views

urlpatterns = [
    path("enroll", views.enroll),
    path("<slug:asset>/report", views.report),
    re_path(r"^(?P<rest>.*)$", views.unknown),
]
