"""The only test override: a throwaway secret, a fast hasher, and a Celery queue of this run's own."""

import os
import uuid

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")
# Exported, so a worker process started by a test listens on the same queue as the test sends to.
os.environ.setdefault("CELERY_QUEUE", f"pursuit-test-{uuid.uuid4().hex[:8]}")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Every run its own test database, so concurrent runs (CI, a developer, a second terminal) never collide.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405
# The test client says "testserver"; schemathesis and the live server say "localhost"/"127.0.0.1".
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Cache keys of this run's own, so concurrent runs sharing one Redis never see each other's throttle counts.
CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ['CELERY_QUEUE']}"  # noqa: F405
MAIL_ENCRYPTION_KEYS = ["bWFpbC10ZXN0cy1vbmx5LW5vdC1hLXNlY3JldC0wMDA="]  # 32 bytes, tests only
# The test mail servers (Dovecot, aiosmtpd) listen on loopback with no TLS; tests of the refusals override these.
MAIL_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
MAIL_ALLOW_PLAINTEXT = True
