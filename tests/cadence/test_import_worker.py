"""A big import runs in a real Celery worker while the page (here, the test) polls its progress in PostgreSQL."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from cadence.models import Enrollment
from cadence.services.imports import (
    import_job_configure,
    import_job_preview_request,
    import_job_queue,
    import_job_start,
)
from crm.models import ImportJob, Prospect

ROWS = 6000
# The dollar amount has a comma in it, so the file quotes it as any spreadsheet would.
USD = '"$12,000.00"'
EUR = "9.500,00 EUR"


@pytest.mark.celery_worker
def test_a_worker_imports_6000_rows_while_its_progress_is_polled(celery_worker_process, alice, cadence):
    rows = "".join(
        f"Company {n // 2},Contact {n},c{n}@company{n // 2}.example,+1 212 555 {n % 10000:04d},US,"
        f"{USD if n % 2 else EUR}\n"
        for n in range(ROWS)
    )
    data = ("Company,Contact,Email,Phone,Country,Value\n" + rows).encode()
    job = import_job_start(user=alice, file_name="big.csv", data=data)
    import_job_configure(job=job, columns=job.columns, roles={}, options={"owner": "me"}, now=timezone.now())

    import_job_queue(job=job)
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.append(job.processed_rows)
        if job.state in (ImportJob.State.DONE, ImportJob.State.FAILED):
            break
        time.sleep(0.1)

    assert job.state == ImportJob.State.DONE, job.error
    assert job.created_count == ROWS // 2 and job.failed_count == 0
    assert any(0 < n < ROWS for n in seen), "progress was visible while it ran"
    assert seen == sorted(seen)
    assert Prospect.objects.filter(owner=alice).count() == ROWS // 2
    # A company's value is the largest given on any of its rows, whatever way it was written.
    assert set(Prospect.objects.values_list("estimated_value", flat=True)) == {12000}
    assert Enrollment.objects.filter(owner=alice).count() == ROWS // 2


@pytest.mark.celery_worker
def test_a_big_files_preview_is_made_by_a_worker_while_the_page_waits(celery_worker_process, alice, cadence):
    rows = "".join(f"Company {n},c{n}@company{n}.example,{'Narnia' if n % 50 == 0 else 'US'}\n" for n in range(ROWS))
    job = import_job_start(user=alice, file_name="big.csv", data=("Company,Email,Country\n" + rows).encode())

    ready = import_job_preview_request(
        job=job, columns=job.columns, roles={}, options={"owner": "me"}, now=timezone.now()
    )

    assert ready is False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state != ImportJob.State.PREVIEWING:
            break
        time.sleep(0.1)
    assert job.state == ImportJob.State.PREVIEWED, job.error
    assert job.summary["fail"] == ROWS // 50 and job.summary["prospects"] == ROWS - ROWS // 50
    assert job.summary["problems"][0]["said"].startswith("“Narnia” is not a country we know")
