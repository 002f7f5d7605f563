from django.urls import path

from dashboard import views

# Mounted at /dashboard/. Names are unprefixed by a namespace so `reverse("dashboard")` reads like the nav.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("actions/", views.stalled_action, name="dashboard_action"),
    path("stalled.csv", views.stalled_csv, name="dashboard_stalled_csv"),
    path("reps.csv", views.reps_csv, name="dashboard_reps_csv"),
    path("charts/<slug:chart>.csv", views.chart_csv, name="dashboard_chart_csv"),
]
