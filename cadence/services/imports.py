"""A CSV import as a job: uploaded, its columns mapped, previewed, then run by a worker with its progress in
PostgreSQL. New prospects are enrolled paced; rows already in Pursuit are merged; failed rows are kept for a CSV.

1. `import_job_start`: decode and read the file, guess the mapping (or take the one saved for this header).
2. `import_job_configure`: the user's mapping, roles and choices (owner, cadence, start); the plan and its summary.
3. `import_job_queue`: hand the job to a worker (`cadence.tasks.import_run`), after commit.
4. `import_job_run`: write it in chunks, each committed with the job's progress, so the page can show it and a
   worker that dies part way leaves a job the next run finishes without doubling anything (rows written are then
   "already in Pursuit" and merge).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q

from cadence.models import Cadence
from cadence.services.intake import leads_enroll_new
from cadence.services.pacing import pacing_forecast
from cadence.services.queue import task_enqueue
from crm.clocks import Clock, clock_guess, clock_shared, contact_clock
from crm.imports import (
    ImportFileError,
    ImportPlan,
    ImportRow,
    columns_check,
    columns_guess,
    import_plan,
    import_read,
    import_rows,
    import_text_decode,
)
from crm.models import Contact, ImportJob, ImportMapping, Prospect, User
from crm.selectors import reps_taking_leads
from crm.services import prospects_clock_refresh

logger = logging.getLogger(__name__)
CHUNK = 1000
OWNER_ME, OWNER_SPREAD = "me", "spread"
CADENCE_AUTO = "auto"


def import_job_start(*, user: User, file_name: str, data: bytes) -> ImportJob:
    if user.team_id is None:
        raise ImportFileError("You are not on a team yet; ask a manager to add you before importing.")
    text = import_text_decode(data)
    file = import_read(text)
    saved = ImportMapping.objects.filter(team_id=user.team_id, header_digest=file.header_digest).first()
    columns = saved.columns if saved is not None else columns_guess(file.header)
    seen = ImportJob.objects.filter(team_id=user.team_id, digest=file.digest, state=ImportJob.State.DONE).first()
    return ImportJob.objects.create(
        user=user,
        team_id=user.team_id,
        file_name=file_name[:255],
        text=text,
        digest=file.digest,
        header=file.header,
        columns=columns,
        total_rows=len(file.records),
        summary={"mapping_saved": saved is not None, "imported_before": seen.finished_at.isoformat() if seen else ""},
    )


def _owners(job: ImportJob, owner: str) -> list[User]:
    """Who the new prospects go to: the importer, one rep, or the team's available reps by load."""
    user = job.user
    if owner == OWNER_ME or not (user.is_manager or user.is_superuser):
        return [user]
    # Reps who joined, take new leads and are not away: an invited rep who never logged in gets none.
    reps = reps_taking_leads(team=job.team, on=dt.date.today())
    if owner == OWNER_SPREAD:
        chosen = list(
            reps.annotate(
                load=Count("owned_prospects", filter=Q(owned_prospects__status__in=["active", "engaged"]))
            ).order_by("load", "pk")
        )
        if not chosen:
            raise ValidationError({"owner": "No rep of the team is available to take new leads."})
        return chosen
    rep = reps.filter(pk=int(owner)).first() if str(owner).isdigit() else None
    if rep is None:
        raise ValidationError({"owner": "Choose an available rep of the team who has logged in at least once."})
    return [rep]


def _assign(groups: int, owners: list[User]) -> list[User]:
    """Each new prospect's owner: spread by load, the least loaded first, so reps end as even as they can."""
    if len(owners) == 1:
        return owners * groups
    load = {o.pk: getattr(o, "load", 0) for o in owners}
    by_pk = {o.pk: o for o in owners}
    assigned = []
    for _ in range(groups):
        pk = min(load, key=lambda k: (load[k], k))
        load[pk] += 1
        assigned.append(by_pk[pk])
    return assigned


def _cadence(job: ImportJob, choice: str) -> Cadence | None:
    if choice in ("", CADENCE_AUTO):
        return None
    cadence = (
        Cadence.objects.filter(team_id=job.team_id, pk=int(choice), is_retired=False).first()
        if choice.isdigit()
        else None
    )
    if cadence is None:
        raise ValidationError({"cadence": "Choose one of the team's cadences."})
    return cadence


def _plan(job: ImportJob) -> ImportPlan:
    file = import_read(job.text)
    columns_check(job.columns)
    return import_plan(user=job.user, rows=import_rows(file, columns=job.columns, roles=job.roles), columns=job.columns)


def import_job_configure(
    *, job: ImportJob, columns: dict[str, str], roles: dict[str, str], options: dict[str, Any], now: dt.datetime
) -> ImportPlan:
    """Take the user's mapping and choices, and say what the import will do (counts, pacing), before anything."""
    if job.state not in (ImportJob.State.MAPPING, ImportJob.State.PREVIEWED):
        raise ValidationError("This import has already started.")
    columns_check(columns)
    job.columns, job.roles, job.options = columns, roles, options
    owners = _owners(job, str(options.get("owner") or OWNER_ME))
    _cadence(job, str(options.get("cadence") or CADENCE_AUTO))
    plan = _plan(job)
    assigned = _assign(len(plan.to_create), owners)
    per_owner: dict[int, int] = {}
    for owner in assigned:
        per_owner[owner.pk] = per_owner.get(owner.pk, 0) + 1
    start = dt.date.fromisoformat(options["start"]) if options.get("start") else None
    forecast = pacing_forecast(owners=per_owner, team=job.team, now=now, start=start)
    job.summary = {
        **job.summary,
        "create": plan.count("create"),
        "prospects": len(plan.to_create),
        "merge": plan.count("merge"),
        "skip": plan.count("skip"),
        "fail": plan.count("fail"),
        "budget": forecast["budget"],
        "last_first_attempt": {name: day.isoformat() for name, day in forecast["last"].items()},
    }
    job.state = ImportJob.State.PREVIEWED
    with transaction.atomic():
        job.save(update_fields=["columns", "roles", "options", "summary", "state"])
        file = import_read(job.text)
        ImportMapping.objects.update_or_create(
            team_id=job.team_id, header_digest=file.header_digest, defaults={"columns": columns}
        )
    return plan


def import_job_queue(*, job: ImportJob) -> bool:
    """Hand a previewed job to a worker once (a second click finds it queued)."""
    queued = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PREVIEWED).update(state=ImportJob.State.QUEUED)
    if queued:
        task_enqueue("cadence.tasks.import_run", job.pk)
    return bool(queued)


def import_job_run(*, job_id: int, now: dt.datetime) -> None:
    """Run a queued import (the worker's task). Quiet if the job is gone, done, or another worker has it."""
    claimed = ImportJob.objects.filter(pk=job_id, state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]).update(
        state=ImportJob.State.RUNNING, started_at=now
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("user", "team").get(pk=job_id)
    try:
        _run(job, now=now)
    except (ValidationError, ImportFileError) as exc:
        message = " ".join(exc.messages)[:300]
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.FAILED, error=message, finished_at=now)
    except Exception as exc:
        logger.exception("import %s failed", job_id)
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:300], finished_at=now
        )
        raise


def _run(job: ImportJob, *, now: dt.datetime) -> None:
    plan = _plan(job)
    owners = _owners(job, str(job.options.get("owner") or OWNER_ME))
    cadence = _cadence(job, str(job.options.get("cadence") or CADENCE_AUTO))
    start = dt.date.fromisoformat(job.options["start"]) if job.options.get("start") else None
    assigned = _assign(len(plan.to_create), owners)
    failures = [[row.line, row.company, row.contact_name, "; ".join(row.errors)] for row in plan.rows if row.errors]
    skipped = [[row.line, row.company, row.contact_name, row.duplicate] for row in plan.rows if row.outcome == "skip"]
    _merge(plan.to_merge, now=now)
    done = plan.count("fail") + plan.count("skip") + plan.count("merge")
    _progress(job, processed=done, merged=plan.count("merge"))
    created = 0
    for offset in range(0, len(plan.to_create), CHUNK):
        groups = plan.to_create[offset : offset + CHUNK]
        with transaction.atomic():
            prospects = _create(job, groups, assigned[offset : offset + CHUNK], now=now)
            leads_enroll_new(prospects=prospects, team=job.team, now=now, actor=job.user, cadence=cadence, start=start)
            created += len(prospects)
            done += sum(len(g.rows) for g in groups)
            _progress(job, processed=done, created=created)
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE,
        processed_rows=job.total_rows,
        created_count=created,
        skipped_count=len(skipped),
        failed_count=len(failures),
        failures=failures + skipped,
        finished_at=now,
        text="",
    )


def _progress(job: ImportJob, *, processed: int, created: int | None = None, merged: int | None = None) -> None:
    changes: dict[str, int] = {"processed_rows": processed}
    if created is not None:
        changes["created_count"] = created
    if merged is not None:
        changes["merged_count"] = merged
    ImportJob.objects.filter(pk=job.pk).update(**changes)


def _row_clock(row: ImportRow, *, country: str) -> Clock | None:
    """A row's own clock: its zone column, else its phone number (crm.clocks)."""
    return contact_clock(zone=row.timezone, phone=row.phone, prospect_country=country)


def _contact(
    row: ImportRow, *, prospect: Prospect | None = None, prospect_id: int | None = None, clock: Clock | None
) -> Contact:
    return Contact(
        prospect=prospect,
        prospect_id=prospect_id if prospect is None else prospect.pk,
        name=row.contact_name,
        role=row.role,
        title=row.title,
        phone=row.phone,
        email=row.email,
        timezone=clock.zone if clock else "",
        timezone_source=clock.source if clock else "",
    )


def _create(job: ImportJob, groups: Sequence, owners: Sequence[User], *, now: dt.datetime) -> list[Prospect]:
    """The new prospects and their contacts, each on its own clock: a contact on its zone column or phone number,
    the company on the one most of its contacts share, else its country, state and city, else its rep's (said to be a
    guess). One row's zone never becomes the company's unless most of its rows agree."""
    prospects, clocks = [], []
    for group, owner in zip(groups, owners, strict=True):
        row_clocks = [_row_clock(row, country=group.country) for row in group.rows]
        place = clock_guess(country=group.country, region=group.region, city=group.city, fallback=owner.timezone)
        company = clock_shared([c for c in row_clocks if c is not None], fallback=place)
        clocks.append(row_clocks)
        prospects.append(
            Prospect(
                name=group.company,
                team_id=job.team_id,
                owner=owner,
                country=group.country,
                region=group.region,
                city=group.city,
                timezone=company.zone,
                timezone_source=company.source,
                estimated_value=group.value,
                source=Prospect.Source.IMPORT,
            )
        )
    Prospect.objects.bulk_create(prospects, batch_size=CHUNK)
    Contact.objects.bulk_create(
        (
            _contact(row, prospect=p, clock=clock)
            for p, group, row_clocks in zip(prospects, groups, clocks, strict=True)
            for row, clock in zip(group.rows, row_clocks, strict=True)
            if row.contact_name
        ),
        batch_size=CHUNK,
    )
    return prospects


def _merge(rows: Sequence[ImportRow], *, now: dt.datetime) -> None:
    """New contacts at companies already in Pursuit are added to them, each on its own clock; a company whose clock
    was derived follows its contacts' (crm.services.prospect_clock_refresh)."""
    ids = {row.merge_into for row in rows if row.merge_into}
    countries = dict(Prospect.objects.filter(pk__in=ids).values_list("pk", "country"))
    contacts = [
        _contact(row, prospect_id=row.merge_into, clock=_row_clock(row, country=countries.get(row.merge_into, "")))
        for row in rows
        if row.contact_name and row.merge_into
    ]
    with transaction.atomic():
        Contact.objects.bulk_create(contacts, batch_size=CHUNK)
        Prospect.objects.filter(pk__in=ids).update(updated_at=now)
        prospects_clock_refresh(prospect_ids={c.prospect_id for c in contacts if c.timezone})


def leads_import_confirm(*, user: User, text: str, now: dt.datetime, expected_digest: str) -> ImportPlan:
    """A whole import in one call, with the guessed mapping: for scripts and tests. The data may not have changed
    since the plan the caller saw (`expected_digest`), or nothing is written."""
    file = import_read(text)
    columns = columns_guess(file.header)
    columns_check(columns)
    plan = import_plan(user=user, rows=import_rows(file, columns=columns), columns=columns)
    if plan.digest != expected_digest:
        raise ValidationError("The data changed since the preview. Check the new preview and confirm again.")
    if not (plan.to_create or plan.to_merge):
        raise ValidationError("Nothing to import: every row has an error or is already in Pursuit.")
    job = ImportJob.objects.create(
        user=user,
        team_id=user.team_id,
        text=text,
        digest=file.digest,
        header=file.header,
        columns=columns,
        total_rows=len(file.records),
        state=ImportJob.State.QUEUED,
        options={"owner": OWNER_ME},
    )
    import_job_run(job_id=job.pk, now=now)
    plan.created = ImportJob.objects.get(pk=job.pk).created_count
    return plan
