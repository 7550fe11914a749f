from django.http import HttpRequest

from .navigation import menu
from .selectors import Scope


def back_office(request: HttpRequest) -> dict[str, object]:
    """The signed-in staff user's scope and menu, on back-office pages (set by `staff_required`)."""
    scope: Scope | None = getattr(request, "scope", None)
    return {"staff_scope": scope, "staff_menu": menu(scope) if scope else []}
