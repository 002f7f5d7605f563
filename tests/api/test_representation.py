"""Rows rendered from a plan (api.representation.PlannedRows) are exactly what DRF's field-by-field path renders,
for every resource the API lists, on any clock the request is read on, with every optional value set or empty."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from api.serializers import (
    ContactSerializer,
    EnrollmentSerializer,
    FollowUpSerializer,
    NextFollowUpSerializer,
    ProspectSerializer,
    TouchSerializer,
)
from cadence.models import Enrollment, FollowUp
from cadence.services import enrollment_create, enrollments_plan
from crm.models import Contact, Prospect
from tests.factories import ContactFactory, ProspectFactory, TouchFactory
from touches.models import Touch

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 3, 14, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def rows(alice, cadence):
    """A lead with everything set and one with every optional value empty, with what hangs off them."""
    full = ProspectFactory(owner=alice, name="Full Freight", estimated_value=Decimal("12000.50"), recycle_on=NOW.date())
    empty = ProspectFactory(owner=alice, name="Bare Freight", estimated_value=Decimal("0"), recycle_on=None)
    ContactFactory(prospect=full, name="Joe", phone="+1 212 555 0101", timezone="Asia/Kolkata")
    ContactFactory(prospect=empty, name="Ann", phone="", email="ann@example.com", timezone="")
    for prospect in (full, empty):
        enrollment = enrollment_create(prospect=prospect, now=NOW)
        enrollments_plan(enrollment_ids=[enrollment.pk], now=NOW)
    TouchFactory(prospect=full, rep=alice, note="Left a message", duration_seconds=95, occurred_at=NOW)
    TouchFactory(prospect=empty, rep=alice, contact=None, duration_seconds=None, occurred_at=NOW)
    FollowUp.objects.filter(prospect=full).update(overdue_since=NOW, snooze_reason="Travelling")
    return {
        ProspectSerializer: list(Prospect.objects.all()),
        ContactSerializer: list(Contact.objects.all()),
        TouchSerializer: list(Touch.objects.all()),
        EnrollmentSerializer: list(Enrollment.objects.all()),
        FollowUpSerializer: list(FollowUp.objects.all()),
        NextFollowUpSerializer: list(FollowUp.objects.all()),
    }


@pytest.mark.parametrize("clock", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_every_listed_resource_renders_as_drf_renders_it(rows, clock):
    with timezone.override(ZoneInfo(clock)):
        for serializer_class, instances in rows.items():
            assert instances, serializer_class
            planned = serializer_class(instances, many=True).data
            field_by_field = [
                serializers.ModelSerializer.to_representation(serializer_class(instance), instance)
                for instance in instances
            ]
            assert JSONRenderer().render(planned) == JSONRenderer().render(field_by_field), serializer_class
