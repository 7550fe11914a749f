"""The place exchange pages, mounted at /exchange/."""

from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.protocol, name="protocol"),
    path("my/", views.cabinet, name="cabinet"),
    path("my/<int:offer_id>/withdraw/", views.withdraw, name="withdraw"),
    path("staff/", views.staff, name="staff"),
]
