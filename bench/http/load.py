"""The load client: wrk, closed loop (each client sends its next request when the last one answered), with a Lua
script that writes p50/p95/p99, the request count and the answers that were not 2xx or 3xx as one line of JSON.

wrk is C and takes little of the machine's CPU, which a Python client at thousands of requests a second would not.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass

WRK = "wrk"

REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "bytes": %d, '
    .. '"non_2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.bytes, e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def wrk_available() -> bool:
    return shutil.which(WRK) is not None


@dataclass(frozen=True)
class Load:
    clients: int
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    kib_per_request: float
    failed: int  # answers that were not 2xx/3xx, and socket errors

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _headers_lua(headers: dict[str, str]) -> str:
    return "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in headers.items())


def get_script(headers: dict[str, str]) -> str:
    return _headers_lua(headers) + REPORT


def touch_post_script(*, headers: dict[str, str], path: str, subjects: list[tuple[int, int]], occurred_at: str) -> str:
    """POSTs of new touches, each with an id of its own (the run's prefix, the thread, a counter: unique without
    randomness), on the given (prospect, contact) pairs in turn."""
    run = uuid.uuid4().hex[:8]
    pairs = ", ".join(f"{{{p}, {c}}}" for p, c in subjects)
    return (
        _headers_lua({**headers, "Content-Type": "application/json"})
        + f"""
local pairs_ = {{{pairs}}}
local threads = 0
local counter = 0
-- `me` is a global of each thread's own Lua state, set by setup() before the thread starts.
setup = function(thread)
  threads = threads + 1
  thread:set("me", threads)
end
request = function()
  counter = counter + 1
  local pair = pairs_[((counter * 7 + me) % #pairs_) + 1]
  local id = string.format("{run}-%04x-4000-8000-%012x", me, counter)
  local body = string.format(
    '{{"id": "%s", "prospect": %d, "contact": %d, "channel": "call", "outcome": "no_answer", '
    .. '"occurred_at": "{occurred_at}"}}',
    id, pair[1], pair[2])
  return wrk.format("POST", "{path}", nil, body)
end
"""
        + REPORT
    )


def run_wrk(url: str, *, script: str, clients: int, seconds: float) -> Load:
    threads = min(clients, 2)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as handle:
        handle.write(script)
        handle.flush()
        done = subprocess.run(
            [
                WRK,
                f"-t{threads}",
                f"-c{clients}",
                f"-d{max(seconds, 1):.0f}s",
                "--timeout",
                "30s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
    line = next((line for line in done.stdout.splitlines() if line.startswith("WRK-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk said: {done.stdout[-800:]} {done.stderr[-800:]}")
    data = json.loads(line.removeprefix("WRK-JSON "))
    socket_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return Load(
        clients=clients,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        kib_per_request=data["bytes"] / max(data["requests"], 1) / 1024,
        failed=data["non_2xx"] + socket_errors,
    )
