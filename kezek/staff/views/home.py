from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from ..auth import staff_required


@require_GET
@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    """The back-office start page: who you are, what you cover, your sections."""
    return render(request, "staff/home.html")


urlpatterns = [path("", home, name="home")]
