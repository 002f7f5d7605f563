from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import FollowUpFilter
from api.serializers import FollowUpSerializer
from api.views.common import errors, int_path, parse_int_id
from cadence.models import FollowUp
from cadence.selectors import follow_up_list_for_user


@extend_schema(
    tags=["follow-ups"],
    summary="The user's queue of planned follow-ups, soonest first",
    responses={200: FollowUpSerializer(many=True), **errors(400, 404)},
)
class FollowUpListApi(generics.ListAPIView):
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter

    def get_queryset(self) -> QuerySet[FollowUp]:
        return follow_up_list_for_user(user=self.request.user).order_by("due_start", "id")


@extend_schema(tags=["follow-ups"], parameters=[int_path()], responses={200: FollowUpSerializer, **errors(404)})
class FollowUpDetailApi(APIView):
    def get(self, request: Request, id: str) -> Response:
        follow_up = follow_up_list_for_user(user=request.user).get(pk=parse_int_id(id))
        return Response(FollowUpSerializer(follow_up).data)
