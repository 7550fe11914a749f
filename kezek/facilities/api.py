from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from kezek.core.pagination import BoundedPageNumberPagination
from kezek.core.schemas import ErrorOut

from . import selectors
from .models import Organisation
from .schemas import LocalityOut, OrganisationDetailOut, OrganisationFilter, OrganisationOut

router = Router(tags=["facilities"])


@router.get("/localities", response={200: list[LocalityOut], 422: ErrorOut})
@paginate(BoundedPageNumberPagination, page_size=100)
def localities(request: HttpRequest) -> object:
    return selectors.locality_list()


@router.get("/organisations", response={200: list[OrganisationOut], 404: ErrorOut, 422: ErrorOut})
@paginate(BoundedPageNumberPagination, page_size=50)
def organisations(request: HttpRequest, filters: Query[OrganisationFilter]) -> object:
    locality_id = selectors.locality_get(code=filters.locality).pk if filters.locality else None
    return selectors.organisation_list(
        locality_id=locality_id,
        ownership=filters.ownership,
        language=filters.language,
        kind=filters.kind,
        age_from=filters.age_from,
        age_to=filters.age_to,
        name=filters.name,
    )


@router.get(
    "/organisations/{organisation_id}",
    response={200: OrganisationDetailOut, 404: ErrorOut, 422: ErrorOut},
)
def organisation_detail(request: HttpRequest, organisation_id: int) -> Organisation:
    return selectors.organisation_passport(organisation_id=organisation_id)
