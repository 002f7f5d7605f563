"""Gunicorn's access log, without the secret in a rep's calendar feed address.

Calendar apps can only subscribe to a URL, so the feed's token sits in the path (crm/urls.py), and an access log
would keep every rep's token in plain text for whoever reads the logs. Used by the Dockerfile and compose file
through `--logger-class`.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_FEED_TOKEN = re.compile(r"(/calendar/)[^/?#\s]+(\.ics)")


def feed_token_redact(text: str) -> str:
    return _FEED_TOKEN.sub(r"\1[redacted]\2", text)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{referer}i"):  # the request line, the path and the referrer
            if isinstance(atoms.get(key), str):
                atoms[key] = feed_token_redact(atoms[key])
        return atoms
