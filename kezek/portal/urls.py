from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("location/", views.location_set, name="location_set"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<int:organisation_id>/", views.organisation_detail, name="organisation_detail"),
    path("faq/", views.faq, name="faq"),
    path("how-places-are-distributed/", views.how, name="how"),
    path("transparency/", views.transparency, name="transparency"),
    path("favicon.ico", views.favicon, name="favicon"),
]
