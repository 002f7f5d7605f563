from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadence.services import leads_import_confirm as prospect_import_confirm
from crm.imports import ImportFileError, import_preview_build
from crm.models import Contact, Prospect
from tests.factories import ContactFactory, ProspectFactory

pytestmark = pytest.mark.django_db

HUBSPOT = (
    "Company Name,First Name,Last Name,Email,Phone Number,Job Title,Country/Region\n"
    "Harbor Crate Co,Nina,Walsh,nina@harbor.example,+1 312 555 0101,Logistics lead,US\n"
    "Harbor Crate Co,Omar,Diaz,omar@harbor.example,+1 312 555 0102,Buyer,US\n"
)


def test_hubspot_columns_are_read_and_rows_of_one_company_become_one_prospect(alice):
    preview = import_preview_build(user=alice, text=HUBSPOT)

    assert [g.company for g in preview.to_create] == ["Harbor Crate Co"]
    assert [r.contact_name for r in preview.to_create[0].rows] == ["Nina Walsh", "Omar Diaz"]
    assert preview.error_count == preview.duplicate_count == 0


def test_salesforce_columns_and_semicolons_are_understood(alice):
    text = "Account Name;Contact Name;Email;Mobile Phone;Amount\nGlobex;Ann Lee;ann@globex.example;555 0100 22;12,500\n"

    row = import_preview_build(user=alice, text=text).rows[0]

    assert (row.company, row.contact_name, row.phone, str(row.value)) == (
        "Globex",
        "Ann Lee",
        "555 0100 22",
        "12500.00",
    )


def test_each_bad_row_gets_its_own_error(alice):
    text = "Company,Contact,Email,Phone,Country,Value\n,Ann,ann@x.example,,,\nAcme,Bo,bad,,Narnia,-5\nBeta,Cy,,,,\n"

    rows = import_preview_build(user=alice, text=text).rows

    assert rows[0].errors == ["Company is missing."]
    assert "“bad” is not an email address." in rows[1].errors
    assert "“Narnia” is not a country we know; use its name or its ISO code (e.g. Germany, DE)." in rows[1].errors
    assert "“-5” is negative; a value is 0 or more." in rows[1].errors
    assert rows[2].errors == ["No phone number and no email address: nothing to follow up with."]


def test_rows_already_in_pursuit_are_merged_and_repeats_in_the_file_skipped(alice, prospect):
    ContactFactory(prospect=prospect, email="Joe@Globex.example", phone="+1 (212) 555-0199")
    text = (
        "Company,Contact,Email,Phone\n"
        "New One,Joe,joe@globex.example,\n"
        "New Two,Jo,,212 555 0199\n"
        "globex freight,Al,al@x.example,\n"
        "New Three,Ed,ed@x.example,\n"
        "New Four,Ed B,ed@x.example,\n"
    )

    rows = import_preview_build(user=alice, text=text).rows

    assert [r.outcome for r in rows] == ["merge", "merge", "merge", "create", "skip"]
    assert "already a contact of Globex Freight" in rows[0].duplicate
    # A new contact at a company already in Pursuit is added to it rather than making a second Globex.
    assert (rows[2].merge_into, rows[2].duplicate) == (
        prospect.pk,
        "Globex Freight is already in Pursuit: this contact is added to it.",
    )
    assert rows[4].duplicate == "Same email as line 5."


def test_confirm_writes_only_the_valid_rows_owned_by_the_rep(alice):
    text = HUBSPOT + "Broken,Pat,Kim,not-an-email,,,\n"
    preview = import_preview_build(user=alice, text=text)

    prospect_import_confirm(user=alice, text=text, now=preview_now(), expected_digest=preview.digest)

    prospect = Prospect.objects.get()
    assert (prospect.name, prospect.owner, prospect.source) == (
        "Harbor Crate Co",
        alice,
        Prospect.Source.IMPORT,
    )
    assert prospect.contacts.count() == 2


def test_confirm_refuses_when_the_data_changed_since_the_preview(alice):
    preview = import_preview_build(user=alice, text=HUBSPOT)
    ProspectFactory(owner=alice, name="Harbor Crate Co")

    with pytest.raises(ValidationError, match="changed since the preview"):
        prospect_import_confirm(user=alice, text=HUBSPOT, now=preview_now(), expected_digest=preview.digest)
    assert Contact.objects.count() == 0


def test_a_file_without_a_company_column_is_refused(alice):
    with pytest.raises(ImportFileError, match="No company column"):
        import_preview_build(user=alice, text="Name,Email\nA,a@b.example\n")


def test_the_preview_costs_the_same_queries_for_3_and_30_rows(alice, django_assert_num_queries):
    def text(n):
        return "Company,Contact,Email,Phone\n" + "".join(
            f"Co {i},P {i},p{i}@x.example,+1 212 555 {i:04d}\n" for i in range(n)
        )

    with django_assert_num_queries(3):
        import_preview_build(user=alice, text=text(3))
    with django_assert_num_queries(3):
        import_preview_build(user=alice, text=text(30))


def _mapping_post(page) -> dict:
    """What a user who accepts every guess sends from the mapping page."""
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    return {**data, "owner": "me", "cadence": "auto"}


def test_the_import_pages_map_preview_confirm_and_show_the_result(client, alice, cadence):
    from cadence.services.imports import import_job_run
    from crm.models import ImportJob

    client.force_login(alice)
    upload = SimpleUploadedFile("export.csv", (HUBSPOT + "Broken,Pat,Kim,not-an-email,,,\n").encode("utf-8-sig"))

    mapping = client.post(reverse("prospect_import"), {"file": upload}, follow=True)
    page = mapping.content.decode()
    assert "Company Name" in page and "Harbor Crate Co" in page  # each column with its sample values
    preview = client.post(mapping.redirect_chain[-1][0], _mapping_post(mapping), follow=True)
    page = preview.content.decode()
    assert "<strong>1</strong> new prospect, from 2 rows" in page
    assert "is not an email address" in page and "30 new leads a working day per rep" in page
    assert not Prospect.objects.exists()

    job = ImportJob.objects.get()
    client.post(reverse("prospect_import_confirm", args=[job.pk]), {"submission": "x"})
    import_job_run(job_id=job.pk, now=preview_now())  # what the worker does (a real one: test_import_worker.py)
    done = client.get(reverse("import_progress", args=[job.pk])).content.decode()

    assert "<strong>1</strong> new prospect created" in done and "<strong>1</strong> failed" in done
    assert Prospect.objects.get().contacts.count() == 2
    failed = b"".join(client.get(reverse("import_failed_csv", args=[job.pk])).streaming_content).decode()
    assert "not-an-email" in failed


def test_a_binary_file_gets_a_clear_error(client, alice):
    client.force_login(alice)
    upload = SimpleUploadedFile("x.csv", b"\x00\x01\x02PK", content_type="text/csv")

    response = client.post(reverse("prospect_import"), {"file": upload})

    assert "not a CSV text file" in response.content.decode()


def preview_now():
    from django.utils import timezone

    return timezone.now()


def test_imported_prospects_are_enrolled_in_the_teams_cadence(alice, cadence, django_capture_on_commit_callbacks):
    from cadence.models import Enrollment

    preview = import_preview_build(user=alice, text=HUBSPOT)

    with django_capture_on_commit_callbacks(execute=False) as planning:
        prospect_import_confirm(user=alice, text=HUBSPOT, now=preview_now(), expected_digest=preview.digest)

    enrollment = Enrollment.objects.get(prospect__name="Harbor Crate Co")
    assert (enrollment.cadence, enrollment.owner, enrollment.status) == (cadence, alice, Enrollment.Status.ACTIVE)
    assert len(planning) == 1
