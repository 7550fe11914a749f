from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("", views.feedback_new, name="new"),
    path("corruption/", views.feedback_new, {"kind": "corruption"}, name="corruption"),
    path("sent/<str:reference>/", views.feedback_sent, name="sent"),
    path("status/", views.feedback_status, name="status"),
    path("status/<str:reference>/", views.feedback_status_detail, name="status_detail"),
]
