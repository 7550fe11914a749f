from django.contrib import admin
from django.urls import include, path

from config.api import api
from kezek.core.views import healthz
from kezek.schooltransfer.urls import cabinet_patterns as schooltransfer_cabinet

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("captcha/", include("captcha.urls")),
    path("open-data/", include("kezek.opendata.urls")),
    path("log/", include("kezek.translog.urls")),
    path("queue/", include("kezek.waitlist.urls")),
    path("cabinet/questionnaire/", include("kezek.confirmation.urls")),
    path("cabinet/records/", include("kezek.records.views_cabinet")),
    path("cabinet/monitoring/", include("kezek.monitoring.views_cabinet")),
    path("cabinet/school/", include(schooltransfer_cabinet)),
    path("cabinet/", include("kezek.cabinet.urls")),
    path("places/", include("kezek.placement.urls")),
    path("vouchers/", include("kezek.vouchers.urls")),
    path("exchange/", include("kezek.exchange.urls")),
    path("feedback/", include("kezek.feedback.urls")),
    path("staff/monitoring/", include("kezek.monitoring.views")),
    path("staff/", include("kezek.staff.urls")),
    path("school/", include("kezek.schooltransfer.urls")),
    path("", include("kezek.portal.urls")),
]

handler400 = "kezek.core.views.bad_request"
handler403 = "kezek.core.views.permission_denied"
handler404 = "kezek.core.views.page_not_found"
handler500 = "kezek.core.views.server_error"
