"""Importing what real exports hold: Datablist's sample leads columns, a list of businesses with a phone
and no contact name, HubSpot's owners, lifecycle stages, amounts in other currencies, columns Pursuit has no field
for, and the rows that cannot be read, grouped by why and given back with every column of the file."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cadence.services.imports import import_job_configure, import_job_run, import_job_start
from crm.imports import NOT_IMPORTED_LINE, NOT_IMPORTED_WHY, ImportFileError, import_read, import_text_decode
from crm.models import Contact, ImportJob, Prospect, Team, TeamField
from tests.factories import ProspectFactory

pytestmark = pytest.mark.django_db

# The columns of Datablist's sample "leads" file (datablist/sample-csv-files, src/schemas.py, LEADS_SCHEMA), with
# values in the shapes its generator writes (Faker phone numbers with extensions, business emails).
DATABLIST = (
    "Index,Account Id,Lead Owner,First Name,Last Name,Company,Phone 1,Phone 2,Email 1,Email 2,Website,Source,"
    "Deal Stage,Notes\n"
    "1,9b12Ae76fdBc9bE,Roy Mckee,Jay,Lindsey,Cochran Ltd,+1-980-286-8851x3375,(603)542-0293,jay@cochran.example,"
    "jl@cochran.example,http://www.cochran.example/,Cold call,Qualification,Met at the fair\n"
    "2,aE8bB2C9d4aEd2A,Roy Mckee,Ann,Hale,Blake and Sons,001-599-042-7428x143,,ann@blake.example,,"
    "https://blake.example/,Website,Proposal,\n"
    "3,c3d9E1bB8aA7f6E,Wanda Shaw,Bo,Reyes,Gill Group,229.077.5154,+1-202-555-0143,bo@gill.example,,"
    "gill.example,Referral,Closed Won,Renewal in May\n"
)


def _job(user, text: str, **options) -> ImportJob:
    job = import_job_start(user=user, file_name="export.csv", data=text.encode("utf-8"))
    import_job_configure(job=job, columns=job.columns, roles={}, options={"owner": "me", **options}, now=timezone.now())
    job.refresh_from_db()
    return job


def _imported(user, text: str, **options) -> ImportJob:
    job = _job(user, text, **options)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    import_job_run(job_id=job.pk, now=timezone.now())
    job.refresh_from_db()
    return job


def test_datablists_numbered_phone_and_email_columns_are_read_and_the_second_ones_kept(alice, cadence):
    job = _imported(alice, DATABLIST)

    assert job.columns["Phone 1"] == "phone" and job.columns["Email 1"] == "email"
    assert job.columns["Phone 2"] == job.columns["Email 2"] == "custom"
    assert job.columns["Website"] == "website" and job.columns["Notes"] == "notes"
    # The closed-won row is a customer already: skipped, saying why. The other two are leads.
    assert job.created_count == 2 and job.skipped_count == 1 and job.failed_count == 0
    cochran = Prospect.objects.get(name="Cochran Ltd")
    assert cochran.contacts.get().phone == "+1 980-286-8851 ext. 3375"
    assert cochran.website == "http://www.cochran.example/" and cochran.notes == "Met at the fair"
    assert cochran.custom["Phone 2"] == "(603)542-0293" and cochran.custom["Account Id"] == "9b12Ae76fdBc9bE"
    assert cochran.import_job_id == job.pk
    assert {"Phone 2", "Email 2", "Account Id", "Source"} <= set(TeamField.objects.values_list("name", flat=True))


def test_a_business_with_a_phone_and_no_contact_name_is_a_lead_and_one_with_neither_phone_nor_email_is_not(alice):
    # The shape of a public list of businesses: a name, a city, a phone, no person.
    text = (
        "Название,Город,Телефон,Страна\n"
        "ТОО Астана Логистик,Астана,+7 (7172) 55-12-34,Казахстан\n"
        "ИП Жанна,Алматы,8 (727) 250-11-22,Қазақстан\n"
        "ТОО Без Телефона,Шымкент,,Казахстан\n"
    )
    job = _imported(alice, text)

    assert job.created_count == 2 and job.failed_count == 1
    contact = Contact.objects.get(prospect__name="ИП Жанна")
    assert (contact.name, contact.role, contact.phone) == ("Reception", "receptionist", "+7 7272 50 11 22")
    assert Prospect.objects.get(name="ИП Жанна").country == "KZ"
    assert job.failures[0]["why"] == "No phone number and no email address: nothing to follow up with."
    assert not Prospect.objects.filter(name="ТОО Без Телефона").exists()


def test_hubspot_owners_go_to_the_reps_they_name_and_customers_are_not_enrolled(maria, alice, bob, cadence):
    text = (
        "Company Name,First Name,Email,Contact owner,Lifecycle Stage\n"
        f"Acme,Ann,ann@acme.example,{alice.email or alice.username},Lead\n"
        f"Beta,Bo,bo@beta.example,{bob.first_name} {bob.last_name},Marketing Qualified Lead\n"
        "Gamma,Cy,cy@gamma.example,Paul Witczak,Lead\n"
        "Delta,Di,di@delta.example,Paul Witczak,Customer\n"
    )
    job = _job(maria, text, owner="spread")

    assert job.summary["owners_unknown"] == [["Paul Witczak", 1]]
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    import_job_run(job_id=job.pk, now=timezone.now())

    assert Prospect.objects.get(name="Acme").owner == alice
    assert Prospect.objects.get(name="Beta").owner == bob
    assert Prospect.objects.get(name="Gamma").owner in (alice, bob)  # an unknown owner: spread, as chosen
    assert not Prospect.objects.filter(name="Delta").exists()
    assert Prospect.objects.get(name="Acme").custom == {}  # owner and stage are fields, not custom ones


def test_a_stage_the_mapping_says_to_enroll_is_enrolled_even_if_it_looks_closed(alice, cadence):
    text = "Company,Email,Lead Status\nAcme,a@acme.example,Closed Lost\n"

    job = _imported(alice, text, stages={"Closed Lost": "enroll"})

    assert job.created_count == 1


def test_amounts_in_other_currencies_are_compared_in_the_teams_at_its_managers_rates(alice, cadence):
    Team.objects.filter(pk=alice.team_id).update(currency="USD", exchange_rates={"JPY": "0.0067", "EUR": "1.08"})
    text = (
        "Company,Email,Amount\n"
        'Tokyo Freight,t@tokyo.example,"¥1,275,000"\n'
        "Berlin Cargo,b@berlin.example,12.000 EUR\n"
        "Zurich AG,z@zurich.example,Fr. 1'200\n"
    )
    job = _imported(alice, text)

    tokyo = Prospect.objects.get(name="Tokyo Freight")
    assert (tokyo.estimated_value, tokyo.value_written, tokyo.value_currency) == (
        Decimal("8542.50"),
        Decimal("1275000.00"),
        "JPY",
    )
    assert Prospect.objects.get(name="Berlin Cargo").estimated_value == Decimal("12960.00")
    # No rate for francs: the row says so, in words, and what to do.
    assert job.failed_count == 1
    assert "the team has no rate from CHF to USD" in job.failures[0]["why"]


def test_the_failed_rows_csv_holds_every_column_of_the_file_and_imports_again_as_it_is(client, alice, cadence):
    text = (
        "Company,Contact,Email,Country,Custom note\n"
        "Acme,Ann,ann@acme.example,Narnia,keep me\n"
        "Beta,Bo,bo@b.example,DE,x\n"
    )
    job = _imported(alice, text)
    client.force_login(alice)

    body = b"".join(client.get(reverse("import_failed_csv", args=[job.pk])).streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))

    assert rows[0] == [NOT_IMPORTED_LINE, NOT_IMPORTED_WHY, "Company", "Contact", "Email", "Country", "Custom note"]
    assert rows[1][0] == "2" and "“Narnia” is not a country we know" in rows[1][1]
    assert rows[1][2:] == ["Acme", "Ann", "ann@acme.example", "Narnia", "keep me"]
    # Fixed in a spreadsheet and uploaded again: the two added columns are left out of the mapping.
    fixed = body.decode("utf-8-sig").replace("Narnia", "Netherlands")
    again = _imported(alice, fixed)
    assert again.columns[NOT_IMPORTED_LINE] == again.columns[NOT_IMPORTED_WHY] == ""
    assert again.created_count == 1 and Prospect.objects.get(name="Acme").country == "NL"


def test_the_preview_groups_problem_rows_by_reason_and_pages_through_every_one(client, alice, cadence):
    countries = ["ドイツ", "Россия", "Narnia", "Atlantis"]
    lines = [f"Company {n},c{n}@x{n}.example,{countries[n % 4]}" for n in range(300)]
    text = "Company,Email,Country\n" + "\n".join(lines) + "\n"
    job = _job(alice, text)

    groups = job.summary["problems"]
    assert len(groups) == 1 and groups[0]["count"] == 150  # ドイツ and Россия are read; Narnia and Atlantis are not
    assert groups[0]["reason"].startswith("“…” is not a country we know")
    assert groups[0]["examples"] == ["Narnia", "Atlantis"]
    assert groups[0]["said"].startswith("“Narnia”, “Atlantis”… is not a country we know")
    client.force_login(alice)
    first = client.get(reverse("import_problems", args=[job.pk, 0])).content.decode()
    last = client.get(reverse("import_problems", args=[job.pk, 0]), {"page": 3}).content.decode()
    assert "Page 1 of 3" in first and "Company 2<" in first and "Company 299" in last


def test_another_users_import_pages_are_not_found(client, alice, bob):
    job = _job(alice, "Company,Email\nAcme,a@acme.example\n")
    client.force_login(bob)

    assert client.get(reverse("import_problems", args=[job.pk, 0])).status_code == 404
    assert client.get(reverse("import_progress", args=[job.pk])).status_code == 404
    assert client.post(reverse("import_undo", args=[job.pk])).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Company," + b"x," * 20_000 + b"\n", "more than 500 columns"),
        (b"Company,Email\n" + b"\n" * 300_000, "more than 200,000"),
        (b"Company,Email\n" + b"Acme,a@acme.example\n" * 300 + b"Beta,\x00\n", "Line 302 has a NUL byte"),
    ],
    ids=["20000 columns", "a file of newlines", "a NUL byte after the first 4 KB"],
)
def test_files_over_the_limits_are_refused_while_reading_with_a_clear_error(data, message):
    with pytest.raises(ImportFileError) as refused:
        import_read(import_text_decode(data))

    assert message in str(refused.value)


@pytest.mark.parametrize(
    "size", [3 * 1024 * 1024, 1024 * 1024 + 30 * 1024], ids=["refused by its length", "stopped while it arrives"]
)
def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, alice, settings, size):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    client.force_login(alice)
    row = b"Acme,a@acme.example\n"
    big = SimpleUploadedFile("big.csv", b"Company,Email\n" + row * (size // len(row)))

    response = client.post(reverse("prospect_import"), {"file": big})

    assert response.status_code == 413
    assert "The file is larger than 1 MB; split it." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_custom_field_is_searchable_and_filterable_on_the_list_and_in_the_api(client, alice, cadence):
    _imported(alice, "Company,Email,Industry\nAcme,a@acme.example,Cold chain\nBeta,b@beta.example,Grain\n")
    client.force_login(alice)

    searched = client.get(reverse("prospect_list"), {"q": "cold chain"}).content.decode()
    filtered = client.get(reverse("prospect_list"), {"field": "Industry", "field_value": "grain"}).content.decode()
    api = client.get("/api/v1/prospects/", {"page_size": 10}).json()

    assert "Acme" in searched and "Beta" not in searched
    assert "Beta" in filtered and "Acme" not in filtered
    assert {p["name"]: p["custom"] for p in api["results"]} == {
        "Acme": {"Industry": "Cold chain"},
        "Beta": {"Industry": "Grain"},
    }


def test_the_list_filters_by_import(client, alice, cadence):
    ProspectFactory(owner=alice, name="Before")
    job = _imported(alice, "Company,Email\nFrom the file,f@file.example\n")
    client.force_login(alice)

    page = client.get(reverse("prospect_list"), {"import": job.pk}).content.decode()

    assert "From the file" in page and "Before" not in page


def test_a_big_file_is_previewed_by_a_worker_and_an_older_mapping_never_overwrites_a_newer_one(
    client, alice, cadence, django_capture_on_commit_callbacks
):
    from cadence.services.imports import PREVIEW_INLINE_ROWS, import_job_preview_run

    rows = "".join(f"Company {n},c{n}@x{n}.example,note {n}\n" for n in range(PREVIEW_INLINE_ROWS + 1))
    job = import_job_start(user=alice, file_name="big.csv", data=("Company,Email,Note\n" + rows).encode())
    client.force_login(alice)
    page = client.get(reverse("import_map", args=[job.pk]))
    body = {name: page.context["form"][name].value() or "" for name in page.context["form"].fields}

    with django_capture_on_commit_callbacks(execute=False) as first_tasks:
        client.post(reverse("import_map", args=[job.pk]), {**body, "owner": "me", "cadence": "auto"})
    job.refresh_from_db()
    first = job.options["revision"]
    assert job.state == ImportJob.State.PREVIEWING and len(first_tasks) == 1
    waiting = client.get(reverse("import_map", args=[job.pk])).content.decode()
    assert f"Reading {PREVIEW_INLINE_ROWS + 1} rows" in waiting

    # The user maps again before the worker is done: the first preview, finishing late, writes nothing.
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("import_map", args=[job.pk]), {**body, "owner": "me", "cadence": "auto", "col_2": ""})
    import_job_preview_run(job_id=job.pk, revision=first, now=timezone.now())
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWING
    import_job_preview_run(job_id=job.pk, revision=job.options["revision"], now=timezone.now())
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED and job.columns["Note"] == ""

    shown = client.get(reverse("import_map", args=[job.pk])).content.decode()
    assert "3. What will happen" in shown and f"<strong>{PREVIEW_INLINE_ROWS + 1}</strong> new prospects" in shown


def test_the_prospect_page_shows_the_custom_fields_and_the_value_as_written(client, alice, cadence):
    Team.objects.filter(pk=alice.team_id).update(exchange_rates={"JPY": "0.0067"})
    _imported(alice, 'Company,Email,Industry,Amount\nTokyo Freight,t@tokyo.example,Cold chain,"¥1,275,000"\n')
    client.force_login(alice)

    page = client.get(reverse("prospect_detail", args=[Prospect.objects.get().pk])).content.decode()

    assert "<dt>Industry</dt><dd>Cold chain</dd>" in page
    assert "8,543 USD" in page and "(written 1,275,000 JPY)" in page


def test_a_column_named_like_a_team_field_is_kept_as_that_field_next_time_even_when_empty(alice, cadence):
    _imported(alice, "Company,Email,Industry\nAcme,a@acme.example,Cold chain\n")

    again = import_job_start(user=alice, file_name="next.csv", data=b"Company,E-mail,Industry\nBeta,b@beta.example,\n")

    assert again.columns == {"Company": "company", "E-mail": "email", "Industry": "custom"}
