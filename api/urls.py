from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views.cadences import CadenceDetailApi, CadenceListApi
from api.views.contacts import ContactDetailApi, ContactListCreateApi
from api.views.enrollments import (
    EnrollmentDetailApi,
    EnrollmentListCreateApi,
    EnrollmentNextStepApi,
    EnrollmentPauseApi,
    EnrollmentResumeApi,
)
from api.views.follow_ups import FollowUpDetailApi, FollowUpListApi
from api.views.me import MeApi, TokenRotateApi
from api.views.prospects import ProspectDetailApi, ProspectListCreateApi
from api.views.touches import TouchBulkApi, TouchChangesApi, TouchDetailApi, TouchListCreateApi

# Ids are matched as any text: the views turn a malformed one into the same JSON 404 as a missing one.
v1 = [
    path("me/", MeApi.as_view(), name="me"),
    path("me/token/rotate/", TokenRotateApi.as_view(), name="token-rotate"),
    path("prospects/", ProspectListCreateApi.as_view(), name="prospect-list"),
    path("prospects/<str:id>/", ProspectDetailApi.as_view(), name="prospect-detail"),
    path("contacts/", ContactListCreateApi.as_view(), name="contact-list"),
    path("contacts/<str:id>/", ContactDetailApi.as_view(), name="contact-detail"),
    path("touches/", TouchListCreateApi.as_view(), name="touch-list"),
    path("touches/bulk/", TouchBulkApi.as_view(), name="touch-bulk"),
    path("touches/changes/", TouchChangesApi.as_view(), name="touch-changes"),
    path("touches/<str:id>/", TouchDetailApi.as_view(), name="touch-detail"),
    path("cadences/", CadenceListApi.as_view(), name="cadence-list"),
    path("cadences/<str:id>/", CadenceDetailApi.as_view(), name="cadence-detail"),
    path("enrollments/", EnrollmentListCreateApi.as_view(), name="enrollment-list"),
    path("enrollments/<str:id>/", EnrollmentDetailApi.as_view(), name="enrollment-detail"),
    path("enrollments/<str:id>/pause/", EnrollmentPauseApi.as_view(), name="enrollment-pause"),
    path("enrollments/<str:id>/resume/", EnrollmentResumeApi.as_view(), name="enrollment-resume"),
    path("enrollments/<str:id>/next-step/", EnrollmentNextStepApi.as_view(), name="enrollment-next-step"),
    path("follow-ups/", FollowUpListApi.as_view(), name="follow-up-list"),
    path("follow-ups/<str:id>/", FollowUpDetailApi.as_view(), name="follow-up-detail"),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
