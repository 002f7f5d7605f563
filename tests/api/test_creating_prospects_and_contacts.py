"""POST /prospects/ and POST /contacts/: who may create what, for whom, and that a new lead is enrolled at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.models import IdempotencyKey
from cadence.models import Enrollment, FollowUp
from crm.models import Contact, Prospect
from tests.api.conftest import client_for
from tests.factories import CadenceFactory, ContactFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db

PROSPECTS = "/api/v1/prospects/"
CONTACTS = "/api/v1/contacts/"


def test_a_rep_creates_a_prospect_they_own_in_their_team(api, alice):
    response = api.post(PROSPECTS, {"name": "  Initech Freight ", "country": "DE"}, format="json")

    assert response.status_code == 201
    body = response.json()
    prospect = Prospect.objects.get(pk=body["id"])
    assert (prospect.name, prospect.owner, prospect.team, prospect.country) == (
        "Initech Freight",
        alice,
        alice.team,
        "DE",
    )
    assert response["ETag"] == body["etag"]
    assert api.get(f"{PROSPECTS}{prospect.pk}/").status_code == 200


def test_a_new_prospect_without_a_time_zone_takes_its_owners(api, alice):
    alice.timezone = "Europe/Lisbon"
    alice.save(update_fields=["timezone"])

    body = api.post(PROSPECTS, {"name": "Initech"}, format="json").json()

    assert body["timezone"] == "Europe/Lisbon"


def test_a_new_prospect_is_enrolled_in_its_teams_cadence_like_an_import(
    api, alice, cadence, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(PROSPECTS, {"name": "Initech", "estimated_value": "1200.00"}, format="json")

    enrollment = Enrollment.objects.get(prospect_id=response.json()["id"])
    assert (enrollment.cadence, enrollment.owner, enrollment.status) == (cadence, alice, Enrollment.Status.ACTIVE)
    # Planned at once: with nobody to call yet, the plan is to wait for a contact.
    assert enrollment.needs_contact
    assert enrollment.replan_requested_at is None


def test_a_valuable_new_prospect_gets_the_teams_high_value_cadence(api, team, cadence):
    team.high_value_threshold = Decimal("50000")
    team.save(update_fields=["high_value_threshold"])
    long_haul = CadenceFactory(team=team, name="Long haul", is_default=False, is_high_value=True)

    response = api.post(PROSPECTS, {"name": "Big Co", "estimated_value": "90000.00"}, format="json")

    assert Enrollment.objects.get(prospect_id=response.json()["id"]).cadence == long_haul


def test_a_team_without_a_cadence_still_gets_its_new_prospect_unenrolled(api):
    response = api.post(PROSPECTS, {"name": "Initech"}, format="json")

    assert response.status_code == 201
    assert not Enrollment.objects.filter(prospect_id=response.json()["id"]).exists()


def test_a_rep_cannot_create_a_prospect_for_someone_else(api, bob):
    response = api.post(PROSPECTS, {"name": "Initech", "owner": bob.pk}, format="json")

    assert response.status_code == 400
    assert "own" in response.json()["fields"]["owner"][0]
    assert not Prospect.objects.exists()


def test_a_rep_may_name_themselves_as_owner(api, alice):
    response = api.post(PROSPECTS, {"name": "Initech", "owner": alice.pk}, format="json")

    assert response.status_code == 201
    assert response.json()["owner"] == alice.pk


def test_a_manager_creates_a_prospect_for_a_rep_of_their_team(maria, bob, cadence):
    response = client_for(maria).post(PROSPECTS, {"name": "Initech", "owner": bob.pk}, format="json")

    assert response.status_code == 201
    prospect = Prospect.objects.get(pk=response.json()["id"])
    assert (prospect.owner, prospect.team) == (bob, bob.team)
    assert Enrollment.objects.get(prospect=prospect).owner == bob


@pytest.mark.parametrize("who", ["other team's rep", "inactive rep", "manager", "nobody"])
def test_a_manager_cannot_give_a_prospect_to_anyone_but_an_active_rep_they_manage(who, maria, team, carol):
    owner_id = {
        "other team's rep": lambda: carol.pk,
        "inactive rep": lambda: UserFactory(team=team, is_active=False).pk,
        "manager": lambda: UserFactory(team=team, role="manager").pk,
        "nobody": lambda: 2**62,
    }[who]()

    response = client_for(maria).post(PROSPECTS, {"name": "Initech", "owner": owner_id}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["owner"] == ["Choose an active rep of a team you manage."]
    assert not Prospect.objects.exists()


def test_a_user_without_a_team_gets_a_clear_error(api, alice):
    alice.team = None
    alice.save(update_fields=["team"])

    response = api.post(PROSPECTS, {"name": "Initech"}, format="json")

    assert response.status_code == 400
    assert "not on a team" in response.json()["fields"]["owner"][0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Mars/Olympus"),
        ("country", "Germany"),
        ("estimated_value", "-1.00"),
        ("estimated_value", 12),
        ("name", ""),
        ("source", "carrier pigeon"),
    ],
)
def test_bad_prospect_input_is_a_field_error_and_writes_nothing(api, field, value):
    response = api.post(PROSPECTS, {"name": "Initech", field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Prospect.objects.exists()


def test_a_retried_create_with_the_same_key_creates_one_prospect(api):
    first = api.post(PROSPECTS, {"name": "Initech"}, format="json", HTTP_IDEMPOTENCY_KEY="new-lead-1")
    again = api.post(PROSPECTS, {"name": "Initech"}, format="json", HTTP_IDEMPOTENCY_KEY="new-lead-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Prospect.objects.count() == 1


def test_a_refused_create_releases_its_key(api):
    refused = api.post(PROSPECTS, {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()


def test_a_contact_is_added_to_a_prospect_the_rep_can_see(api, prospect):
    body = {"prospect": prospect.pk, "name": "Jane Doe", "role": "decision_maker", "email": "Jane@Initech.example"}

    response = api.post(CONTACTS, body, format="json")

    assert response.status_code == 201
    contact = Contact.objects.get(pk=response.json()["id"])
    assert (contact.prospect, contact.email, contact.role) == (prospect, "jane@initech.example", "decision_maker")
    assert response["ETag"] == response.json()["etag"]


def test_a_contact_on_another_reps_prospect_is_refused_like_a_missing_one(carol_api, prospect):
    other = carol_api.post(
        CONTACTS, {"prospect": prospect.pk, "name": "Jane", "phone": "+1 212 555 0101"}, format="json"
    )
    missing = carol_api.post(CONTACTS, {"prospect": 2**62, "name": "Jane", "phone": "+1 212 555 0101"}, format="json")

    assert other.status_code == missing.status_code == 400
    assert other.json()["fields"] == missing.json()["fields"] == {"prospect": ["There is no prospect with this id."]}
    assert not Contact.objects.exists()


def test_a_contact_without_a_phone_or_an_email_is_refused(api, prospect):
    response = api.post(CONTACTS, {"prospect": prospect.pk, "name": "Jane", "email": ""}, format="json")

    assert response.status_code == 400
    assert "phone" in response.json()["fields"]
    assert not Contact.objects.exists()


def test_a_contact_with_a_bad_time_zone_is_refused(api, prospect):
    body = {"prospect": prospect.pk, "name": "Jane", "phone": "+1 212 555 0101", "timezone": "Mars/Olympus"}

    response = api.post(CONTACTS, body, format="json")

    assert response.status_code == 400
    assert "timezone" in response.json()["fields"]


def test_a_new_contact_gets_a_cadence_that_was_waiting_for_one_planned(
    api, prospect, cadence, django_capture_on_commit_callbacks
):
    enrollment = EnrollmentFactory(prospect=prospect, cadence=cadence, needs_contact=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            CONTACTS, {"prospect": prospect.pk, "name": "Jane", "phone": "+1 212 555 0101"}, format="json"
        )

    assert response.status_code == 201
    enrollment.refresh_from_db()
    assert not enrollment.needs_contact
    assert FollowUp.objects.filter(enrollment=enrollment, contact_id=response.json()["id"]).exists()


def test_a_retried_contact_create_with_the_same_key_creates_one_contact(api, prospect):
    body = {"prospect": prospect.pk, "name": "Jane", "phone": "+1 212 555 0101"}

    first = api.post(CONTACTS, body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    again = api.post(CONTACTS, body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")

    assert again.json() == first.json()
    assert Contact.objects.count() == 1


def test_a_manager_adds_a_contact_to_a_reps_prospect(maria, prospect):
    response = client_for(maria).post(
        CONTACTS, {"prospect": prospect.pk, "name": "Jane", "phone": "+1 212 555 0102"}, format="json"
    )

    assert response.status_code == 201


def test_existing_contacts_are_untouched_by_a_new_one(api, prospect):
    joe = ContactFactory(prospect=prospect)

    api.post(CONTACTS, {"prospect": prospect.pk, "name": "Jane", "phone": "+1 212 555 0101"}, format="json")

    assert api.get(CONTACTS, {"prospect": prospect.pk}).json()["count"] == 2
    assert Contact.objects.get(pk=joe.pk).name == joe.name
