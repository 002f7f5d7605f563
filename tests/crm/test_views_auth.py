from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_login_page_offers_a_password_reset(client):
    content = client.get(reverse("login")).content.decode()

    assert reverse("password_reset") in content


def test_a_password_reset_mail_goes_out_with_a_working_link(client, alice, mailoutbox):
    alice.email = "alice@example.com"
    alice.save()

    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})

    assert response.status_code == 302
    assert mailoutbox[0].subject == "Reset your Pursuit password"
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/reset/" in line)
    page = client.get(link.split("testserver", 1)[1], follow=True)
    assert "Choose a new password" in page.content.decode()


def test_five_wrong_passwords_lock_the_account_on_that_address_even_for_the_right_one(client, alice):
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    locked = client.post(reverse("login"), {"username": "alice", "password": "pw"})

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_rep_logs_in_and_out(client, alice):
    logged_in = client.post(reverse("login"), {"username": "alice", "password": "pw"})
    assert logged_in.status_code == 302 and logged_in["Location"] == "/"

    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
