"""The touches changes feed: a cursor that never skips a committed change, even when commits come out of order.

Every write to a touch leaves a TouchChange row stamped with its transaction id (the trigger in migration 0002).
A naive `updated_at > cursor` feed loses rows: transaction A stamps 10:00:00, B stamps 10:00:01 and commits
first, a reader takes B and moves its cursor past 10:00:01, then A commits with an older stamp and is never
seen. Here a reader is only handed rows whose transaction id is below `pg_snapshot_xmin(pg_current_snapshot())`,
the oldest transaction still running anywhere: every such transaction has already committed (or aborted),
so no row can later appear behind a cursor. Rows are ordered by (xid, id) and the cursor is that pair.
The price is latency, never loss: a long transaction holds the feed back until it ends.

A user's page costs the same however many changes everyone else makes: each row carries the owner and team
its prospect had when it was written (migration 0004), so the feed reads index ranges of the user's own rows,
plus those of each team they manage, and only checks the page's prospects against who sees them now.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.expressions import RawSQL

from api.errors import BadRequest, Gone
from api.models import TouchChange, TouchChangeHorizon
from crm.models import Prospect, User
from crm.selectors import prospect_list_visible
from touches.models import Touch

TOMBSTONE_RETENTION = dt.timedelta(days=30)
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_MAX_ID = 2**63 - 1


@dataclass(frozen=True, order=True)
class Cursor:
    xid: int
    change_id: int

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"v1:{self.xid}:{self.change_id}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, raw: str) -> Cursor:
        try:
            text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
            version, xid, change_id = text.split(":")
            cursor = cls(int(xid), int(change_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise BadRequest("This cursor is not one the feed handed out.", code="invalid_cursor") from None
        if version != "v1" or not (0 <= cursor.xid <= _MAX_ID and 0 <= cursor.change_id <= _MAX_ID):
            raise BadRequest("This cursor is not one the feed handed out.", code="invalid_cursor")
        return cursor


@dataclass(frozen=True)
class Change:
    op: str
    touch_id: object
    changed_at: dt.datetime
    touch: Touch | None  # None for a tombstone


@dataclass(frozen=True)
class ChangesPage:
    changes: list[Change]
    next_cursor: Cursor
    has_more: bool


def _snapshot_xmin() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return int(cursor.fetchone()[0])


def touch_changes_head() -> Cursor:
    """A cursor at "now": start here, then list the touches, then follow the feed (a full resync)."""
    return Cursor(_snapshot_xmin() - 1, _MAX_ID)


def touch_changes_since(*, user: User, cursor: Cursor | None, limit: int = DEFAULT_LIMIT) -> ChangesPage:
    """The changes to touches the user can see after `cursor`, oldest first.

    1. A cursor behind the pruned horizon may have missed tombstones: 410, with a fresh cursor to resync from.
    2. Read the snapshot's xmin first; only rows of transactions older than it are final, and the next
       statement's snapshot sees all of them.
    3. Take up to `limit` rows after the cursor that may concern the user, keep those of prospects they see
       now, then the touches in one query. A touch changed several times in one page appears once, in the
       place of its last change, with its current state.
    4. When the page is not full the cursor moves up to xmin.
    """
    start = cursor or Cursor(0, 0)
    horizon = TouchChangeHorizon.objects.filter(pk=1).first()
    if horizon is not None and start < Cursor(horizon.xid, horizon.change_id):
        raise Gone(
            "This cursor is older than the changes log keeps "
            f"({TOMBSTONE_RETENTION.days} days): list the touches again, then follow the feed from resync_cursor.",
            code="cursor_expired",
            extra={"resync_cursor": touch_changes_head().encode()},
        )
    xmin = _snapshot_xmin()
    if start.xid >= xmin:
        # The feed only ever hands out positions below xmin, and xmin never goes back: this one was made up.
        raise BadRequest("This cursor is not one the feed handed out.", code="invalid_cursor")
    rows = _rows_after(user=user, start=start, xmin=xmin, count=limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    # A full page ends at its last row, seen or not; otherwise everything below xmin has been looked at.
    next_cursor = Cursor(rows[-1].xid, rows[-1].id) if has_more else max(start, Cursor(xmin - 1, _MAX_ID))
    rows = [row for row in rows if row.visible]
    touches = Touch.objects.in_bulk([row.touch_id for row in rows])
    created = {row.touch_id for row in rows if row.op == TouchChange.Op.CREATED}
    last = {row.touch_id: row for row in rows}
    changes = []
    for row in rows:
        if last[row.touch_id] is not row:
            continue
        touch = touches.get(row.touch_id)
        if row.op == TouchChange.Op.DELETED or touch is None or touch.deleted_at is not None:
            changes.append(Change(TouchChange.Op.DELETED, row.touch_id, row.changed_at, None))
        else:
            op = TouchChange.Op.CREATED if row.touch_id in created else TouchChange.Op.UPDATED
            changes.append(Change(op, row.touch_id, row.changed_at, touch))
    return ChangesPage(changes=changes, next_cursor=next_cursor, has_more=has_more)


# The ids of the rows that may concern a user, each branch an index range read in (xid, id) order and cut at
# the page size: the rows stamped with them as owner and, for a manager, those of each team they manage. A row
# in two branches (their own, on their team) is one id, and the first N of every branch hold the first N of
# them all. Parameters: user, xid, id, xmin, size; then xid, id, xmin, size, user.
_OWN_ROWS = """
    (SELECT c.id FROM api_touchchange c
     WHERE c.owner_id = %s AND (c.xid, c.id) > (%s, %s) AND c.xid < %s
     ORDER BY c.xid, c.id LIMIT %s)"""
_MANAGED_TEAMS_ROWS = """
    UNION ALL
    (SELECT c.id FROM crm_team_managers m CROSS JOIN LATERAL (
        SELECT c.id FROM api_touchchange c
        WHERE c.team_id = m.team_id AND (c.xid, c.id) > (%s, %s) AND c.xid < %s
        ORDER BY c.xid, c.id LIMIT %s) c
     WHERE m.user_id = %s)"""


def _rows_after(*, user: User, start: Cursor, xmin: int, count: int) -> list[TouchChange]:
    """Up to `count` log rows after `start` and below `xmin` that may concern the user, oldest first.

    Each has `visible`: whether the user sees its prospect now (`prospect_list_visible` decides). A stamp can
    be stale: the prospect changed hands since, and its touches were logged again for the new owner and team.
    Tombstones go to whoever they were stamped for: those of a prospect since deleted, and those a hand-over
    leaves for the previous owner.
    A superuser sees everything: the whole log, in order.
    """
    if not (user.is_authenticated and user.is_active):
        return []
    if user.is_superuser:
        rows = TouchChange.objects.filter(xid__gte=start.xid, xid__lt=xmin).exclude(
            xid=start.xid, id__lte=start.change_id
        )
        return list(rows.annotate(visible=Value(True)).order_by("xid", "id")[:count])
    sql, params = _OWN_ROWS, [user.pk, start.xid, start.change_id, xmin, count]
    if user.is_manager:
        sql, params = sql + _MANAGED_TEAMS_ROWS, [*params, start.xid, start.change_id, xmin, count, user.pk]
    visible = Exists(prospect_list_visible(user=user).filter(pk=OuterRef("prospect_id")))
    gone = ~Exists(Prospect.objects.filter(pk=OuterRef("prospect_id")))
    # A tombstone stamped for the user is theirs even for a lead they no longer see: a hand-over leaves one per
    # touch for the previous owner (migration 0005), and it says no more than which touch to drop.
    tombstone = Q(op=TouchChange.Op.DELETED)
    rows = TouchChange.objects.filter(pk__in=RawSQL(sql, params)).annotate(visible=visible | gone | tombstone)
    return list(rows.order_by("xid", "id")[:count])


def touch_changes_prune(*, now: dt.datetime, retention: dt.timedelta = TOMBSTONE_RETENTION) -> int:
    """Drop log rows older than the retention (for the periodic sweep), remembering the newest position dropped
    so that any cursor behind it gets 410 instead of silently missing a tombstone. Returns rows deleted."""
    with transaction.atomic():
        doomed = TouchChange.objects.filter(changed_at__lt=now - retention)
        newest = doomed.order_by("-xid", "-id").values_list("xid", "id").first()
        if newest is None:
            return 0
        horizon, _ = TouchChangeHorizon.objects.select_for_update().get_or_create(pk=1)
        if Cursor(*newest) > Cursor(horizon.xid, horizon.change_id):
            horizon.xid, horizon.change_id = newest
        horizon.pruned_at = now
        horizon.save()
        deleted, _ = doomed.delete()
        return deleted
