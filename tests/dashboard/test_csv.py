"""CSV downloads: the stalled list, the rep table and each chart's numbers, with formula cells neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from tests.dashboard.conftest import lead

pytestmark = pytest.mark.django_db


def read(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark: Excel keeps "Zoë" as "Zoë"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_stalled_csv_has_every_lead_under_the_filters_and_no_formulas(client, maria, alice, now):
    evil = lead(alice, now=now, touched_days_ago=10)
    evil.prospect.name = '=HYPERLINK("http://evil.example","Click")'
    evil.prospect.save()
    for _ in range(30):
        lead(alice, now=now, touched_days_ago=10)
    client.force_login(maria)

    rows = read(client.get("/dashboard/stalled.csv", {"reason": "no_touch"}))

    assert rows[0][:3] == ["Lead", "Lead id", "Team"]
    assert len(rows) == 32  # all of them, not one page
    assert ["'" + evil.prospect.name, str(evil.prospect_id)] in [row[:2] for row in rows]
    assert all(not row[0].startswith(("=", "+", "-", "@")) for row in rows)


def test_the_rep_table_and_chart_csvs(client, maria, alice):
    alice.first_name = "-Alice"  # a name is user input too
    alice.save()
    client.force_login(maria)

    reps = read(client.get("/dashboard/reps.csv", {"period": 7}))
    attempts = read(client.get("/dashboard/charts/attempts.csv"))
    curve = read(client.get("/dashboard/charts/persistence.csv"))
    heat = read(client.get("/dashboard/charts/when-to-call.csv"))

    assert reps[0][0] == "Rep or team" and reps[1][0] == "'-Alice" and reps[1][2] == "7"
    assert attempts[0] == ["Day", "Rep", "Attempts"] and len(attempts) == 1 + 31
    assert [row[0] for row in curve[1:]] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10+"]
    assert curve[1][4] == "48" and curve[6][4] == "93"
    assert heat[0] == ["Weekday", "Local time", "Dials", "Connects", "Connect rate %"]
    assert client.get("/dashboard/charts/nonsense.csv").status_code == 404
