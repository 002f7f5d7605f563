from django.urls import path

from crm import views

urlpatterns = [
    path("", views.home, name="home"),
    path("prospects/", views.prospect_list, name="prospect_list"),
    path("prospects/import/", views.prospect_import, name="prospect_import"),
    path("prospects/import/confirm/", views.prospect_import_confirm, name="prospect_import_confirm"),
    path("prospects/<int:pk>/", views.prospect_detail, name="prospect_detail"),
    path("prospects/<int:pk>/timeline/", views.prospect_timeline, name="prospect_timeline"),
    path("prospects/<int:pk>/markers/", views.prospect_markers, name="prospect_markers"),
    path("prospects/<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("prospects/<int:pk>/enroll/", views.prospect_enroll, name="prospect_enroll"),
    path("prospects/<int:pk>/close/", views.prospect_close, name="prospect_close"),
    path("prospects/<int:pk>/reopen/", views.prospect_reopen_view, name="prospect_reopen"),
    path("prospects/<int:pk>/lift-do-not-contact/", views.prospect_dnc_lift_view, name="prospect_dnc_lift"),
    path("enrollments/<int:pk>/pause/", views.enrollment_pause_view, name="enrollment_pause"),
    path("enrollments/<int:pk>/resume/", views.enrollment_resume_view, name="enrollment_resume"),
    path("enrollments/<int:pk>/give-up/", views.enrollment_give_up_view, name="enrollment_give_up"),
    path("follow-ups/<int:pk>/snooze/", views.follow_up_snooze_view, name="follow_up_snooze"),
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed_view, name="calendar_feed"),
]
