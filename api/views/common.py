from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import NotFound

from api.serializers import ErrorSerializer

_DESCRIPTIONS = {
    400: "Invalid input (body, query or header): `fields` says what is wrong with which field.",
    401: "No valid credentials: send `Authorization: Token <key>` or a session cookie.",
    403: "Not allowed (e.g. a session request without its CSRF token).",
    404: "No such resource among those you can see (for a list: no such page).",
    409: "Conflict: the id is taken by different content, or an Idempotency-Key request is still running.",
    410: "Gone: the cursor is older than the changes log keeps; resync and continue from `resync_cursor`.",
    412: "Precondition failed: If-Match does not match the current ETag; nothing was written.",
    413: "The body, or the number of items, is over the limit; nothing was written.",
    422: "This Idempotency-Key was used for a different request.",
    429: "Too many requests for this token; wait for `Retry-After` seconds.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error responses, all in the one error shape. 401 and 429 apply to every endpoint."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in sorted({401, 429, *codes})
    }


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you last read; a stale one gets 412 and nothing is written.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    OpenApiParameter.HEADER,
    description="Any unique string of visible ASCII, up to 255 characters (a UUID is best). "
    "A retry with the same key and body returns the stored "
    "response; the same key with another body is 422; while the first is still running, 409. Kept 24 hours.",
)


def int_path(name: str = "id") -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH)


def uuid_path(name: str = "id") -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH)


def parse_int_id(raw: Any) -> int:
    """Path ids are matched as text so a malformed one gets the JSON 404 like any other missing resource."""
    try:
        value = int(str(raw))
    except ValueError:
        raise NotFound("Not found.") from None
    if not 0 < value < 2**63:
        raise NotFound("Not found.")
    return value


def parse_uuid(raw: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFound("Not found.") from None
