from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from api.errors import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    """JSON with a body limit: DRF reads the stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE alone
    would not apply. The limit is that same setting, so there is one number to tune."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if limit is not None and length and length.isdigit() and int(length) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes; send fewer items per request.")
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # json gives up on deep nesting with RecursionError, which DRF does not expect: a 400, not a 500.
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
