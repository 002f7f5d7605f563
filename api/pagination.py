from __future__ import annotations

import base64
import json
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param


class Pagination(PageNumberPagination):
    """Page numbers, strictly: a malformed `page` or `page_size` is a 400, not silently the default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        return self._positive(request, self.page_size_query_param, self.page_size, high=self.max_page_size)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self._positive(request, self.page_query_param, 1, high=None)
        return super().paginate_queryset(queryset, request, view)

    @staticmethod
    def _positive(request: Request, name: str, default: int, *, high: int | None) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1 or (high is not None and value > high):
            limit = f"1 to {high}" if high else "1 or more"
            raise ValidationError({name: [f"A whole number, {limit}."]})
        return value

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number, from 1; past the last page is 404.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, default {self.page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


class KeysetPagination:
    """Pages in (name, id) order that each start where the last one ended (`cursor`), read from an index: the
    hundredth page costs what the first does, and a prospect added or removed meanwhile neither repeats a row nor
    skips one. There is no total count (it would read every visible row); `next` is null on the last page."""

    page_size = Pagination.page_size
    max_page_size = Pagination.max_page_size

    def __init__(self, request: Request) -> None:
        if "page" in request.query_params:
            raise ValidationError({"page": ["This list pages with `cursor`: follow each answer's `next` link."]})
        self.request = request
        self.size = Pagination._positive(request, "page_size", self.page_size, high=self.max_page_size)
        self.after = self._decode(request.query_params.get("cursor"))

    @staticmethod
    def _decode(raw: str | None) -> tuple[str, int] | None:
        if raw is None:
            return None
        try:
            name, pk = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
            if isinstance(name, str) and isinstance(pk, int) and not isinstance(pk, bool):
                return name, pk
        except (ValueError, TypeError):
            pass
        raise ValidationError({"cursor": ["Not a cursor this list gave out: follow the `next` link as it is."]})

    def next_link(self, last: tuple[str, int] | None) -> str | None:
        if last is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), "cursor", keyset_cursor(*last))

    @classmethod
    def schema_parameters(cls) -> list[OpenApiParameter]:
        return [
            OpenApiParameter(
                "cursor",
                str,
                description="Where the page starts: the `next` link of the page before. Omit for the first.",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": cls.max_page_size},
                description=f"Results per page, default {cls.page_size}.",
            ),
        ]


def keyset_cursor(name: str, pk: int) -> str:
    """The cursor of a page that starts after the prospect (name, pk)."""
    return base64.urlsafe_b64encode(json.dumps([name, pk]).encode()).decode().rstrip("=")
