"""Before each case the bench does what autovacuum would have done since the last one, when it is off."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.registry import _autovacuum_due, settle
from crm.models import Team


def _dead_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counts, now rather than at idle
        cursor.execute("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def _autovacuum_is_on() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "on"


@pytest.mark.django_db(transaction=True)
def test_a_table_left_full_of_dead_rows_is_vacuumed_and_analyzed_before_the_next_case():
    Team.objects.bulk_create(Team(name=f"Gone {n}") for n in range(300))
    Team.objects.all().delete()
    assert _dead_rows("crm_team") >= 300
    with connection.cursor() as cursor:
        due = _autovacuum_due(cursor)

    settle()

    if _autovacuum_is_on():  # the server's own autovacuum does it; the bench must not do it twice
        assert due == []
    else:
        assert "VACUUM (ANALYZE) public.crm_team" in due
        assert _dead_rows("crm_team") == 0


@pytest.mark.django_db
def test_nothing_is_vacuumed_inside_a_transaction_where_vacuum_cannot_run():
    with connection.cursor() as cursor:
        assert _autovacuum_due(cursor) == []
