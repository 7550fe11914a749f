"""The parent's queue pages, mounted at /queue/ (no personal data in any of these URLs)."""

from django.urls import path

from . import views

app_name = "waitlist"

urlpatterns = [
    path("check/", views.check, name="check"),
    path("join/", views.join, name="join"),
    path("join/phones/", views.join_phones, name="join_phones"),
    path("join/phones/codes/", views.join_codes, name="join_codes"),
    path("join/persons/", views.join_persons, name="join_persons"),
    path("join/address/", views.join_address, name="join_address"),
    path("join/benefit/", views.join_benefit, name="join_benefit"),
    path("join/notifications/", views.join_notifications, name="join_notifications"),
    path("join/review/", views.join_review, name="join_review"),
    path("join/done/", views.join_done, name="join_done"),
    path("join/cancel/", views.join_cancel, name="join_cancel"),
]
