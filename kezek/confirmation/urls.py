"""The parent's questionnaire (mounted at /cabinet/questionnaire/): only the campaign's id in the paths."""

from django.urls import path

from . import views

app_name = "confirmation"

urlpatterns = [
    path("<int:campaign_id>/", views.start, name="start"),
    path("<int:campaign_id>/questions/<int:number>/", views.step, name="step"),
    path("<int:campaign_id>/thank-you/", views.done, name="done"),
    path("<int:campaign_id>/answers/", views.answers, name="answers"),
]
