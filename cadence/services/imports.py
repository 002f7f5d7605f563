"""A CSV import as a job: uploaded, its columns mapped, previewed, then run by a worker with its progress in
PostgreSQL. New prospects are enrolled paced; rows already in Pursuit are merged; failed rows are kept for a CSV.

1. `import_job_start`: decode and read the file, guess the mapping (or take the one saved for this header).
2. `import_job_configure`: the user's mapping, roles and choices (owner, cadence, start); the plan and its summary.
3. `import_job_queue`: hand the job to a worker (`cadence.tasks.import_run`), after commit.
4. `import_job_run`: write it in chunks, each committed with the job's progress, so the page can show it and a
   worker that dies part way leaves a job the next run finishes without doubling anything (rows written are then
   "already in Pursuit" and merge). A job whose task was lost (the queue was down) is handed again by the minute
   sweep (`imports_requeue`).
5. `import_job_undo`: within UNDO_DAYS, what the import created goes and the contacts it merged are taken back,
   except what a rep has worked since (a touch logged): that stays, and the undo says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cadence.models import Cadence
from cadence.services.intake import leads_enroll_new
from cadence.services.pacing import pacing_forecast
from cadence.services.queue import task_enqueue
from cadence.services.touches import prospect_replan
from crm.clocks import Clock, clock_guess, clock_shared, contact_clock
from crm.imports import (
    CUSTOM,
    ImportFile,
    ImportFileError,
    ImportGroup,
    ImportPlan,
    ImportRow,
    Money,
    columns_check,
    columns_guess,
    import_plan,
    import_read,
    import_rows,
    import_text_decode,
)
from crm.models import Contact, ImportJob, ImportMapping, Prospect, TeamField, User
from crm.selectors import reps_taking_leads, team_list_managed
from crm.services import prospects_clock_refresh

logger = logging.getLogger(__name__)
CHUNK = 1000
OWNER_ME, OWNER_SPREAD = "me", "spread"
CADENCE_AUTO = "auto"
UNDO_DAYS = 14
REQUEUE_AFTER = dt.timedelta(minutes=2)
PROBLEM_GROUPS_KEPT = 50


def import_job_start(*, user: User, file_name: str, data: bytes) -> ImportJob:
    if user.team_id is None:
        raise ImportFileError("You are not on a team yet; ask a manager to add you before importing.")
    text = import_text_decode(data)
    file = import_read(text)
    saved = ImportMapping.objects.filter(team_id=user.team_id, header_digest=file.header_digest).first()
    team_fields = TeamField.objects.filter(team_id=user.team_id).values_list("name", flat=True)
    columns = saved.columns if saved is not None else columns_guess(file.header, file.records, team_fields=team_fields)
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
        summary={
            "mapping_saved": saved is not None,
            "imported_before": seen.finished_at.isoformat() if seen and seen.finished_at else "",
        },
    )


def _owners(job: ImportJob, owner: str) -> list[User]:
    """Who the new prospects go to: the importer, one rep, or the team's available reps by load."""
    user = job.user
    if owner == OWNER_ME or not (user.is_manager or user.is_superuser):
        return [user]
    # Reps who joined, take new leads and are not away: an invited rep who never logged in gets none.
    reps = reps_taking_leads(team=job.team, on=dt.date.today())
    if owner == OWNER_SPREAD:
        chosen: list[User] = list(
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


def _plan(job: ImportJob, file: ImportFile | None = None) -> ImportPlan:
    file = file or import_read(job.text)
    columns_check(job.columns)
    rows = import_rows(file, columns=job.columns, roles=job.roles, money=Money.of(job.team))
    return import_plan(user=job.user, rows=rows, columns=job.columns, stages=job.options.get("stages") or {})


SETTABLE = (ImportJob.State.MAPPING, ImportJob.State.PREVIEWING, ImportJob.State.PREVIEWED)
# A file up to this many rows is previewed in the request (well under a second); a bigger one by a worker, while
# the page waits: no web request reads 50,000 rows.
PREVIEW_INLINE_ROWS = 2000
ROWS_SHOWN = 20


def import_job_preview_request(
    *, job: ImportJob, columns: dict[str, str], roles: dict[str, str], options: dict[str, Any], now: dt.datetime
) -> bool:
    """The user's mapping and choices, checked now (an error shows next to the form) and saved; the preview made
    here for a small file, else by a worker (`import_job_preview_run`). True when the preview is ready.

    Each request gets a revision: a worker still previewing an earlier mapping writes nothing when it is done."""
    if job.state not in SETTABLE:
        raise ValidationError("This import has already started.")
    columns_check(columns)
    job.columns, job.roles = columns, roles
    _owners(job, str(options.get("owner") or OWNER_ME))
    _cadence(job, str(options.get("cadence") or CADENCE_AUTO))
    options = {**options, "revision": uuid.uuid4().hex}
    job.options, job.error = options, ""
    if job.total_rows <= PREVIEW_INLINE_ROWS:
        job.save(update_fields=["columns", "roles", "options", "error"])
        import_job_configure(job=job, columns=columns, roles=roles, options=options, now=now)
        return True
    job.state, job.queued_at = ImportJob.State.PREVIEWING, now
    with transaction.atomic():
        job.save(update_fields=["columns", "roles", "options", "state", "queued_at", "error"])
        task_enqueue("cadence.tasks.import_preview", job.pk, options["revision"])
    return False


def import_job_preview_run(*, job_id: int, revision: str, now: dt.datetime) -> None:
    """Make the preview a request asked for (the worker's task); quiet when the job moved on or was mapped again."""
    job = ImportJob.objects.select_related("user", "team").filter(pk=job_id, state=ImportJob.State.PREVIEWING).first()
    if job is None or job.options.get("revision") != revision:
        return
    try:
        import_job_configure(job=job, columns=job.columns, roles=job.roles, options=job.options, now=now)
    except (ValidationError, ImportFileError) as exc:
        ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PREVIEWING, options__revision=revision).update(
            state=ImportJob.State.MAPPING, error=" ".join(exc.messages)[:300]
        )


def _row_shown(row: ImportRow) -> dict[str, Any]:
    if row.outcome == "fail":
        result = "Error: " + " ".join(row.errors)
    elif row.outcome == "skip":
        result = "Skipped: " + row.duplicate
    elif row.outcome == "merge":
        result = "Merged: " + row.duplicate
    else:
        result = "New"
    return {
        "line": row.line,
        "company": row.company,
        "contact": row.contact_name,
        "email": row.email,
        "role": row.role.replace("_", " ").capitalize(),
        "outcome": row.outcome,
        "result": result,
    }


def import_job_configure(
    *, job: ImportJob, columns: dict[str, str], roles: dict[str, str], options: dict[str, Any], now: dt.datetime
) -> ImportPlan:
    """Take the user's mapping and choices, and say what the import will do (counts, pacing, the problems by
    reason, the first rows with problems), before anything. When the choices carry a revision, the preview is
    saved only if they are still the job's (a later mapping wins)."""
    if job.state not in SETTABLE:
        raise ValidationError("This import has already started.")
    columns_check(columns)
    job.columns, job.roles, job.options = columns, roles, options
    owners = _owners(job, str(options.get("owner") or OWNER_ME))
    _cadence(job, str(options.get("cadence") or CADENCE_AUTO))
    file = import_read(job.text)
    plan = _plan(job, file)
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
        "problems": [group.as_dict() for group in plan.problem_groups()[:PROBLEM_GROUPS_KEPT]],
        "owners_unknown": sorted(plan.owners_unknown.items(), key=lambda item: -item[1])[:20],
        "custom_fields": sorted({name for name, target in columns.items() if target == CUSTOM}),
        "rows_shown": [_row_shown(row) for row in plan.problems_first(ROWS_SHOWN)],
    }
    job.state = ImportJob.State.PREVIEWED
    revision = options.get("revision")
    with transaction.atomic():
        if revision:
            still = ImportJob.objects.filter(pk=job.pk, state__in=SETTABLE, options__revision=revision).update(
                columns=columns, roles=roles, options=options, summary=job.summary, state=job.state, error=""
            )
            if not still:
                return plan
        else:
            job.save(update_fields=["columns", "roles", "options", "summary", "state"])
        ImportMapping.objects.update_or_create(
            team_id=job.team_id, header_digest=file.header_digest, defaults={"columns": columns}
        )
    return plan


def import_job_queue(*, job: ImportJob) -> bool:
    """Hand a previewed job to a worker once (a second click finds it queued)."""
    queued = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PREVIEWED).update(
        state=ImportJob.State.QUEUED, queued_at=timezone.now()
    )
    if queued:
        task_enqueue("cadence.tasks.import_run", job.pk)
    return bool(queued)


def imports_requeue(*, now: dt.datetime) -> int:
    """Hand again the queued imports whose task never ran (confirmed while the queue was down, or its message
    lost): the minute sweep calls this. A task that does run twice finds the job claimed and leaves it."""
    stale = list(
        ImportJob.objects.filter(state__in=[ImportJob.State.QUEUED, ImportJob.State.PREVIEWING])
        .filter(Q(queued_at__lt=now - REQUEUE_AFTER) | Q(queued_at__isnull=True, created_at__lt=now - REQUEUE_AFTER))
        .values_list("pk", "state", "options")[:100]
    )
    for pk, state, options in stale:
        with transaction.atomic():
            if ImportJob.objects.filter(pk=pk, state=state).update(queued_at=now):
                if state == ImportJob.State.PREVIEWING:
                    task_enqueue("cadence.tasks.import_preview", pk, (options or {}).get("revision", ""))
                else:
                    task_enqueue("cadence.tasks.import_run", pk)
    return len(stale)


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
    file = import_read(job.text)
    plan = _plan(job, file)
    owners = _owners(job, str(job.options.get("owner") or OWNER_ME))
    cadence = _cadence(job, str(job.options.get("cadence") or CADENCE_AUTO))
    start = dt.date.fromisoformat(job.options["start"]) if job.options.get("start") else None
    assigned = _owners_for_groups(job, plan.to_create, _assign(len(plan.to_create), owners))
    records = dict(zip(file.lines, file.records, strict=True))
    not_imported = [
        {"line": row.line, "why": "; ".join(row.errors) or row.duplicate, "values": records.get(row.line, [])}
        for row in plan.rows
        if row.outcome in ("fail", "skip")
    ]
    _fields_keep(job, plan)
    _merge(job, plan.to_merge, now=now)
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
        skipped_count=plan.count("skip"),
        failed_count=plan.count("fail"),
        failures=not_imported,
        finished_at=now,
        text="",
    )


def _owners_for_groups(job: ImportJob, groups: Sequence[ImportGroup], assigned: list[User]) -> list[User]:
    """The rep the file names for a prospect, where the importer may give it to them and they take leads; else the
    one the import's choice gave."""
    named = {group.owner_id for group in groups if group.owner_id}
    if not named:
        return assigned
    takers = {rep.pk: rep for rep in reps_taking_leads(team=job.team, on=dt.date.today()).filter(pk__in=named)}
    if job.user.pk in named:
        takers.setdefault(job.user.pk, job.user)
    return [takers.get(group.owner_id or 0, owner) for group, owner in zip(groups, assigned, strict=True)]


def _fields_keep(job: ImportJob, plan: ImportPlan) -> None:
    """The team's own fields for the columns kept as custom: made once, offered by name in the next mapping."""
    names = {name for row in plan.rows if row.outcome in ("create", "merge") for name in row.custom}
    if names:
        TeamField.objects.bulk_create(
            [TeamField(team_id=job.team_id, name=name) for name in sorted(names)], ignore_conflicts=True
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
    row: ImportRow,
    *,
    prospect: Prospect | None = None,
    prospect_id: int | None = None,
    clock: Clock | None,
    job: ImportJob | None = None,
) -> Contact:
    of = prospect.pk if prospect is not None else prospect_id
    assert of is not None  # a contact is read for a prospect made or found, by object or by id
    return Contact(
        prospect=prospect,
        prospect_id=of,
        import_job=job,
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
                estimated_value=max(group.value, 0),
                value_written=group.value_written,
                value_currency=group.currency,
                website=group.website,
                notes=group.notes,
                custom=group.custom,
                source=Prospect.Source.IMPORT,
                import_job=job,
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


def _merge(job: ImportJob, rows: Sequence[ImportRow], *, now: dt.datetime) -> None:
    """New contacts at companies already in Pursuit are added to them, each on its own clock; a company whose clock
    was derived follows its contacts' (crm.services.prospect_clock_refresh). They remember the import, which may be
    undone."""
    ids = {row.merge_into for row in rows if row.merge_into}
    countries = dict(Prospect.objects.filter(pk__in=ids).values_list("pk", "country"))
    contacts = [
        _contact(
            row,
            prospect_id=row.merge_into,
            clock=_row_clock(row, country=countries.get(row.merge_into, "")),
            job=job,
        )
        for row in rows
        if row.contact_name and row.merge_into
    ]
    with transaction.atomic():
        Contact.objects.bulk_create(contacts, batch_size=CHUNK)
        Prospect.objects.filter(pk__in=ids).update(updated_at=now)
        prospects_clock_refresh(prospect_ids={c.prospect_id for c in contacts if c.timezone})


def import_job_undoable(*, job: ImportJob, user: User, now: dt.datetime) -> str:
    """Why this user cannot undo this import now, or "" when they can: its importer or a manager of its team,
    once it is done, within UNDO_DAYS, once."""
    if not (job.user_id == user.pk or team_list_managed(user=user).filter(pk=job.team_id).exists()):
        return "Only whoever imported it, or a manager of the team, can undo an import."
    if job.undone_at is not None:
        return "This import has been undone."
    if job.undo_requested_at is not None:
        return "This import is being undone."
    if job.state != ImportJob.State.DONE or job.finished_at is None:
        return "Only a finished import can be undone."
    if now - job.finished_at > dt.timedelta(days=UNDO_DAYS):
        return f"An import can be undone within {UNDO_DAYS} days; this one finished on {job.finished_at:%d %b %Y}."
    return ""


def import_job_undo_request(*, job: ImportJob, user: User, now: dt.datetime) -> None:
    """Ask a worker to undo the import (`import_job_undo_run`); the page shows how it went."""
    why_not = import_job_undoable(job=job, user=user, now=now)
    if why_not:
        raise ValidationError(why_not)
    with transaction.atomic():
        requested = ImportJob.objects.filter(pk=job.pk, undo_requested_at__isnull=True, undone_at__isnull=True).update(
            undo_requested_at=now, undone_by=user
        )
        if requested:
            task_enqueue("cadence.tasks.import_undo", job.pk)


def import_job_undo_run(*, job_id: int, now: dt.datetime) -> None:
    """Undo an import (the worker's task; quiet when it is gone or already undone).

    1. The prospects it created go, with their enrollments and plans, unless a rep worked one since (a touch logged,
       an email sent or read): those stay, and the summary counts them.
    2. The contacts it added to prospects already in Pursuit are taken back, unless one was worked since; their
       prospects are planned again without them.
    Each chunk is its own transaction, so a worker that dies part way leaves an undo the next run finishes.
    """
    job = ImportJob.objects.filter(pk=job_id, undo_requested_at__isnull=False, undone_at__isnull=True).first()
    if job is None:
        return
    created = Prospect.objects.filter(import_job_id=job.pk, team_id=job.team_id)
    worked = Q(touches__isnull=False) | Q(outbound_emails__isnull=False) | Q(inbound_emails__isnull=False)
    kept_ids = set(created.filter(worked).values_list("pk", flat=True))
    removed = 0
    while True:
        ids = list(created.exclude(pk__in=kept_ids).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        with transaction.atomic():
            Prospect.objects.filter(pk__in=ids).delete()
        removed += len(ids)
    merged = Contact.objects.filter(import_job_id=job.pk, prospect__team_id=job.team_id)
    contact_worked = Q(touches__isnull=False) | Q(outbound_emails__isnull=False)
    kept_contacts = set(merged.filter(contact_worked).values_list("pk", flat=True))
    taken_back = 0
    replan: set[int] = set()
    while True:
        batch = list(merged.exclude(pk__in=kept_contacts).values_list("pk", "prospect_id")[:CHUNK])
        if not batch:
            break
        with transaction.atomic():
            Contact.objects.filter(pk__in=[pk for pk, _ in batch]).delete()
            for _, prospect_id in batch:
                replan.add(prospect_id)
        taken_back += len(batch)
    with transaction.atomic():
        for prospect_id in sorted(replan):
            prospect_replan(prospect_id=prospect_id, now=now)
        summary = {
            "removed": removed,
            "kept_worked": len(kept_ids),
            "contacts_taken_back": taken_back,
            "contacts_kept_worked": len(kept_contacts),
        }
        ImportJob.objects.filter(pk=job.pk).update(undone_at=now, undo_summary=summary)


def imports_undo_requeue(*, now: dt.datetime) -> int:
    """Hand again an undo whose task never ran (the sweep calls this, as for imports)."""
    stale = list(
        ImportJob.objects.filter(undone_at__isnull=True, undo_requested_at__lt=now - REQUEUE_AFTER).values_list(
            "pk", flat=True
        )[:100]
    )
    for pk in stale:
        with transaction.atomic():
            if ImportJob.objects.filter(pk=pk, undone_at__isnull=True).update(undo_requested_at=now):
                task_enqueue("cadence.tasks.import_undo", pk)
    return len(stale)


def leads_import_confirm(*, user: User, text: str, now: dt.datetime, expected_digest: str) -> ImportPlan:
    """A whole import in one call, with the guessed mapping: for scripts and tests. The data may not have changed
    since the plan the caller saw (`expected_digest`), or nothing is written."""
    file = import_read(text)
    columns = columns_guess(file.header, file.records)
    columns_check(columns)
    if user.team_id is None:
        raise ValidationError("You are not on a team, so the leads would have none; ask a manager to add you to one.")
    money = Money.of(user.team) if user.team is not None else Money()
    plan = import_plan(user=user, rows=import_rows(file, columns=columns, money=money), columns=columns)
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
