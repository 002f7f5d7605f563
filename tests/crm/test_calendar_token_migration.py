"""crm 0004: the plaintext calendar tokens already in the database are hashed in place."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from crm.calendar_tokens import calendar_token_hash, user_get_by_calendar_token
from crm.models import User

migration = importlib.import_module("crm.migrations.0004_user_calendar_token_hash")

SUBSCRIBED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_"  # what secrets.token_urlsafe(32) used to store
SHARED = "s" * 43


def test_a_token_is_replaced_by_the_hash_the_feed_looks_up():
    assert migration.calendar_token_hashes({1: SUBSCRIBED}) == {1: calendar_token_hash(token=SUBSCRIBED)}


def test_blank_and_too_short_tokens_become_no_feed():
    assert migration.calendar_token_hashes({1: "", 2: "t" * 31}) == {1: None, 2: None}


def test_a_token_two_users_share_is_turned_off_for_both():
    hashes = migration.calendar_token_hashes({1: SHARED, 2: SHARED, 3: SUBSCRIBED})

    assert hashes == {1: None, 2: None, 3: calendar_token_hash(token=SUBSCRIBED)}


def test_no_users_is_nothing_to_do():
    assert migration.calendar_token_hashes({}) == {}


@pytest.mark.django_db
def test_an_address_subscribed_before_the_upgrade_still_opens_the_feed(client, alice, bob, carol):
    # Before 0004 the column held the token itself; "" meant no feed.
    User.objects.filter(pk=alice.pk).update(calendar_token_hash=SUBSCRIBED)
    User.objects.filter(pk=bob.pk).update(calendar_token_hash="")

    migration.forwards(apps, schema_editor=None)

    assert User.objects.get(pk=alice.pk).calendar_token_hash == calendar_token_hash(token=SUBSCRIBED)
    assert User.objects.get(pk=bob.pk).calendar_token_hash is None
    assert User.objects.get(pk=carol.pk).calendar_token_hash is None
    assert user_get_by_calendar_token(token=SUBSCRIBED) == alice
    assert client.get(reverse("calendar_feed", args=[SUBSCRIBED])).status_code == 200


@pytest.mark.django_db
def test_going_back_turns_every_feed_off(alice):
    User.objects.filter(pk=alice.pk).update(calendar_token_hash=calendar_token_hash(token=SUBSCRIBED))

    migration.backwards(apps, schema_editor=None)

    assert User.objects.get(pk=alice.pk).calendar_token_hash == ""
