from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, EnrollmentFactory, TouchFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_is_served_to_anonymous_visitors(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b"Log in to Pursuit" in response.content


def test_the_home_page_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "model",
    [
        "crm/user",
        "crm/team",
        "crm/prospect",
        "crm/contact",
        "touches/touch",
        "cadence/cadence",
        "cadence/enrollment",
        "cadence/followup",
    ],
)
def test_every_admin_list_and_change_page_renders(admin_client, model, prospect):
    ContactFactory(prospect=prospect)
    TouchFactory(prospect=prospect)
    EnrollmentFactory(prospect=prospect)
    app, name = model.split("/")

    listing = admin_client.get(reverse(f"admin:{app}_{name}_changelist"))
    adding = admin_client.get(reverse(f"admin:{app}_{name}_add"))

    assert listing.status_code == 200
    assert adding.status_code == 200
