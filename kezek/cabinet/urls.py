"""The parent's cabinet pages (mounted at /cabinet/). No IIN or phone ever appears in these paths."""

from django.urls import path

from kezek.attendance import cabinet_views as attendance

from . import views

app_name = "cabinet"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("login/password/", views.login_password, name="login_password"),
    path("logout/", views.logout, name="logout"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("phone/", views.phone_change, name="phone_change"),
    path("phone/confirm/", views.phone_change_confirm, name="phone_change_confirm"),
    path("access/", views.access_request, name="access_request"),
    path("access/confirm/", views.access_request_confirm, name="access_request_confirm"),
    path("applications/<int:number>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:number>/withdraw/confirm/", views.withdraw_confirm, name="withdraw_confirm"),
    path("applications/<int:number>/restore/", views.restore, name="restore"),
    path("applications/<int:number>/proof/", views.proof, name="proof"),
    *attendance.urlpatterns,
]
