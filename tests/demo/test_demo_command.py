"""The demo seed: who can log in, what the pipeline looks like, and that a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from cadence.models import Enrollment, FollowUp
from crm.models import Prospect, Team, User
from demo.seed import DEMO_PASSWORD, DEMO_TEAM_NAME, DemoSeedConflict, demo_data_seed

NOW = dt.datetime(2025, 3, 12, 15, 30, tzinfo=dt.UTC)  # a Wednesday afternoon
REPS = {"alex", "sam", "jordan", "priya", "lee"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # The seed hashes the demo password once; a fast hasher keeps a suite that seeds in every test quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_it_refuses_to_take_over_a_username_that_is_already_in_use():
    User.objects.create_user(username="alex", password="someone-else")

    with pytest.raises(DemoSeedConflict, match="alex"):
        demo_data_seed(now=NOW)

    assert not Team.objects.filter(name=DEMO_TEAM_NAME).exists()
    assert not User.objects.get(username="alex").check_password(DEMO_PASSWORD)


def test_the_command_prints_the_logins_and_says_when_the_demo_is_already_there():
    first, second = io.StringIO(), io.StringIO()

    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)

    assert "Created demo team" in first.getvalue()
    assert "manager  maria   / pursuit-demo" in first.getvalue()
    assert "rep      jordan  / pursuit-demo  (on vacation)" in first.getvalue()
    assert "already there" in second.getvalue() and "rep      lee     / pursuit-demo" in second.getvalue()


def test_every_active_demo_prospect_is_enrolled_and_most_have_a_follow_up_planned(db):
    from demo.seed import demo_data_seed

    demo_data_seed(now=dt.datetime.now(dt.UTC))

    active = Prospect.objects.filter(status=Prospect.Status.ACTIVE)
    unenrolled = active.exclude(enrollments__status__in=Enrollment.OPEN_STATUSES)
    assert not unenrolled.exists()
    assert FollowUp.objects.filter(status=FollowUp.Status.PLANNED).count() > active.count() // 2
