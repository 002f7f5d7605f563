"""Shared fixtures: the cast, and real services.

Tests run against real PostgreSQL and Redis. Outside CI a missing Redis or worker skips the tests that need
it; with CI=true it fails them, so a broken machine can never pass as green.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import hypothesis
import pytest
import redis
from django.conf import settings

from devserver.mailservers import MailServers, mail_servers
from tests.factories import ManagerFactory, ProspectFactory, TeamFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
# In CI, Hypothesis (and the schema fuzz built on it) draws the same examples every run: CI is red for a change, never
# for a draw. Outside CI each run explores new examples, and a failure found is replayed from its database.
hypothesis.settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    hypothesis.settings.load_profile("ci")


# What `make test-fast` leaves out (`-m "not slow"`): a real browser, a Celery worker process, the mail servers,
# the schema fuzz, the real-world corpus, the bench, the fortnight simulation, the production-shaped server, the
# demo team's eight weeks of history, a fresh Django process and the embedded servers' own tests. Marked here by what
# a test uses or where it is, so no test has to remember.
SLOW_FIXTURES = frozenset({"browser", "live_server", "celery_worker_process", "mail", "mail_server_session"})
SLOW_PATHS = (
    "tests/browser/",
    "tests/bench/",
    "tests/devserver/",
    "tests/api/test_schema_fuzz.py",
    "tests/mailroom/test_real_world_corpus.py",
    "tests/cadence/test_fortnight_simulation.py",
    "tests/config/test_production_shape.py",
    "tests/config/test_tasks_registered.py",
    "tests/demo/",
    "tests/webhooks/test_deliveries.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.replace("\\", "/")
        fixtures = set(getattr(item, "fixturenames", ()))
        if path.startswith(SLOW_PATHS) or fixtures & SLOW_FIXTURES or item.get_closest_marker("celery_worker"):
            item.add_marker(pytest.mark.slow)


def service_unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message} (CI=true: required services must be reachable)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_unavailable(f"Redis at {settings.CELERY_BROKER_URL} is not reachable: {exc}")
    return client


@pytest.fixture
def team(db):
    return TeamFactory(name="Freight East")


@pytest.fixture
def alice(team):
    """Alice is a rep; she owns the prospect."""
    return UserFactory(username="alice", team=team)


@pytest.fixture
def bob(team):
    """Bob is Alice's teammate."""
    return UserFactory(username="bob", team=team)


@pytest.fixture
def carol(db):
    """Carol is a rep on another team: she has no access to Alice's leads."""
    return UserFactory(username="carol")


@pytest.fixture
def maria(team):
    """Maria manages Alice and Bob's team."""
    return ManagerFactory(username="maria", team=team)


@pytest.fixture
def prospect(alice):
    return ProspectFactory(owner=alice, name="Globex Freight")


@pytest.fixture
def celery_worker_process(transactional_db, redis_client):
    """A real `celery worker` process on this run's queue, reading the test database.

    Tests using it need committed data (transactional_db): the worker is another process and another connection.
    """
    from tests.worker import start_worker

    with start_worker() as worker:
        if worker is None:
            service_unavailable("a Celery worker process could not be started")
        yield worker


def a_working_afternoon(today: dt.date | None = None) -> dt.datetime:
    """The coming Wednesday at 15:00 UTC (mid-morning in New York, afternoon in Europe), skipping the year-end
    holidays: a moment when a rep's queue is full in every demo country, whatever day and hour CI runs at."""
    day = today or dt.datetime.now(dt.UTC).date()
    day += dt.timedelta(days=(2 - day.weekday()) % 7 or 7)
    while (day.month, day.day) >= (12, 21) or (day.month, day.day) <= (1, 3):
        day += dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC)


@pytest.fixture
def working_day():
    """Run the test on a working afternoon, with the clock ticking (a live server and a browser need it to move).
    Tests of a rep's day on the real clock would otherwise find an empty queue on a Saturday night."""
    import time_machine

    with time_machine.travel(a_working_afternoon(), tick=True):
        yield


@pytest.fixture
def frozen_clock(request):
    """The clock stopped at the test module's NOW (each module names its moment): a test that asks for it by name
    can move it (`frozen_clock.shift(...)`)."""
    import time_machine

    with time_machine.travel(request.module.NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def eager_celery():
    """Run tasks inline, so on-commit planning happens inside the test."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def cadence(team):
    from tests.factories import CadenceFactory

    return CadenceFactory(team=team, name="Every other day")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """This run's test database, never vacuumed behind the tests' backs; dropped at the end even if a live server
    or worker thread still holds a connection to it.

    Most tests write in a transaction that is rolled back, which leaves dead rows. Where autovacuum runs (the
    embedded server of `make test`; CI's server has it off), it then vacuums the empty tables and records them as
    holding 0 rows, and from then on PostgreSQL plans every test's few thousand rows as one: nested loops over
    sequential scans, 2-4x slower and varying run to run with when autovacuum happened to pass. Without those
    statistics, PostgreSQL estimates from each table's size on disk, as on CI.
    """
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        for (table,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)')
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium as root in a closed network: no sandbox, no GPU, and no background calls to the outside.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    """Real Chromium driven by Playwright; skips without it, fails without it in CI."""
    import shutil

    from playwright import sync_api

    if not shutil.which(CHROMIUM):
        service_unavailable(f"Chromium is not installed at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls must still be allowed.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means no usable browser here
            service_unavailable(f"Chromium could not start: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def shot():
    """Save a screenshot under artifacts/screenshots/, the test artifacts CI keeps."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = False) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)

    return take


# The mail servers (Dovecot for IMAP and LMTP, aiosmtpd for SMTP), for the mail tests and the browser tests of the
# mailbox page.
@pytest.fixture(scope="session")
def mail_server_session():
    with mail_servers() as servers:
        yield servers


@pytest.fixture
def mail(mail_server_session) -> MailServers:
    if isinstance(mail_server_session, str):
        service_unavailable(mail_server_session)
    return mail_server_session


@pytest.fixture
def addresses():
    """Fresh addresses per test: the servers live for the session, each test writes to its own mailboxes."""
    tag = uuid.uuid4().hex[:8]
    return lambda name: f"{name}.{tag}@{'pursuit.test' if name.startswith('rep') else 'acme.test'}"
