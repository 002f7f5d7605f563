from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import MoneyField, StrictIntegerField
from api.filters import ProspectFilter
from api.idempotency import idempotent
from api.pagination import KeysetPagination
from api.serializers import (
    ProspectPageSerializer,
    ProspectSerializer,
    SingleLineField,
    country_field,
    timezone_field,
)
from api.views.common import IDEMPOTENCY_KEY, IF_MATCH, errors, int_path, parse_int_id
from cadence.models import FollowUp
from cadence.services import lead_create, lead_update
from crm.models import Marker, Prospect
from crm.selectors import prospect_list_visible, prospect_page_visible
from crm.services import etag_for


def _prospects_for(request: Request) -> QuerySet[Prospect]:
    """Visible prospects with their planned follow-up prefetched: a constant number of queries per page."""
    planned = FollowUp.objects.filter(status=FollowUp.Status.PLANNED).order_by("due_start")
    return prospect_list_visible(user=request.user).prefetch_related(
        Prefetch("follow_ups", queryset=planned, to_attr="planned_follow_ups")
    )


class ProspectListCreateApi(generics.GenericAPIView):
    """Not a ListAPIView: its pages are a keyset's (KeysetPagination, read in `get`), not DRF's page numbers."""

    serializer_class = ProspectSerializer
    filterset_class = ProspectFilter
    pagination_class = None

    class InputSerializer(serializers.Serializer):
        name = SingleLineField(max_length=200)
        owner = StrictIntegerField(
            min_value=1,
            max_value=2**63 - 1,
            required=False,
            help_text="Omit for yourself. A manager may name an active rep of a team they manage.",
        )
        estimated_value = MoneyField(required=False)
        country = country_field(required=False)
        region = SingleLineField(
            max_length=100, allow_blank=True, required=False, help_text="State, province or region, e.g. TX or Texas."
        )
        city = SingleLineField(max_length=100, allow_blank=True, required=False)
        timezone = timezone_field(
            blank=False,
            required=False,
            help_text="An IANA time zone name, e.g. Europe/Berlin. Omit to derive it: from the contacts' phone "
            "numbers, the state or city where the country spans zones, the country, and only then the owner's "
            "(`timezone_source` says which).",
        )
        source = serializers.ChoiceField(choices=Prospect.Source.choices, required=False)
        is_right_buyer = serializers.ChoiceField(choices=Marker.choices, required=False)
        buys_what_we_sell = serializers.ChoiceField(choices=Marker.choices, required=False)
        still_there = serializers.ChoiceField(choices=Marker.choices, required=False)
        recycle_on = serializers.DateField(allow_null=True, required=False)

        class Meta:
            ref_name = "ProspectCreateInput"

    def get_queryset(self) -> QuerySet[Prospect]:
        return Prospect.objects.all()

    @extend_schema(
        tags=["prospects"],
        summary="The prospects you see, by name, a page at a time (follow `next`)",
        operation_id="prospects_list",
        parameters=KeysetPagination.schema_parameters(),
        filters=True,
        responses={200: ProspectPageSerializer, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        pages = KeysetPagination(request)
        matching = self.filter_queryset(self.get_queryset())
        ids = prospect_page_visible(user=request.user, matching=matching, after=pages.after, limit=pages.size + 1)
        shown = ids[: pages.size]
        rows = _prospects_for(request).in_bulk(shown)
        prospects = [rows[pk] for pk in shown if pk in rows]
        last = (prospects[-1].name, prospects[-1].pk) if len(ids) > pages.size and prospects else None
        return Response({"next": pages.next_link(last), "results": ProspectSerializer(prospects, many=True).data})

    @extend_schema(
        tags=["prospects"],
        summary="Add a prospect (enrolled in its team's cadence, as an import does); with `source` inbound and no "
        "`owner`, it is routed by the team's rules, never paced, and its first call is due now",
        parameters=[IDEMPOTENCY_KEY],
        request=InputSerializer,
        responses={201: ProspectSerializer, **errors(400, 409, 413, 422)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        prospect = lead_create(user=request.user, owner_id=data.pop("owner", None), now=timezone.now(), **data)
        # An inbound lead routed to a teammate is theirs, and a rep does not see it afterwards; the answer still
        # says what was made and where it went.
        visible = _prospects_for(request).filter(pk=prospect.pk).first()
        if visible is None:
            planned = FollowUp.objects.filter(status=FollowUp.Status.PLANNED).order_by("due_start")
            visible = Prospect.objects.prefetch_related(
                Prefetch("follow_ups", queryset=planned, to_attr="planned_follow_ups")
            ).get(pk=prospect.pk)
        prospect = visible
        return Response(
            ProspectSerializer(prospect).data, status=status.HTTP_201_CREATED, headers={"ETag": etag_for(prospect)}
        )


class ProspectDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = SingleLineField(max_length=200)
        estimated_value = MoneyField()
        country = country_field()
        region = SingleLineField(max_length=100, allow_blank=True, required=False)
        city = SingleLineField(max_length=100, allow_blank=True, required=False)
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
        prospect = lead_update(
            user=request.user,
            prospect_id=prospect_id,
            changes=serializer.validated_data,
            if_match=request.headers.get("If-Match"),
            now=timezone.now(),
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
