"""The production settings, for `make bench`'s HTTP mode: everything as deployed (DEBUG off, the collectstatic
manifest, whitenoise, sessions and CSRF, the CSP) plus one trivial view, the hello-world that measures the ceiling of
Django under the same gunicorn. The runner sets the environment (bench.http.server)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.http_urls"
