from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # imported by DRF's settings while rest_framework.views is still loading
    from rest_framework.request import Request
    from rest_framework.views import APIView


logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    """One budget per API token (per user for a browser session, per address when anonymous).

    Rotating a token starts a fresh budget, as a new credential should. The rate is read at request time so
    tests and deployments can change it through settings.
    """

    scope = "api"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            # The counts live in Redis. Without it, serve unthrottled rather than fail: a sync client's committed
            # touches must not turn into errors because a rate limiter is down.
            logger.warning("API throttling is off: its cache is unreachable (%s)", exc)
            return True

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        from rest_framework.authtoken.models import Token

        if isinstance(request.auth, Token):
            ident = "token-" + hashlib.sha256(request.auth.key.encode()).hexdigest()[:32]
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
