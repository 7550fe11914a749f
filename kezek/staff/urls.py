from kezek.attendance import views as attendance
from kezek.funding import views as funding
from kezek.infection import views as infection
from kezek.records import views_staff as records
from kezek.schooltransfer.urls import staff_urlpatterns as school_transfers

from .views import auth, campaigns, desk, home, kindergarten, ledger, organisations, reports, settings

app_name = "staff"

urlpatterns = [
    *auth.urlpatterns,
    *home.urlpatterns,
    *organisations.urlpatterns,
    *settings.urlpatterns,
    *desk.urlpatterns,
    *kindergarten.urlpatterns,
    *reports.urlpatterns,
    *ledger.urlpatterns,
    *campaigns.urlpatterns,
    *records.urlpatterns,
    *attendance.urlpatterns,
    *funding.urlpatterns,
    *school_transfers,
    *infection.urlpatterns,
]
