"""Status pages: the provider's public page and each customer's private one, with their feeds and JSON."""

from django.urls import path

app_name = "status"

urlpatterns: list = []
