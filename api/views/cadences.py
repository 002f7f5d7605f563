from __future__ import annotations

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from api.serializers import CadenceSerializer
from api.views.common import errors, int_path
from cadence.models import Cadence
from crm.models import User
from crm.selectors import team_list_managed


def cadence_list_visible(*, user: User) -> QuerySet[Cadence]:
    """The cadences of the user's own team and of the teams they manage."""
    if not (user.is_authenticated and user.is_active):
        return Cadence.objects.none()
    if user.is_superuser:
        return Cadence.objects.all()
    return Cadence.objects.filter(Q(team_id=user.team_id) | Q(team__in=team_list_managed(user=user))).distinct()


@extend_schema(tags=["cadences"], responses={200: CadenceSerializer(many=True), **errors(400, 404)})
class CadenceListApi(generics.ListAPIView):
    serializer_class = CadenceSerializer

    def get_queryset(self) -> QuerySet[Cadence]:
        return cadence_list_visible(user=self.request.user).order_by("team_id", "name", "id")


@extend_schema(tags=["cadences"], parameters=[int_path()], responses={200: CadenceSerializer, **errors(404)})
class CadenceDetailApi(generics.RetrieveAPIView):
    serializer_class = CadenceSerializer
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[Cadence]:
        return cadence_list_visible(user=self.request.user)

    def get_object(self) -> Cadence:
        from api.views.common import parse_int_id

        return self.get_queryset().get(pk=parse_int_id(self.kwargs["id"]))
