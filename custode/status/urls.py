"""Status pages: the provider's public page and each customer's private one, with their feeds and JSON."""

from django.urls import path

from custode.status import subscribing, views

app_name = "status"

urlpatterns = [
    path("c/<str:ident>/", views.private_page, name="private"),
    path("c/<str:ident>.json", views.private_json, name="private-json"),
    path("c/<str:ident>/feed.atom", views.private_feed, name="private-feed"),
    path("<slug:ident>/", views.public_page, name="public"),
    path("<slug:ident>.json", views.public_json, name="public-json"),
    path("<slug:ident>/feed.atom", views.public_feed, name="public-feed"),
    path("<slug:ident>/badge/<slug:key>.svg", views.public_badge, name="public-badge"),
    path("<slug:ident>/subscribe/", subscribing.subscribe, name="subscribe"),
    path("<slug:ident>/subscribe/confirm/<str:value>/", subscribing.confirm, name="confirm"),
    path("<slug:ident>/unsubscribe/<str:token>/", subscribing.unsubscribe, name="unsubscribe"),
]
