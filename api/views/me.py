from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.serializers import UserSerializer
from api.services import api_token_rotate
from api.views.common import IDEMPOTENCY_KEY, errors


@extend_schema(tags=["me"], responses={200: UserSerializer, **errors()})
class MeApi(APIView):
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class TokenRotateApi(APIView):
    @extend_schema(
        tags=["me"],
        summary="Replace your API token; the old one stops working at once",
        parameters=[IDEMPOTENCY_KEY],
        request=None,
        responses={
            200: inline_serializer("TokenOutput", {"token": serializers.CharField()}),
            **errors(400, 409, 413, 422),
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        token = api_token_rotate(user=request.user)
        return Response({"token": token.key})
