from django.urls import path, re_path

from custode.backups import views

urlpatterns = [
    path("<uuid:token>", views.finish),
    path("<uuid:token>/", views.finish),
    path("<uuid:token>/start", views.start),
    path("<uuid:token>/replica", views.replica),
    path("<uuid:token>/restore-test", views.restore_test),
    re_path(r"^(?P<rest>.*)$", views.unknown),
]
