from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api import inbound

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    # Inbound leads from other sites: a website's form and a form tool's signed webhook (api/inbound.py).
    path("in/<str:key>/", inbound.inbound_form, name="inbound_form"),
    path("in/<str:key>/hook/", inbound.inbound_webhook, name="inbound_webhook"),
    path("dashboard/", include("dashboard.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Logout, password change and the password reset flow (the mail goes through EMAIL_BACKEND).
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("workspace.urls")),
]
