"""The demo seed: who can log in, what the pipeline looks like, and that a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from statistics import median
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import transaction

from cadence.models import Cadence
from crm.models import Contact, Prospect, Team, User
from demo.seed import DEMO_PASSWORD, DEMO_TEAM_NAME, DemoSummary, demo_data_seed
from touches.models import Channel, Kind, Outcome, Theme, Touch

NOW = dt.datetime(2025, 3, 12, 15, 30, tzinfo=dt.UTC)  # a Wednesday afternoon
REPS = {"alex", "sam", "jordan", "priya", "lee"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # The seed hashes the demo password once; a fast hasher keeps a suite that seeds in every test quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def _seeded(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction that is rolled back at the end."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_data_seed(now=NOW)
        transaction.set_rollback(True)


@pytest.fixture
def demo(_seeded, db) -> DemoSummary:
    return _seeded


def row_counts() -> dict[str, int]:
    """Every table Django knows, including many-to-many tables such as team managers and user permissions."""
    return {model._meta.db_table: model._base_manager.count() for model in apps.get_models(include_auto_created=True)}


def local_time(touch: Touch) -> dt.datetime:
    zone = (touch.contact.timezone if touch.contact else "") or touch.prospect.timezone
    return touch.occurred_at.astimezone(ZoneInfo(zone))


def test_it_creates_a_manager_and_five_reps_who_can_log_in(demo):
    team = Team.objects.get(name=DEMO_TEAM_NAME)
    maria = User.objects.get(username="maria")
    reps = User.objects.filter(team=team, role=User.Role.REP)

    assert maria.role == User.Role.MANAGER and maria.is_staff and maria.get_full_name()
    assert list(team.managers.all()) == [maria]
    assert set(reps.values_list("username", flat=True)) == REPS
    assert all(user.check_password(DEMO_PASSWORD) for user in [maria, *reps])
    assert not reps.filter(is_staff=True).exists()
    assert [(login.role, login.username) for login in demo.logins][:2] == [
        ("manager", "maria"),
        ("rep", "alex"),
    ]


def test_the_manager_works_in_the_app_not_in_the_admin(demo, client):
    logged_in = client.post("/accounts/login/", {"username": "maria", "password": DEMO_PASSWORD})

    assert logged_in.status_code == 302
    # The admin is for superusers: staff status opens nothing, so no other team's prospects or users leak.
    for path in ("/admin/", "/admin/crm/prospect/", "/admin/crm/user/", "/admin/touches/touch/", "/admin/crm/contact/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), path
    assert "Admin" not in client.get("/").content.decode()


def test_one_rep_is_on_vacation(demo):
    unavailable = User.objects.filter(role=User.Role.REP, is_available=False)

    assert list(unavailable.values_list("username", flat=True)) == ["jordan"]
    assert unavailable.get().is_active  # away, not gone: he can still log in and keeps his accounts
    assert [login.username for login in demo.logins if not login.is_available] == ["jordan"]


def test_it_creates_about_two_hundred_valid_prospects_in_several_countries_and_time_zones(demo):
    prospects = Prospect.objects.filter(team__name=DEMO_TEAM_NAME)

    assert prospects.count() == demo.counts["prospects"] == 200
    assert len(set(prospects.values_list("country", flat=True))) >= 10
    assert {
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "Europe/London",
        "Asia/Kolkata",
    } <= set(prospects.values_list("timezone", flat=True))
    assert prospects.values("name").distinct().count() == 200
    for prospect in prospects:
        prospect.clean_fields(exclude=["team", "owner"])  # choices, country codes and IANA zones all valid


def test_prospect_values_have_a_long_tail_with_a_few_high_value_accounts(demo):
    values = list(Prospect.objects.values_list("estimated_value", flat=True))
    threshold = Team.objects.get(name=DEMO_TEAM_NAME).high_value_threshold

    assert threshold == Decimal("50000")
    assert median(values) < Decimal("20000")
    assert 3 <= sum(value > threshold for value in values) <= 15


def test_statuses_are_mostly_active_with_every_other_status_present(demo):
    statuses = Counter(Prospect.objects.values_list("status", flat=True))

    assert statuses[Prospect.Status.ACTIVE] > 100
    assert set(statuses) == set(Prospect.Status.values)
    assert demo.active_prospect_ids == tuple(
        Prospect.objects.filter(status=Prospect.Status.ACTIVE).order_by("id").values_list("id", flat=True)
    )


def test_every_prospect_has_a_valid_contact_and_some_contacts_are_flagged(demo):
    contacts = Contact.objects.filter(prospect__team__name=DEMO_TEAM_NAME)

    assert not Prospect.objects.filter(contacts__isnull=True).exists()
    assert len(set(contacts.values_list("role", flat=True))) == len(Contact.Role.values)
    assert contacts.filter(left_company=True).exists() and contacts.filter(do_not_contact=True).exists()
    assert contacts.exclude(timezone="").exists()  # some sit in another zone than their account
    for contact in contacts:
        contact.clean_fields(exclude=["prospect"])
        assert contact.phone.startswith("+") and contact.email.endswith(".example")


def test_touch_histories_have_several_outcomes_kinds_and_themes(demo):
    touches = Touch.objects.filter(prospect__team__name=DEMO_TEAM_NAME)
    outcomes = set(touches.values_list("outcome", flat=True))
    calls = touches.filter(channel=Channel.CALL)
    connected = calls.exclude(outcome=Outcome.NO_ANSWER).count() / calls.count()

    assert touches.count() == demo.counts["touches"] > 1000
    assert {Outcome.NO_ANSWER, Outcome.LEFT_VOICEMAIL, Outcome.SENT, Outcome.CONNECTED} <= outcomes
    assert {Outcome.MEETING_BOOKED, Outcome.REPLIED, Outcome.NOT_INTERESTED, Outcome.LEFT_COMPANY} <= outcomes
    assert {Kind.BREAKUP, Kind.PLEASANTLY_PERSISTENT} <= set(touches.values_list("kind", flat=True))
    voicemail_themes = set(touches.filter(kind=Kind.REGULAR, channel=Channel.VOICEMAIL).values_list("theme", flat=True))
    assert voicemail_themes == {Theme.INFORMATION, Theme.INVITATION, Theme.INTRODUCTION}
    assert touches.filter(channel=Channel.OTHER).exists()
    assert 0.05 <= connected <= 0.15  # between the average rep and the top quartile (docs/field-reports.md)
    assert not calls.filter(duration_seconds__isnull=True).exists()


def test_every_touch_is_in_the_past_and_on_the_prospects_timeline(demo):
    touches = Touch.objects.filter(prospect__team__name=DEMO_TEAM_NAME).select_related("prospect")
    outside_joes_account = touches.exclude(prospect__contacts__name="Joe Kowalski")

    assert not touches.filter(occurred_at__gte=NOW).exists()
    assert not outside_joes_account.filter(occurred_at__lt=NOW - dt.timedelta(weeks=9)).exists()
    assert all(touch.prospect.created_at <= touch.occurred_at for touch in touches)
    assert all(touch.created_at > touch.occurred_at for touch in touches)  # logged right after, not at seed time


def test_calls_are_made_in_the_local_calling_windows_mostly_on_weekdays(demo):
    calls = Touch.objects.filter(channel=Channel.CALL).select_related("contact", "prospect")
    local = [local_time(call) for call in calls]
    hours = Counter(moment.hour for moment in local)

    assert all(8 <= moment.hour < 17 for moment in local)
    assert set(hours) == {8, 11, 13, 14, 16}
    assert sum(moment.weekday() < 5 for moment in local) / len(local) > 0.95


def test_joe_has_a_long_haul_history_of_more_than_twenty_calls(demo):
    joe = Contact.objects.get(name="Joe Kowalski")
    account = joe.prospect
    calls = account.touches.filter(channel=Channel.CALL)

    assert account.estimated_value > Team.objects.get(name=DEMO_TEAM_NAME).high_value_threshold
    assert account.status == Prospect.Status.ACTIVE
    assert calls.count() >= 20
    assert not calls.filter(contact=joe).exclude(outcome=Outcome.NO_ANSWER).exists()  # he never picks up
    assert calls.filter(outcome=Outcome.CONNECTED, contact__role=Contact.Role.RECEPTIONIST).exists()
    assert account.touches.filter(kind=Kind.PLEASANTLY_PERSISTENT).exists()


def test_it_creates_the_default_and_long_haul_cadences(demo):
    team = Team.objects.get(name=DEMO_TEAM_NAME)
    default = Cadence.objects.get(team=team, is_default=True)
    long_haul = Cadence.objects.get(team=team, is_high_value=True)

    assert (default.name, default.gaps_days, default.max_touches) == ("Every other day", [2], 8)
    assert long_haul.name == "Long haul"
    assert long_haul.gaps_days == [2, 2, 3, 3, 5, 7, 7, 14, 14, 21]
    assert (long_haul.min_touches, long_haul.max_touches) == (10, 36)
    assert long_haul.pleasantly_persistent and long_haul.on_finish == Cadence.OnFinish.REASSIGN


def test_the_second_run_changes_nothing(demo):
    before = row_counts()

    again = demo_data_seed(now=NOW + dt.timedelta(days=3), seed=7)

    assert row_counts() == before
    assert not again.created
    assert (again.counts, again.active_prospect_ids, again.logins) == (
        demo.counts,
        demo.active_prospect_ids,
        demo.logins,
    )


def test_the_same_seed_builds_the_same_demo():
    def snapshot() -> list[tuple[object, ...]]:
        prospects = Prospect.objects.order_by("name").values_list("name", "timezone", "estimated_value", "status")
        touches = Touch.objects.order_by("occurred_at", "channel").values_list("occurred_at", "outcome", "note")
        return [*prospects, *touches]

    with transaction.atomic():
        demo_data_seed(now=NOW)
        first = snapshot()
        transaction.set_rollback(True)
    demo_data_seed(now=NOW)

    assert snapshot() == first
