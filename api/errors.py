"""One JSON error shape for every API failure, and the exceptions the API raises.

Every 4xx body is ``{"code": "...", "message": "...", "fields": {...}}``: ``code`` is stable and meant for
programs, ``message`` for people, ``fields`` (only for invalid input) maps each field to its messages. Some
errors add context, e.g. ``resync_cursor`` on a 410 from the changes feed or ``results`` on a rejected atomic bulk.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response


class ApiError(exceptions.APIException):
    """An API error with its own code and, optionally, extra members in the body."""

    def __init__(self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail=message, code=code or self.default_code)
        self.extra = extra or {}


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Gone(ApiError):
    status_code = status.HTTP_410_GONE
    default_code = "gone"


class PreconditionFailed(ApiError):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class PayloadTooLarge(ApiError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class Unprocessable(ApiError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class BadRequest(ApiError):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
        return "Invalid input."
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else "Invalid input."
    return str(detail)


def _plain(detail: Any) -> Any:
    """ErrorDetail trees to plain JSON, keeping DRF's nesting (lists for list fields, dicts for nested)."""
    if isinstance(detail, dict):
        return {str(key): _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(value) for value in detail]
    return str(detail)


def _flat(fields: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects' errors under dotted names ("next_step.what"), so every field maps to a list of messages."""
    flat: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, `Retry-After`, `WWW-Authenticate`), then the body reshaped into the one shape."""
    from rest_framework.views import exception_handler as drf_exception_handler

    from cadence.services import NotEnrolled
    from crm.services import StaleVersion
    from touches.data import TouchConflict

    if isinstance(exc, TouchConflict):
        exc = Conflict(exc.message, code=exc.code, extra={"conflicting_fields": exc.fields} if exc.fields else None)
    elif isinstance(exc, StaleVersion):
        exc = PreconditionFailed(
            "This was changed since you read it (If-Match does not match its ETag); nothing was written. "
            "Read it again and reapply your change."
        )
    elif isinstance(exc, NotEnrolled):
        exc = Conflict(" ".join(exc.messages), code="not_enrolled")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge("The request body is too large.")
    elif isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    body: dict[str, Any]
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        body = {"code": "invalid", "message": _first_message(detail), "fields": _flat(_plain(fields))}
    else:
        codes = exc.get_codes()
        body = {"code": codes if isinstance(codes, str) else "error", "message": _first_message(exc.detail)}
        if isinstance(exc, exceptions.Throttled):
            body["code"] = "throttled"
    if isinstance(exc, ApiError):
        body.update(exc.extra)
    response.data = body
    return response
