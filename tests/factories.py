from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from cadence.models import Cadence, Enrollment
from crm.models import Contact, Prospect, Team, User
from touches.models import Channel, Outcome, Touch


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"rep{n}")
    first_name = factory.Sequence(lambda n: f"Rep{n}")
    role = User.Role.REP
    team = factory.SubFactory(TeamFactory)
    password = factory.django.Password("pw")
    # Joined: has logged in once, so leads may be given to them. An invited rep who never did has none.
    last_login = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))


class ManagerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"manager{n}")
    role = User.Role.MANAGER

    @factory.post_generation
    def manages(self, create: bool, extracted: list[Team] | None, **kwargs: object) -> None:
        if create:
            self.managed_teams.set(extracted if extracted is not None else [self.team])


class ProspectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prospect

    name = factory.Sequence(lambda n: f"Acme {n} Logistics")
    owner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda o: o.owner.team)
    estimated_value = Decimal("10000")
    country = "US"
    timezone = "America/New_York"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    prospect = factory.SubFactory(ProspectFactory)
    name = factory.Sequence(lambda n: f"Joe Buyer {n}")
    role = Contact.Role.DECISION_MAKER
    phone = factory.Sequence(lambda n: f"+1 212 555 {n:04d}")
    email = factory.Sequence(lambda n: f"joe{n}@example.com")


class TouchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touch

    prospect = factory.SubFactory(ProspectFactory)
    contact = factory.SubFactory(ContactFactory, prospect=factory.SelfAttribute("..prospect"))
    rep = factory.LazyAttribute(lambda o: o.prospect.owner)
    channel = Channel.CALL
    outcome = Outcome.NO_ANSWER
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))


class CadenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadence

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Cadence {n}")
    is_default = True


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    prospect = factory.SubFactory(ProspectFactory)
    cadence = factory.SubFactory(CadenceFactory, team=factory.SelfAttribute("..prospect.team"))
    owner = factory.LazyAttribute(lambda o: o.prospect.owner)
    started_at = factory.LazyFunction(timezone.now)


# Zones about six hours apart: at any moment one of them is in the middle of its working day.
_AROUND_THE_WORLD = (
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)


def zone_in_working_hours(now: dt.datetime | None = None) -> str:
    """A zone where it is now between 10:00 and 16:00: tests on the real clock (a live worker, a real outage) plan
    what a rep does at midday, whatever hour CI runs at (calls are never planned outside 08:00-21:00 their time)."""
    from zoneinfo import ZoneInfo

    moment = now or timezone.now()
    return next(name for name in _AROUND_THE_WORLD if 10 <= moment.astimezone(ZoneInfo(name)).hour < 16)


def touch_logged(
    *, rep: User, now: dt.datetime, touch_id: uuid.UUID | None = None, source: str = "web", **fields: Any
) -> Touch:
    """Log one touch through the one write path (`cadence.services.touch_log`), from its fields as keywords: the
    tests' shorthand for building the TouchData a page or the API would."""
    from cadence.services import touch_log
    from touches.data import TouchData

    data = TouchData(id=touch_id or uuid.uuid4(), **fields)
    return touch_log(rep=rep, data=data, now=now, source=source).touch
