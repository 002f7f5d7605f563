"""The dashboard's number tables are drawn by their Jinja2 templates (templates/jinja2/dashboard/): they say cell for
cell what the page's Django template said before they moved (kept here as the reference)."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template

from dashboard.charts import FEW_DIALS, DailySeries, HeatCell, Heatmap
from web.jinja import drawn

# What templates/dashboard/dashboard.html wrote for these tables before they moved to Jinja2.
HEATMAP_TEMPLATE = Template(
    """{% for day, cells in heatmap.rows %}<tr><th scope="row">{{ day }}</th>{% for cell in cells %}"""
    """<td class="heat-{{ cell.heat_step }}{% if cell.dials and cell.dials < 5 %} few{% endif %}"""
    """{% if cell.is_study_best %} study-best{% endif %}" title="{{ day }} {{ cell.connects }} of {{ cell.dials }}"""
    """ dials connected">{% if cell.dials %}{{ cell.rate|floatformat:0 }}%<br><span class="small">{{ cell.dials }}"""
    """</span>{% else %}·{% endif %}</td>{% endfor %}</tr>{% if not forloop.last %}\n{% endif %}{% endfor %}"""
)
DAILY_TEMPLATE = Template(
    """{% for day, values in daily.by_day %}<tr><th scope="row">{{ day|date:"D j M" }}</th>{% for value in values %}"""
    """<td class="num">{{ value }}</td>{% endfor %}</tr>{% if not forloop.last %}\n{% endif %}{% endfor %}"""
)


def test_the_heatmap_rows_are_the_templates_cell_for_cell_few_dials_study_hours_and_empty_cells_included():
    heatmap = Heatmap(
        columns=["8am–9am", "9am–10am", "4pm–5pm"],
        rows=[
            (
                "Wed",
                [HeatCell(40, 9, 22.5, 100, True), HeatCell(3, 1, 100 / 3, 60, False), HeatCell(0, 0, None, 0, True)],
            ),
            (
                "Sat <b>",
                [HeatCell(12, 0, 0.0, 0, False), HeatCell(5, 5, 100.0, 100, False), HeatCell(0, 0, None, 0, False)],
            ),
        ],
        dials=60,
        connects=15,
    )

    html = drawn("dashboard/heatmap_rows.html", {"heatmap": heatmap, "few_dials": FEW_DIALS})

    assert html == HEATMAP_TEMPLATE.render(Context({"heatmap": heatmap}))
    assert "23%" in html and " few" in html and "study-best" in html and "Sat &lt;b&gt;" in html


def test_the_daily_rows_are_the_templates_a_row_per_day_a_cell_per_rep():
    days = [dt.date(2026, 12, 1), dt.date(2026, 12, 2)]
    daily = DailySeries(days=days, reps=[("Alice", [3, 0]), ("Bob", [12, 7])])

    html = drawn("dashboard/daily_rows.html", {"daily": daily})

    assert html == DAILY_TEMPLATE.render(Context({"daily": daily}))
    assert html.startswith('<tr><th scope="row">Tue 1 Dec</th><td class="num">3</td><td class="num">12</td></tr>')
