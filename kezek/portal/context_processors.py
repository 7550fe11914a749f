from django.http import HttpRequest

from kezek.facilities import selectors as facilities


def locality(request: HttpRequest) -> dict[str, object]:
    """The location the visitor chose (the seed asks for it first) and the choices."""
    return {
        "current_locality": facilities.locality_for_request(request),
        "localities": facilities.locality_list(),
    }
