"""The parent's pages of distribution, mounted at /places/."""

from django.urls import path

from . import views

app_name = "placement"

urlpatterns = [
    path("", views.search, name="search"),
    path("organisations/<int:organisation_id>/", views.organisation, name="organisation"),
    path("groups/<int:group_id>/", views.group, name="group"),
    path("groups/<int:group_id>/direction/", views.take, name="take"),
    path("directions/", views.directions, name="directions"),
    path("directions/<int:number>/", views.direction, name="direction"),
    path("directions/<int:number>/extend/", views.extend, name="extend"),
    path("directions/<int:number>/decline/", views.decline, name="decline"),
    path("directions/<int:number>/pdf/", views.direction_pdf, name="pdf"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
