"""The rep's workspace, mounted at the site root. URL names are unprefixed: `reverse("home")` reads like the nav."""

from django.urls import path

from workspace.views import absences, calendar, imports, mail, my_day, prospects, touches

urlpatterns = [
    path("", my_day.home, name="home"),
    path("focus/", my_day.focus, name="focus"),
    path("touches/undo/", touches.touch_undo, name="touch_undo"),
    path("enrollments/<int:pk>/next-step/", my_day.enrollment_next_step_view, name="enrollment_next_step"),
    path("follow-ups/<int:pk>/log/", touches.follow_up_log, name="follow_up_log"),
    path("follow-ups/<int:pk>/row/", touches.follow_up_row, name="follow_up_row"),
    path("follow-ups/<int:pk>/why/", touches.follow_up_why, name="follow_up_why"),
    path("follow-ups/<int:pk>/panel/<str:panel>/", touches.follow_up_panel, name="follow_up_panel"),
    path("follow-ups/<int:pk>/email/", mail.follow_up_email_send, name="follow_up_email_send"),
    path("outbox/<uuid:outbound_id>/", mail.outbox_settle, name="outbox_settle"),
    path("mailbox/", mail.mailbox_settings, name="mailbox_settings"),
    path("mail-read/<int:pk>/reclassify/", mail.inbound_reclassify_view, name="inbound_reclassify"),
    path("u/<str:token>/", mail.unsubscribe_one_click, name="unsubscribe_one_click"),
    path("follow-ups/<int:pk>/snooze/", my_day.follow_up_snooze_view, name="follow_up_snooze"),
    path("prospects/", prospects.prospect_list, name="prospect_list"),
    path("prospects/import/", imports.prospect_import, name="prospect_import"),
    path("prospects/import/<int:pk>/", imports.import_map, name="import_map"),
    path("prospects/import/<int:pk>/confirm/", imports.prospect_import_confirm, name="prospect_import_confirm"),
    path("prospects/import/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("prospects/import/<int:pk>/not-imported.csv", imports.import_failed_csv, name="import_failed_csv"),
    path("prospects/<int:pk>/", prospects.prospect_detail, name="prospect_detail"),
    path("prospects/<int:pk>/timeline/", prospects.prospect_timeline, name="prospect_timeline"),
    path("prospects/<int:pk>/markers/", prospects.prospect_markers, name="prospect_markers"),
    path("prospects/<int:pk>/contacts/new/", prospects.contact_add, name="contact_add"),
    path("prospects/<int:pk>/touches/new/", touches.touch_new, name="touch_new"),
    path("prospects/<int:pk>/enroll/", prospects.prospect_enroll, name="prospect_enroll"),
    path("prospects/<int:pk>/close/", prospects.prospect_close, name="prospect_close"),
    path("prospects/<int:pk>/reopen/", prospects.prospect_reopen_view, name="prospect_reopen"),
    path("prospects/<int:pk>/lift-do-not-contact/", prospects.prospect_dnc_lift_view, name="prospect_dnc_lift"),
    path("enrollments/<int:pk>/pause/", prospects.enrollment_pause_view, name="enrollment_pause"),
    path("enrollments/<int:pk>/resume/", prospects.enrollment_resume_view, name="enrollment_resume"),
    path("enrollments/<int:pk>/give-up/", prospects.enrollment_give_up_view, name="enrollment_give_up"),
    path("away/", absences.my_absences, name="my_absences"),
    path("away/<int:pk>/delete/", absences.my_absence_delete, name="my_absence_delete"),
    path("calendar/", calendar.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", calendar.calendar_feed_view, name="calendar_feed"),
]
