"""Settings for benchmark runs: production behaviour (DEBUG off, cached templates) on the bench's own database.

Only what a benchmark process cannot do without is changed: a throwaway secret, hosts the test client uses,
plain static files (no collectstatic manifest) and an API throttle that a timing loop cannot trip.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("API_THROTTLE_RATE", "1000000/min")

from config.settings import *  # noqa: E402,F403

DEBUG = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A timing loop must not pay for Celery: tasks are never published (see bench.timing.no_task_publishing).
CELERY_TASK_ALWAYS_EAGER = False
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, without collectstatic
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")  # noqa: F405
# The mail cases store mailbox passwords: a throwaway Fernet key (32 bytes, url-safe base64).
MAIL_ENCRYPTION_KEYS = ["YmVuY2gtb25seS1ub3QtYS1zZWNyZXQtMDAwMDAwMDA="]
# The mail cases talk to the bench's own Dovecot and SMTP server on loopback, with no TLS (devserver/mailservers.py).
MAIL_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
MAIL_ALLOW_PLAINTEXT = True
