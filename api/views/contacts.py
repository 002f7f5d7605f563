from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import StrictBooleanField, StrictIntegerField
from api.filters import ContactFilter
from api.idempotency import idempotent
from api.serializers import ContactSerializer, PhoneField, SingleLineField, country_field, timezone_field
from api.views.common import IDEMPOTENCY_KEY, IF_MATCH, errors, int_path, parse_int_id
from cadence.services import lead_contact_add, lead_contact_update
from crm.models import Contact
from crm.selectors import contact_list_visible, prospect_list_visible
from crm.services import etag_for


class ContactListCreateApi(generics.ListAPIView):
    serializer_class = ContactSerializer
    filterset_class = ContactFilter

    class InputSerializer(serializers.Serializer):
        prospect = StrictIntegerField(min_value=1, max_value=2**63 - 1)
        name = SingleLineField(max_length=200)
        role = serializers.ChoiceField(choices=Contact.Role.choices, required=False)
        title = SingleLineField(max_length=200, allow_blank=True, required=False)
        phone = PhoneField(max_length=40, allow_blank=True, required=False, help_text="A phone or an email is needed.")
        email = serializers.EmailField(
            max_length=254, allow_blank=True, required=False, help_text="A phone or an email is needed."
        )
        country = country_field(required=False)
        timezone = timezone_field(
            blank=True,
            required=False,
            help_text="An IANA time zone name. Omit to derive it from their phone number (or their country), else "
            "they are on the prospect's.",
        )

        class Meta:
            ref_name = "ContactCreateInput"

    def get_queryset(self) -> QuerySet[Contact]:
        return contact_list_visible(user=self.request.user).order_by("prospect_id", "name", "id")

    @extend_schema(tags=["contacts"], responses={200: ContactSerializer(many=True), **errors(400, 404)})
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(
        tags=["contacts"],
        summary="Add a contact at a prospect (a cadence waiting for someone to call is re-planned)",
        parameters=[IDEMPOTENCY_KEY],
        request=InputSerializer,
        responses={201: ContactSerializer, **errors(400, 409, 413, 422)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        prospect = prospect_list_visible(user=request.user).filter(pk=data.pop("prospect")).first()
        if prospect is None:
            raise ValidationError({"prospect": ["There is no prospect with this id."]})
        contact = lead_contact_add(prospect=prospect, **data)
        return Response(
            ContactSerializer(contact).data, status=status.HTTP_201_CREATED, headers={"ETag": etag_for(contact)}
        )


class ContactDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = SingleLineField(max_length=200)
        role = serializers.ChoiceField(choices=Contact.Role.choices)
        title = SingleLineField(max_length=200, allow_blank=True)
        phone = PhoneField(max_length=40, allow_blank=True)
        email = serializers.EmailField(max_length=254, allow_blank=True)
        country = country_field(required=False)
        timezone = timezone_field(blank=True)
        do_not_contact = StrictBooleanField()
        left_company = StrictBooleanField()
        wrong_person = StrictBooleanField()
        email_bounced = StrictBooleanField()

        class Meta:
            ref_name = "ContactInput"

    def _respond(self, contact: Contact) -> Response:
        return Response(ContactSerializer(contact).data, headers={"ETag": etag_for(contact)})

    @extend_schema(tags=["contacts"], parameters=[int_path()], responses={200: ContactSerializer, **errors(404)})
    def get(self, request: Request, id: str) -> Response:
        return self._respond(contact_list_visible(user=request.user).get(pk=parse_int_id(id)))

    def _update(self, request: Request, id: str, *, partial: bool) -> Response:
        contact_id = parse_int_id(id)
        contact_list_visible(user=request.user).get(pk=contact_id)
        serializer = self.InputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        contact = lead_contact_update(
            user=request.user,
            contact_id=contact_id,
            changes=serializer.validated_data,
            if_match=request.headers.get("If-Match"),
            now=timezone.now(),
        )
        return self._respond(contact)

    @extend_schema(
        tags=["contacts"],
        parameters=[int_path(), IF_MATCH],
        request=InputSerializer,
        responses={200: ContactSerializer, **errors(400, 404, 412, 413)},
    )
    def put(self, request: Request, id: str) -> Response:
        return self._update(request, id, partial=False)

    @extend_schema(
        tags=["contacts"],
        parameters=[int_path(), IF_MATCH],
        request=InputSerializer(partial=True),
        responses={200: ContactSerializer, **errors(400, 404, 412, 413)},
    )
    def patch(self, request: Request, id: str) -> Response:
        return self._update(request, id, partial=True)
