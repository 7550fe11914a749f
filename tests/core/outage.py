"""A database that cannot be reached, for tests/core/test_outage.py: the connection is really broken (on
SQLite every statement is interrupted; on PostgreSQL the connection is closed and may only reconnect to
a port nobody listens on), and a URLconf whose page loses the database in the middle of a request."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler500  # noqa: F401  # the project's error handlers
from config.urls import urlpatterns as project_urlpatterns

_PORT = "PORT"


def break_database() -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.set_progress_handler(lambda: 1, 1)  # sqlite3.OperationalError: interrupted
    else:
        connection.settings_dict["KEZEK_TEST_PORT"] = connection.settings_dict[_PORT]
        connection.close()
        connection.settings_dict[_PORT] = "1"  # connection refused


def repair_database() -> None:
    if connection.vendor == "sqlite":
        connection.connection.set_progress_handler(None, 1)
    elif "KEZEK_TEST_PORT" in connection.settings_dict:
        connection.settings_dict[_PORT] = connection.settings_dict.pop("KEZEK_TEST_PORT")


def remember(request: HttpRequest) -> HttpResponse:
    """Reads the session, loses the database, writes the session: only SessionMiddleware's save after the
    view fails (an INSERT for a new session, an UPDATE for an existing one)."""
    request.session.get("remembered")
    break_database()
    request.session["remembered"] = True
    return HttpResponse("remembered")


urlpatterns = [path("test/remember/", remember), *project_urlpatterns]
