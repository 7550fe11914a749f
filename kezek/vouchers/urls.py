"""The voucher pages, mounted at /vouchers/."""

from django.urls import path

from . import views

app_name = "vouchers"

urlpatterns = [
    path("", views.vouchers, name="vouchers"),
    path("<int:number>/", views.voucher, name="voucher"),
    path("<int:number>/confirm/", views.confirm, name="confirm"),
    path("<int:number>/refuse/", views.refuse, name="refuse"),
    path("<int:number>/restore/", views.restore, name="restore"),
    path("<int:number>/extend/", views.extend, name="extend"),
    path("<int:number>/sign/", views.sign, name="sign"),
    path("staff/", views.staff_vouchers, name="staff"),
]
