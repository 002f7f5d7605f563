"""Inbound leads and webhooks: how long from a website's form post to the rep's alert, and how many webhook
deliveries a second one sender posts, signed, to receivers on this machine."""

from __future__ import annotations

import contextlib
import http.server
import threading
import uuid
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from bench.registry import BenchContext, CaseResult, case, p95_under, rate_at_least
from bench.timing import measure

ENDPOINTS = 5
LEADS = 100  # × ENDPOINTS deliveries a run


@contextlib.contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


@contextlib.contextmanager
def _receiver() -> Iterator[str]:
    """A plain threaded HTTP server that answers 204 to every POST: the receiving end, on this machine."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@case("inbound_alert", "Inbound lead: a website's form post to its rep's alert", kind="page", order=35)
def inbound_alert_case(ctx: BenchContext) -> CaseResult:
    from cadence.models import InboundLead
    from cadence.notifications import inbound_alert_send
    from cadence.services import enrollments_plan
    from crm.services import team_inbound_key_new

    result = ctx.result()
    result.target = p95_under(250)
    rep = ctx.rep()
    client = Client(HTTP_ACCEPT="application/json")
    sent: list[int] = []

    def run(n: int) -> Any:
        response = client.post(
            f"/in/{rep.team.inbound_key}/",
            {
                "company": f"Inbound {uuid.uuid4().hex[:8]} GmbH",
                "name": "Anna Huber",
                "email": f"anna@inbound-{n}.example",
                "phone": "+49 89 1234567",
                "country": "Germany",
                "message": "Two reefer trucks a week to Vienna.",
            },
            REMOTE_ADDR=f"203.0.113.{n % 250 + 1}",
        )
        if response.status_code != 201:
            raise RuntimeError(f"the form answered {response.status_code}: {response.content[:200]!r}")
        # What the worker does once the post commits: plan the first call, send the alert (here, in this process).
        lead = InboundLead.objects.select_related("prospect").get(pk=response.json()["lead"])
        enrollments_plan(
            enrollment_ids=list(lead.prospect.enrollments.values_list("pk", flat=True)), now=timezone.now()
        )
        sent.append(inbound_alert_send(inbound_id=lead.pk, what="new"))

    with _rolled_back(), override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        team_inbound_key_new(team=rep.team)
        result.main = measure(
            "POST /in/<key>/ → routed, enrolled, planned → the rep's alert email",
            run,
            prepare=lambda i: i,
            warmup=ctx.runs(3, quick=1),
            runs=ctx.runs(40, quick=2),
        )
        result.facts["routed by"] = (
            InboundLead.objects.order_by("-pk").values_list("placed_by", flat=True).first() or ""
        )
    result.facts["each run"] = (
        "a new company through the public form endpoint (JSON answer), then the alert task's work; the broker's hop "
        "between them is not timed; rolled back at the end"
    )
    if not all(sent):
        result.status, result.error = "error", "an alert was not sent"
    return result


@case("webhook_deliveries", "Webhooks: deliveries posted, signed, to receivers on this machine", order=82)
def webhook_deliveries_case(ctx: BenchContext) -> CaseResult:
    from crm.models import Prospect
    from webhooks.models import Delivery
    from webhooks.services import deliveries_send, endpoint_add

    result = ctx.result()
    result.target = rate_at_least(200, "deliveries")
    rep = ctx.rep()
    leads = LEADS if not ctx.quick else 10
    count = leads * ENDPOINTS

    with _rolled_back(), _receiver() as url, override_settings(WEBHOOK_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        for n in range(ENDPOINTS):
            endpoint_add(team=rep.team, url=f"{url}/{n}", events=["lead.created"])

        def prepare(_: int) -> Any:
            Prospect.objects.bulk_create(
                Prospect(name=f"Hooked {uuid.uuid4().hex[:8]}", team_id=rep.team_id, owner=rep) for _ in range(leads)
            )
            return timezone.now()

        def run(now: Any) -> Any:
            while deliveries_send(now=now, limit=500).sent:
                pass

        result.main = measure(
            f"{count} deliveries ({leads} leads × {ENDPOINTS} endpoints) until none is due",
            run,
            prepare=prepare,
            warmup=1,
            runs=ctx.runs(5, quick=1),
            min_runs=1,
            units=count,
            count_queries=False,
        )
        left = Delivery.objects.filter(status="pending").count()
    result.facts["sender"] = (
        "one process, a thread per endpoint; a lead's deliveries in order; signed (Standard Webhooks)"
    )
    if left:
        result.status, result.error = "error", f"{left} deliveries were still waiting"
    return result
