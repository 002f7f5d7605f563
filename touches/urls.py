from django.urls import path

from touches import views

urlpatterns = [
    path("follow-ups/<int:pk>/log/", views.follow_up_log, name="follow_up_log"),
    path("follow-ups/<int:pk>/row/", views.follow_up_row, name="follow_up_row"),
    path("prospects/<int:pk>/touches/new/", views.touch_new, name="touch_new"),
]
