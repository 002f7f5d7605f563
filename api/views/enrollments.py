from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import Conflict
from api.fields import AwareDateTimeField, StrictIntegerField
from api.filters import EnrollmentFilter
from api.idempotency import idempotent
from api.serializers import EnrollmentSerializer, TextField
from api.views.cadences import cadence_list_visible
from api.views.common import IDEMPOTENCY_KEY, errors, int_path, parse_int_id
from cadence.models import Enrollment
from cadence.services import enrollment_create, enrollment_pause, enrollment_resume, enrollment_set_next_step
from cadence.services.leads import EnrollmentEnded, enrollment_open_act
from crm.models import User
from crm.selectors import prospect_list_visible


def enrollment_list_visible(*, user: User) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(prospect__in=prospect_list_visible(user=user).values("pk"))


class EnrollmentListCreateApi(generics.ListAPIView):
    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter

    class InputSerializer(serializers.Serializer):
        prospect = StrictIntegerField(min_value=1, max_value=2**63 - 1)
        cadence = StrictIntegerField(
            min_value=1,
            max_value=2**63 - 1,
            allow_null=True,
            default=None,
            help_text="Omit for the team's cadence for the prospect's value.",
        )

        class Meta:
            ref_name = "EnrollmentInput"

    def get_queryset(self) -> QuerySet[Enrollment]:
        return enrollment_list_visible(user=self.request.user).order_by("-started_at", "id")

    @extend_schema(tags=["enrollments"], responses={200: EnrollmentSerializer(many=True), **errors(400, 404)})
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(
        tags=["enrollments"],
        summary="Enroll a prospect in a cadence (its first follow-up is planned after commit)",
        parameters=[IDEMPOTENCY_KEY],
        request=InputSerializer,
        responses={201: EnrollmentSerializer, **errors(400, 409, 413, 422)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        prospect = prospect_list_visible(user=request.user).filter(pk=serializer.validated_data["prospect"]).first()
        if prospect is None:
            raise ValidationError({"prospect": ["There is no prospect with this id."]})
        cadence = None
        if serializer.validated_data["cadence"] is not None:
            cadence = cadence_list_visible(user=request.user).filter(pk=serializer.validated_data["cadence"]).first()
            if cadence is None:
                raise ValidationError({"cadence": ["There is no cadence with this id."]})
        try:
            enrollment = enrollment_create(prospect=prospect, cadence=cadence, now=timezone.now())
        except DjangoValidationError as exc:
            # Already enrolled, closed, or no cadence yet: the request is fine, the prospect's state is not.
            raise Conflict(" ".join(exc.messages), code="not_enrollable") from None
        return Response(EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["enrollments"], parameters=[int_path()], responses={200: EnrollmentSerializer, **errors(404)})
class EnrollmentDetailApi(APIView):
    def get(self, request: Request, id: str) -> Response:
        enrollment = enrollment_list_visible(user=request.user).get(pk=parse_int_id(id))
        return Response(EnrollmentSerializer(enrollment).data)


def _open_enrollment_act(request: Request, id: str, act: Callable[[Enrollment], object]) -> Enrollment:
    """`act` on the visible enrollment, locked while it runs (cadence.services.enrollment_open_act); an ended one
    is a 409."""
    try:
        return enrollment_open_act(
            enrollments=enrollment_list_visible(user=request.user), enrollment_id=parse_int_id(id), act=act
        )
    except EnrollmentEnded as exc:
        raise Conflict(exc.messages[0], code="enrollment_ended") from None


@contextmanager
def _refused_as(field: str) -> Iterator[None]:
    """What the service refuses is said as the API's 400 on `field` (the one input it can refuse)."""
    try:
        yield
    except DjangoValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


class EnrollmentPauseApi(APIView):
    class InputSerializer(serializers.Serializer):
        until = AwareDateTimeField(
            allow_null=True,
            default=None,
            help_text="When to pick the cadence up again by itself; omit or null to pause until resumed.",
        )
        note = serializers.CharField(
            max_length=200, required=False, allow_blank=True, default="", help_text="Why, for the lead's history."
        )

        class Meta:
            ref_name = "EnrollmentPauseInput"

    @extend_schema(
        tags=["enrollments"],
        operation_id="enrollments_pause",
        summary="Pause a cadence, until a time or until resumed (a paused lead gets no follow-ups)",
        parameters=[int_path(), IDEMPOTENCY_KEY],
        request=InputSerializer,
        responses={200: EnrollmentSerializer, **errors(400, 404, 409, 413, 422)},
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        data = serializer.validated_data

        def pause(enrollment: Enrollment) -> None:
            # The enrollment is open (checked under the lock), so what the service refused is the end time.
            with _refused_as("until"):
                enrollment_pause(
                    enrollment=enrollment,
                    now=timezone.now(),
                    until=data["until"],
                    actor=request.user,
                    note=data["note"],
                )

        return Response(EnrollmentSerializer(_open_enrollment_act(request, id, pause)).data)


class EnrollmentResumeApi(APIView):
    @extend_schema(
        tags=["enrollments"],
        operation_id="enrollments_resume",
        summary="Resume a paused cadence (its next attempt is planned after commit; an unpaused one is unchanged)",
        parameters=[int_path(), IDEMPOTENCY_KEY],
        request=None,
        responses={200: EnrollmentSerializer, **errors(400, 404, 409, 413, 422)},
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        enrollment = _open_enrollment_act(
            request,
            id,
            lambda enrollment: enrollment_resume(enrollment=enrollment, now=timezone.now(), actor=request.user),
        )
        return Response(EnrollmentSerializer(enrollment).data)


class EnrollmentNextStepApi(APIView):
    class InputSerializer(serializers.Serializer):
        what = TextField(max_length=200, help_text="What was agreed, e.g. “send the lane pricing”.")
        due_at = AwareDateTimeField(help_text="When, as an instant with its offset; in the future.")

        class Meta:
            ref_name = "EnrollmentNextStepInput"

    @extend_schema(
        tags=["enrollments"],
        operation_id="enrollments_next_step",
        summary="Record the next step agreed with the prospect (it becomes the lead's next follow-up)",
        parameters=[int_path(), IDEMPOTENCY_KEY],
        request=InputSerializer,
        responses={200: EnrollmentSerializer, **errors(400, 404, 409, 413, 422)},
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        data = serializer.validated_data

        def next_step(enrollment: Enrollment) -> None:
            with _refused_as("due_at"):
                enrollment_set_next_step(
                    enrollment=enrollment,
                    what=data["what"],
                    due_at=data["due_at"],
                    now=timezone.now(),
                    actor=request.user,
                )

        return Response(EnrollmentSerializer(_open_enrollment_act(request, id, next_step)).data)
