"""Subscribing URLs to events, and sending what the triggers queued (webhooks/migrations/0002).

Sending (`deliveries_send`, run by the worker every few seconds):
1. Claim due deliveries that head their lead's queue at their endpoint (no earlier one of the same lead still
   waiting), under a lease: a worker killed mid-delivery leaves them to be tried again when the lease ends, with
   the same `webhook-id`, so a receiver that got it already can drop it.
2. Post each endpoint's share in its own thread, in order; an endpoint's first failure ends its share for this
   round. A receiver that is down delays only its own deliveries.
3. A 2xx marks a delivery delivered. Anything else tries again later, 5 seconds then longer up to an hour between
   tries, for a day; then it is given up (and can be replayed from the delivery log).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from crm.models import Team
from webhooks import transport
from webhooks.models import EVENT_TYPES, Delivery, Endpoint
from webhooks.signing import signed_headers

LEASE = dt.timedelta(seconds=60)
GIVE_UP_AFTER = dt.timedelta(days=1)
BACKOFF_SECONDS = (5, 30, 120, 300, 600, 1800, 3600)
ROTATION_OVERLAP = dt.timedelta(hours=24)
MAX_ENDPOINTS = 20
SENDERS = 8
KNOWN = {name for name, _ in EVENT_TYPES}


def endpoint_add(*, team: Team | None, url: str, description: str = "", events: list[str] | None = None) -> Endpoint:
    """Subscribe a URL (of the team, or the operator's for every team with `team=None`) to events (all: empty)."""
    events = sorted(set(events or []))
    problems: dict[str, str] = {}
    unknown = [name for name in events if name not in KNOWN]
    if unknown:
        problems["events"] = f"Unknown event: {', '.join(unknown)}."
    try:
        transport.url_check(url)
    except transport.AddressNotAllowed as exc:
        problems["url"] = str(exc)
    if Endpoint.objects.filter(team=team).count() >= MAX_ENDPOINTS:
        problems["url"] = f"At most {MAX_ENDPOINTS} URLs."
    if problems:
        raise ValidationError(problems)
    endpoint = Endpoint(
        team=team, url=url.strip(), description=description.strip(), events=events, secret_salt=secrets.token_hex(16)
    )
    endpoint.full_clean(exclude=["team"])
    endpoint.save()
    return endpoint


def endpoint_secret_rotate(*, endpoint: Endpoint, now: dt.datetime) -> None:
    """A new secret; the old one keeps signing beside it for a day, so the receiver can switch without a miss."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_salt=endpoint.secret_salt, previous_until=now + ROTATION_OVERLAP, secret_salt=secrets.token_hex(16)
    )
    endpoint.refresh_from_db()


def endpoint_remove(*, endpoint: Endpoint) -> None:
    """The URL and its delivery log go; nothing more is queued for it."""
    endpoint.delete()


def delivery_replay(*, delivery: Delivery, now: dt.datetime) -> None:
    """Send a delivery again (with its own `webhook-id`): a given-up one gets a new day of tries."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING, next_attempt_at=now, leased_until=None, created_at=now
    )


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    failed: int = 0

    def __add__(self, other: SendReport) -> SendReport:
        return SendReport(self.sent + other.sent, self.failed + other.failed)


_CLAIM = """
    WITH heads AS (
        SELECT d.id FROM webhooks_delivery d
        JOIN webhooks_endpoint e ON e.id = d.endpoint_id AND e.is_active
        WHERE d.status = 'pending' AND d.next_attempt_at <= %(now)s
          AND (d.leased_until IS NULL OR d.leased_until < %(now)s)
          AND NOT EXISTS (
              SELECT 1 FROM webhooks_delivery b
              WHERE b.endpoint_id = d.endpoint_id AND b.prospect_id = d.prospect_id
                AND b.status = 'pending' AND b.id < d.id)
        ORDER BY d.id
        LIMIT %(limit)s
        FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhooks_delivery SET leased_until = %(until)s
    FROM heads WHERE webhooks_delivery.id = heads.id
    RETURNING webhooks_delivery.id
"""


def deliveries_send(*, now: dt.datetime, limit: int = 200) -> SendReport:
    """One round: claim, post, record. Returns what was sent and what failed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM, {"now": now, "limit": limit, "until": now + LEASE})
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return SendReport()
    claimed = list(Delivery.objects.filter(pk__in=ids).select_related("endpoint").order_by("pk"))
    by_endpoint: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in claimed:
        by_endpoint[delivery.endpoint_id].append(delivery)
    shares = list(by_endpoint.values())
    # Threads only post; what came back is written here, in this connection, once every share is done.
    if len(shares) == 1:
        outcomes = [_post_share(shares[0], now)]
    else:
        with ThreadPoolExecutor(max_workers=min(SENDERS, len(shares))) as pool:
            outcomes = list(pool.map(lambda share: _post_share(share, now), shares))
    sent = failed = 0
    for share, answers in zip(shares, outcomes, strict=True):
        for delivery, answer in zip(share, answers, strict=False):
            if answer.ok:
                _delivered(delivery, answer, now)
                sent += 1
            else:
                _failed(delivery, answer, now)
                failed += 1
        # What was not posted (its endpoint failed before it) waits: the receiver is failing, a lead's order holds.
        Delivery.objects.filter(pk__in=[d.pk for d in share[len(answers) :]]).update(leased_until=None)
    return SendReport(sent, failed)


def _post_share(share: list[Delivery], now: dt.datetime) -> list[transport.Answer]:
    answers = []
    for delivery in share:
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
        headers = signed_headers(endpoint=delivery.endpoint, msg_id=delivery.msg_id, body=body, now=now)
        answer = transport.post(delivery.endpoint.url, body=body, headers=headers)
        answers.append(answer)
        if not answer.ok:
            break
    return answers


def _delivered(delivery: Delivery, answer: transport.Answer, now: dt.datetime) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.DELIVERED,
        delivered_at=now,
        attempts=delivery.attempts + 1,
        last_status_code=answer.status,
        last_error="",
        leased_until=None,
    )
    if delivery.endpoint.failing_since is not None:
        Endpoint.objects.filter(pk=delivery.endpoint_id).update(failing_since=None)


def _failed(delivery: Delivery, answer: transport.Answer, now: dt.datetime) -> None:
    attempts = delivery.attempts + 1
    delay = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1] * random.uniform(0.9, 1.1)  # noqa: S311 - jitter
    gave_up = now - delivery.created_at >= GIVE_UP_AFTER
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED if gave_up else Delivery.Status.PENDING,
        attempts=attempts,
        next_attempt_at=now + dt.timedelta(seconds=delay),
        last_status_code=answer.status,
        last_error=answer.error[:300],
        leased_until=None,
    )
    Endpoint.objects.filter(pk=delivery.endpoint_id, failing_since__isnull=True).update(failing_since=now)


def deliveries_send_for(*, seconds: float, now_fn) -> SendReport:  # type: ignore[no-untyped-def]
    """Rounds until nothing is due or `seconds` have passed: the worker task's loop."""
    import time

    report = SendReport()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        round_report = deliveries_send(now=now_fn())
        report += round_report
        if round_report.sent + round_report.failed == 0:
            break
    return report
