"""Uploads held to their limit while they arrive, not after: a 400 MB file sent to a 20 MB form is stopped at its
first chunk past the limit (or before its first byte, when its length is declared), and never written to disk."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

REFUSED = "upload_refused"


def upload_limit() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def too_large_message() -> str:
    return f"The file is larger than {upload_limit() // (1024 * 1024)} MB; split it."


def upload_refused(request: HttpRequest) -> str:
    """Why the upload of this request was stopped, or ""."""
    return str(getattr(request, REFUSED, ""))


def body_too_large(request: HttpRequest) -> bool:
    """The request says its body is over the limit (with room for the form's other fields): refuse it unread."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return declared > upload_limit() + 64 * 1024


class SizeLimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts a file's bytes as they arrive and stops the upload past the limit."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > upload_limit():
            if self.request is not None:
                setattr(self.request, REFUSED, too_large_message())
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler (memory or temporary file) keeps the file
