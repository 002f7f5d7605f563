"""`Idempotency-Key` for any POST: a retried request gets the stored response instead of running twice.

1. Claim the key for (user, key) with an INSERT committed on its own; the unique constraint arbitrates
   between concurrent requests. A key already claimed with another request fingerprint is 422; one still
   in progress is 409; one done replays its stored status and body.
2. Run the view and store its response in ONE transaction: the writes and the stored response commit together,
   so a crash leaves either both or neither. An attempt whose process died (claim older than
   IN_PROGRESS_TIMEOUT, nothing committed) is taken over by the next retry.
3. An exception (a 4xx raised by the view, or a 5xx) releases the key: nothing was written, and the retry runs
   again from scratch.
Keys are kept at least KEEP_FOR; `idempotency_keys_prune` is for the periodic sweep.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from api.db import retrying
from api.errors import BadRequest, Conflict, Unprocessable
from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP_FOR = dt.timedelta(hours=24)
IN_PROGRESS_TIMEOUT = dt.timedelta(minutes=5)
MAX_KEY_LENGTH = 255
# Visible ASCII only, as the schema says: the key is compared byte for byte and echoed in logs.
KEY_PATTERN = re.compile(rf"[!-~]{{1,{MAX_KEY_LENGTH}}}")


def request_fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b"\n")
    digest.update(request.get_full_path().encode() + b"\n")
    digest.update(request._request.body)
    return digest.hexdigest()


def _claim(*, user: Any, key: str, fingerprint: str, now: dt.datetime) -> IdempotencyKey | Response:
    """Claim the key, or return the stored response to replay. Raises 409/422 as the contract says."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, key=key, fingerprint=fingerprint, created_at=now, claimed_at=now
            )
    except IntegrityError:
        pass
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is None:  # released between our insert and this read: try once more
        return _claim(user=user, key=key, fingerprint=fingerprint, now=now)
    if stored.fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used for a different request; use a new key for a new request.",
            code="idempotency_key_reused",
        )
    if stored.status == IdempotencyKey.Status.DONE:
        response = Response(stored.response_body, status=stored.response_status)
        response["Idempotent-Replayed"] = "true"
        return response
    taken_over = IdempotencyKey.objects.filter(
        pk=stored.pk, status=IdempotencyKey.Status.IN_PROGRESS, claimed_at__lt=now - IN_PROGRESS_TIMEOUT
    ).update(claimed_at=now)
    if taken_over:
        return stored
    raise Conflict(
        "A request with this Idempotency-Key is still being processed; retry in a moment.",
        code="idempotency_key_in_progress",
    )


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView's `post`. Without the header the view just runs (deadlock victims retried)."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return retrying(lambda: handler(view, request, *args, **kwargs))
        if not KEY_PATTERN.fullmatch(key):
            raise BadRequest(
                f"An {HEADER} is 1 to {MAX_KEY_LENGTH} visible ASCII characters, e.g. a UUID.",
                code="invalid_header",
            )
        claimed = _claim(user=request.user, key=key, fingerprint=request_fingerprint(request), now=timezone.now())
        if isinstance(claimed, Response):
            return claimed

        def attempt() -> Response:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                IdempotencyKey.objects.filter(pk=claimed.pk).update(
                    status=IdempotencyKey.Status.DONE,
                    response_status=response.status_code,
                    response_body=response.data,
                )
                return response

        try:
            return retrying(attempt)
        except BaseException:
            IdempotencyKey.objects.filter(pk=claimed.pk, status=IdempotencyKey.Status.IN_PROGRESS).delete()
            raise

    return wrapper


def idempotency_keys_prune(*, now: dt.datetime) -> int:
    """Forget keys older than KEEP_FOR (for the periodic sweep). Returns how many were deleted."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=now - KEEP_FOR).delete()
    return deleted
