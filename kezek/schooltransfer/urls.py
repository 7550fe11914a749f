"""Routes of the transfer to school: public (`/school/`: receipt, verification), the parent's cabinet
(`/cabinet/school/`) and the kindergarten's back-office (mounted in the staff namespace)."""

from django.urls import path

from . import views

app_name = "schooltransfer"

cabinet_patterns = (
    [
        path("", views.cabinet, name="home"),
        path("<int:file_id>/consent/", views.consent, name="consent"),
        path("packages/<int:transfer_id>/<str:kind>/", views.cabinet_package, name="package"),
    ],
    "schooltransfer_cabinet",
)

staff_urlpatterns = [
    path("kindergarten/school/", views.staff_list, name="school_transfers"),
    path("kindergarten/school/<int:transfer_id>/", views.staff_detail, name="school_transfer"),
    path("kindergarten/school/<int:transfer_id>/issue/", views.staff_issue, name="school_transfer_issue"),
    path("kindergarten/school/<int:transfer_id>/depart/", views.staff_depart, name="school_transfer_depart"),
    path(
        "kindergarten/school/<int:transfer_id>/package/<str:kind>/",
        views.staff_package,
        name="school_transfer_package",
    ),
]

urlpatterns = [
    path("receive/", views.receive, name="receive"),
    path("received/<int:transfer_id>/<str:kind>/", views.received_package, name="received_package"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
