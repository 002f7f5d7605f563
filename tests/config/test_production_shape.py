"""The production shape without Docker: with the documented production variables, collectstatic builds the
manifest, `check --deploy` has nothing to say, and gunicorn with debug off serves the login page and a hashed
static file, with the security headers a browser needs."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):  # the embedded server's socket directory
        from urllib.parse import quote

        host = quote(host, safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}@{host}{port}/{db['NAME']}"


@pytest.fixture
def production_env(transactional_db, tmp_path) -> dict[str, str]:
    """What README "Production" documents, with this test run's database and a throwaway static folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "1",
            "DJANGO_SECURE_HSTS_SECONDS": "31536000",
            "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
            "DJANGO_SECURE_HSTS_PRELOAD": "1",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "DATABASE_URL": _database_url(),
        }
    )
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_collectstatic_check_deploy_and_gunicorn_with_debug_off(production_env):
    collected = _manage(production_env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr[-2000:]

    checked = _manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=production_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Behind the TLS proxy, which says so in X-Forwarded-Proto.
        status, headers, page = _get(f"{base}/accounts/login/", **{"X-Forwarded-Proto": "https"})
        assert status == 200, page[-2000:]
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        stylesheet = re.search(r'href="(/static/css/pursuit\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, "the page links the hashed stylesheet from the manifest"
        status, headers, _ = _get(base + stylesheet.group(1), **{"X-Forwarded-Proto": "https"})
        assert status == 200 and "immutable" in headers.get("Cache-Control", "")
        # Plain HTTP is sent to HTTPS.
        status, headers, _ = _get(f"{base}/accounts/login/")
        assert status == 301 and headers["Location"].startswith("https://")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "Traceback" not in output, output[-3000:]
