from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from gunicorn.config import Config

from config.gunicorn_logging import RedactingLogger, feed_token_redact


def test_a_calendar_feed_token_never_reaches_the_access_log():
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/calendar/s3cr3t-T0ken_x.ics?x=1",
        "PATH_INFO": "/calendar/s3cr3t-T0ken_x.ics",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])

    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, dt.timedelta(milliseconds=5))

    assert "s3cr3t" not in atoms["r"] + atoms["U"]
    assert atoms["r"] == "GET /calendar/[redacted].ics?x=1 HTTP/1.1"


def test_other_paths_are_logged_as_they_are():
    assert feed_token_redact("GET /calendar/ HTTP/1.1") == "GET /calendar/ HTTP/1.1"
    assert feed_token_redact("/prospects/12/") == "/prospects/12/"
