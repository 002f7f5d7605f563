from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import StrictDecimalField
from api.filters import ProspectFilter
from api.serializers import ProspectSerializer, TextField, country_field, timezone_field
from api.services import etag_for, prospect_update
from api.views.common import IF_MATCH, errors, int_path, parse_int_id
from cadence.models import FollowUp
from crm.models import Marker, Prospect
from crm.selectors import prospect_list_visible


def _prospects_for(request: Request) -> QuerySet[Prospect]:
    """Visible prospects with their planned follow-up prefetched: a constant number of queries per page."""
    planned = FollowUp.objects.filter(status=FollowUp.Status.PLANNED).order_by("due_start")
    return prospect_list_visible(user=request.user).prefetch_related(
        Prefetch("follow_ups", queryset=planned, to_attr="planned_follow_ups")
    )


@extend_schema(tags=["prospects"], responses={200: ProspectSerializer(many=True), **errors(400, 404)})
class ProspectListApi(generics.ListAPIView):
    serializer_class = ProspectSerializer
    filterset_class = ProspectFilter

    def get_queryset(self) -> QuerySet[Prospect]:
        return _prospects_for(self.request).order_by("name", "id")


class ProspectDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = TextField(max_length=200)
        estimated_value = StrictDecimalField(max_digits=12, decimal_places=2, min_value=0)
        country = country_field()
        timezone = timezone_field(blank=False)
        source = serializers.ChoiceField(choices=Prospect.Source.choices)
        is_right_buyer = serializers.ChoiceField(choices=Marker.choices)
        buys_what_we_sell = serializers.ChoiceField(choices=Marker.choices)
        still_there = serializers.ChoiceField(choices=Marker.choices)
        recycle_on = serializers.DateField(allow_null=True)

        class Meta:
            ref_name = "ProspectInput"

    def _respond(self, prospect: Prospect) -> Response:
        prospect = _prospects_for(self.request).get(pk=prospect.pk)
        return Response(ProspectSerializer(prospect).data, headers={"ETag": etag_for(prospect)})

    @extend_schema(tags=["prospects"], parameters=[int_path()], responses={200: ProspectSerializer, **errors(404)})
    def get(self, request: Request, id: str) -> Response:
        return self._respond(_prospects_for(request).get(pk=parse_int_id(id)))

    def _update(self, request: Request, id: str, *, partial: bool) -> Response:
        prospect_id = parse_int_id(id)
        prospect_list_visible(user=request.user).get(pk=prospect_id)
        serializer = self.InputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        prospect = prospect_update(
            user=request.user,
            prospect_id=prospect_id,
            changes=serializer.validated_data,
            if_match=request.headers.get("If-Match"),
        )
        return self._respond(prospect)

    @extend_schema(
        tags=["prospects"],
        parameters=[int_path(), IF_MATCH],
        request=InputSerializer,
        responses={200: ProspectSerializer, **errors(400, 404, 412, 413)},
    )
    def put(self, request: Request, id: str) -> Response:
        return self._update(request, id, partial=False)

    @extend_schema(
        tags=["prospects"],
        parameters=[int_path(), IF_MATCH],
        request=InputSerializer(partial=True),
        responses={200: ProspectSerializer, **errors(400, 404, 412, 413)},
    )
    def patch(self, request: Request, id: str) -> Response:
        return self._update(request, id, partial=True)
