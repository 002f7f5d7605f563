"""A real HTTP receiver for the webhook tests: a threaded server on a free port that verifies every request's
Standard Webhooks signature with the `standardwebhooks` library (as a team's receiver would) and keeps what came,
in arrival order. It can be down (503), hang on the next request until released, or refuse connections."""

from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass, field

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    msg_id: str
    type: str
    data: dict
    verified: bool


@dataclass
class Receiver:
    secrets: list[str]
    received: list[Received] = field(default_factory=list)
    down: bool = False
    hang_next: bool = False
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/pursuit"

    def ids(self) -> list[str]:
        return [r.msg_id for r in self.received]

    def unique(self) -> list[Received]:
        """What a receiver that drops repeated ids keeps, in arrival order."""
        seen: set[str] = set()
        kept = []
        for item in self.received:
            if item.msg_id not in seen:
                seen.add(item.msg_id)
                kept.append(item)
        return kept


def start(secrets: list[str]) -> Receiver:
    receiver = Receiver(secrets=secrets)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k: v for k, v in self.headers.items()}
            verified = False
            for secret in receiver.secrets:
                try:
                    Webhook(secret).verify(body, headers)
                    verified = True
                    break
                except WebhookVerificationError:
                    continue
            payload = json.loads(body)
            receiver.received.append(
                Received(headers.get("webhook-id", ""), payload["type"], payload["data"], verified)
            )
            if receiver.hang_next:
                receiver.hang_next = False
                receiver.arrived.set()
                receiver.release.wait(timeout=30)
                return  # the sender is gone: no answer
            status = 503 if receiver.down else (200 if verified else 401)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    receiver.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def stop(receiver: Receiver) -> None:
    receiver.release.set()
    if receiver.server is not None:
        receiver.server.shutdown()
        receiver.server.server_close()
