"""The dashboard's two big number tables (attempts per day per rep, when to call) as HTML straight from their data,
without the template engine: their few hundred cells were a third of the page's rendering, each cell a handful of
template lookups, `if`s and filters. What they write is what the template wrote (tests/dashboard/test_tables_html.py
reads the cells back); the rest of the page stays in templates/dashboard/dashboard.html.
"""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe

from dashboard.charts import DailySeries, HeatCell, Heatmap

# A cell on fewer dials than this says little: it is greyed.
FEW_DIALS = 5


def daily_rows_html(daily: DailySeries) -> SafeString:
    """The body of the table under "Attempts per day": a row per day, a cell per rep."""
    lines = []
    for day, values in daily.by_day:
        cells = "".join(f'<td class="num">{value}</td>' for value in values)
        lines.append(f'<tr><th scope="row">{esc(date_format(day, "D j M"))}</th>{cells}</tr>')
    return mark_safe("\n".join(lines))  # noqa: S308 - every value is an int or escaped above


def heatmap_rows_html(heatmap: Heatmap) -> SafeString:
    """The body of "When to call": a row per weekday, a cell per hour window, its connect rate and dials."""
    lines = []
    for day, cells in heatmap.rows:
        label = esc(day)
        row = "".join(_heat_cell(label, cell) for cell in cells)
        lines.append(f'<tr><th scope="row">{label}</th>{row}</tr>')
    return mark_safe("\n".join(lines))  # noqa: S308 - every value is a number or escaped above


def _heat_cell(day: str, cell: HeatCell) -> str:
    css = f"heat-{cell.heat_step}"
    if cell.dials and cell.dials < FEW_DIALS:
        css += " few"
    if cell.is_study_best:
        css += " study-best"
    shown = f'{floatformat(cell.rate, 0)}%<br><span class="small">{cell.dials}</span>' if cell.dials else "·"
    title = f"{day} {cell.connects} of {cell.dials} dials connected"
    return f'<td class="{css}" title="{title}">{shown}</td>'
