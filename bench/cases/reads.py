"""(d) a rep's follow-up queue and prospect list, (e) a long prospect timeline: the selectors behind the pages.

Each reads the first 50 rows and materializes them (model instances, related rows included). The raw SQL is
the query an index was built for, written by hand, fetched as tuples.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from bench.registry import BenchContext, CaseResult, case, p95_under
from bench.timing import measure

PAGE = 50


def _raw(sql: str, params: list[Any]) -> Any:
    def run(_: Any) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


RAW_QUEUE = """
    SELECT f.*, p.*, c.*, u.* FROM cadence_followup f
    JOIN crm_prospect p ON p.id = f.prospect_id
    LEFT JOIN crm_contact c ON c.id = f.contact_id
    JOIN crm_user u ON u.id = f.rep_id
    WHERE f.rep_id = %s AND f.status = 'planned'
    ORDER BY f.due_start LIMIT 50
"""


@case("follow_up_queue", "A rep's follow-up queue: cadence.selectors.follow_up_list_for_user, first 50", order=20)
def follow_up_queue_case(ctx: BenchContext) -> CaseResult:
    from cadence.selectors import follow_up_list_for_user

    result = ctx.result()
    result.target = p95_under(150)
    rep, manager = ctx.rep(), ctx.manager()
    warmup, runs = ctx.runs(5, quick=1), ctx.runs(50, quick=3)
    result.main = measure(
        "rep: list(follow_up_list_for_user(user=rep)[:50])",
        lambda _: list(follow_up_list_for_user(user=rep)[:PAGE]),
        warmup=warmup,
        runs=runs,
    )
    result.raw = measure(
        "raw SQL on follow_up_queue_idx (rep_id, due_start)", _raw(RAW_QUEUE, [rep.pk]), warmup=warmup, runs=runs
    )
    if manager is not None:
        result.others.append(
            measure(
                "manager: list(follow_up_list_for_user(user=manager)[:50])",
                lambda _: list(follow_up_list_for_user(user=manager)[:PAGE]),
                warmup=warmup,
                runs=runs,
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cadence_followup WHERE rep_id = %s AND status = 'planned'", [rep.pk])
        result.facts["rep's planned follow-ups"] = f"{cursor.fetchone()[0]:,}"
    return result


RAW_PROSPECTS = "SELECT * FROM crm_prospect WHERE owner_id = %s ORDER BY updated_at DESC, id DESC LIMIT 50"


def _newest_prospects(user: Any) -> list[Any]:
    """The first page of what `user` sees, newest activity first, as the list page reads it (its ids branch by
    branch, then their rows)."""
    from crm.models import Prospect
    from crm.selectors import RECENT_FIRST, prospect_page_visible

    ids = prospect_page_visible(user=user, matching=Prospect.objects.all(), after=None, limit=PAGE, order=RECENT_FIRST)
    found = Prospect.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


@case(
    "prospect_list",
    "A rep's prospects, newest activity first: crm.selectors.prospect_page_visible, first 50",
    order=20,
)
def prospect_list_case(ctx: BenchContext) -> CaseResult:
    result = ctx.result()
    result.target = p95_under(150)
    rep, manager = ctx.rep(), ctx.manager()
    warmup, runs = ctx.runs(5, quick=1), ctx.runs(50, quick=3)
    result.main = measure(
        "rep: prospect_page_visible(user=rep, order=RECENT_FIRST, limit=50), then the rows",
        lambda _: _newest_prospects(rep),
        warmup=warmup,
        runs=runs,
    )
    result.raw = measure("raw SQL: owner_id = rep", _raw(RAW_PROSPECTS, [rep.pk]), warmup=warmup, runs=runs)
    if manager is not None:
        result.others.append(
            measure(
                "manager: prospect_page_visible(user=manager, order=RECENT_FIRST, limit=50), then the rows",
                lambda _: _newest_prospects(manager),
                warmup=warmup,
                runs=runs,
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM crm_prospect WHERE owner_id = %s", [rep.pk])
        result.facts["rep's prospects"] = f"{cursor.fetchone()[0]:,}"
    return result


RAW_TIMELINE = """
    SELECT t.*, c.*, u.* FROM touches_touch t
    LEFT JOIN crm_contact c ON c.id = t.contact_id
    JOIN crm_user u ON u.id = t.rep_id
    WHERE t.prospect_id = %s AND t.deleted_at IS NULL
    ORDER BY t.occurred_at DESC LIMIT 50
"""


@case("timeline", "A prospect's timeline: last 50 alive touches of a long history", order=20)
def timeline_case(ctx: BenchContext) -> CaseResult:
    from crm.models import Prospect
    from touches.models import Touch

    result = ctx.result()
    result.target = p95_under(150)
    prospect_id = ctx.long_history_prospect_id()
    prospect = Prospect.objects.get(pk=prospect_id)
    warmup, runs = ctx.runs(5, quick=1), ctx.runs(50, quick=3)
    result.main = measure(
        "Touch.objects.alive().filter(prospect=p).select_related(contact, rep).order_by(-occurred_at)[:50]",
        lambda _: list(
            Touch.objects.alive()
            .filter(prospect_id=prospect_id)
            .select_related("contact", "rep")
            .order_by("-occurred_at")[:PAGE]
        ),
        warmup=warmup,
        runs=runs,
    )
    result.raw = measure("raw SQL on touch_history_idx", _raw(RAW_TIMELINE, [prospect_id]), warmup=warmup, runs=runs)
    try:
        from workspace.selectors import timeline_page
    except ImportError:
        timeline_page = None
    if timeline_page is not None:
        result.others.append(
            measure(
                "workspace.selectors.timeline_page(prospect) (the prospect page's keyset page)",
                lambda _: timeline_page(prospect=prospect),
                warmup=warmup,
                runs=runs,
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM touches_touch WHERE prospect_id = %s AND deleted_at IS NULL", [prospect_id]
        )
        result.facts["touches of this prospect"] = f"{cursor.fetchone()[0]:,}"
    return result
