"""The project's URLs plus a page that only writes to the session: with the database down it fails only
when SessionMiddleware saves the session, after the view (tests/core/test_outage.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler500  # noqa: F401  # the project's error handler, as in config.urls
from config.urls import urlpatterns as project_urlpatterns


def remember(request: HttpRequest) -> HttpResponse:
    request.session["remembered"] = True
    return HttpResponse("remembered")


urlpatterns = [path("test/remember/", remember), *project_urlpatterns]
