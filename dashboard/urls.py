from django.urls import path

from dashboard.views import cadences, inbound, messages, reps, setup, webhooks
from dashboard.views import overview as views

# Mounted at /dashboard/. Names are unprefixed by a namespace so `reverse("dashboard")` reads like the nav.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("actions/", views.stalled_action, name="dashboard_action"),
    path("stalled.csv", views.stalled_csv, name="dashboard_stalled_csv"),
    path("reps.csv", views.reps_csv, name="dashboard_reps_csv"),
    path("charts/<slug:chart>.csv", views.chart_csv, name="dashboard_chart_csv"),
    # Team setup, for the team's managers.
    path("setup/", setup.setup_home, name="setup_home"),
    path("teams/<int:team_id>/cadences/", cadences.cadence_list, name="cadence_list"),
    path("teams/<int:team_id>/cadences/new/", cadences.cadence_new, name="cadence_new"),
    path("teams/<int:team_id>/cadences/preview/", cadences.cadence_preview_view, name="cadence_preview"),
    path("teams/<int:team_id>/cadences/<int:pk>/", cadences.cadence_edit, name="cadence_edit"),
    path("teams/<int:team_id>/cadences/<int:pk>/copy/", cadences.cadence_copy_view, name="cadence_copy"),
    path("teams/<int:team_id>/cadences/<int:pk>/retire/", cadences.cadence_retire_view, name="cadence_retire"),
    path("teams/<int:team_id>/messages/", messages.message_list, name="message_list"),
    path("teams/<int:team_id>/messages/new/", messages.message_new, name="message_new"),
    path("teams/<int:team_id>/messages/<int:pk>/", messages.message_edit, name="message_edit"),
    path("teams/<int:team_id>/messages/<int:pk>/retire/", messages.message_retire_view, name="message_retire"),
    path("teams/<int:team_id>/inbound/", inbound.inbound_setup, name="inbound_setup"),
    path("teams/<int:team_id>/inbound/settings/", inbound.inbound_settings_save, name="inbound_settings"),
    path("teams/<int:team_id>/inbound/key/", inbound.inbound_key_new, name="inbound_key_new"),
    path("teams/<int:team_id>/inbound/rules/", inbound.routing_rule_add_view, name="routing_rule_add"),
    path(
        "teams/<int:team_id>/inbound/rules/<int:pk>/delete/",
        inbound.routing_rule_delete_view,
        name="routing_rule_delete",
    ),
    path("teams/<int:team_id>/inbound/rules/<int:pk>/move/", inbound.routing_rule_move_view, name="routing_rule_move"),
    path("teams/<int:team_id>/webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("teams/<int:team_id>/webhooks/add/", webhooks.webhook_add, name="webhook_add"),
    path("teams/<int:team_id>/webhooks/<int:pk>/rotate/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("teams/<int:team_id>/webhooks/<int:pk>/remove/", webhooks.webhook_remove, name="webhook_remove"),
    path("teams/<int:team_id>/webhooks/deliveries/<int:pk>/replay/", webhooks.webhook_replay, name="webhook_replay"),
    path("teams/<int:team_id>/reps/", reps.rep_list, name="rep_list"),
    path("teams/<int:team_id>/reps/invite/", reps.rep_invite_view, name="rep_invite"),
    path("teams/<int:team_id>/reps/coverage/", reps.team_coverage_view, name="team_coverage"),
    path("teams/<int:team_id>/reps/currency/", reps.team_currency_view, name="team_currency"),
    path("teams/<int:team_id>/reps/<int:pk>/", reps.rep_edit, name="rep_edit"),
    path("teams/<int:team_id>/reps/<int:pk>/deactivate/", reps.rep_deactivate_view, name="rep_deactivate"),
    path("teams/<int:team_id>/reps/<int:pk>/invite-again/", reps.rep_invite_again_view, name="rep_invite_again"),
    path("teams/<int:team_id>/reps/<int:pk>/absences/", reps.absence_add_view, name="absence_add"),
    path("teams/<int:team_id>/absences/<int:pk>/delete/", reps.absence_delete_view, name="absence_delete"),
]
