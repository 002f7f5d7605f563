"""CSV downloads of the dashboard's tables, safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) would be read as a formula by Excel, LibreOffice
and Google Sheets (OWASP "CSV injection"); such cells get a leading single quote. The csv module does the quoting.
Every file starts with a UTF-8 byte-order mark: without one, Excel opens a CSV in the machine's ANSI code page
and "Zoë Müller" comes out as "ZoÃ« MÃ¼ller". LibreOffice, Google Sheets and Python's "utf-8-sig" read past it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """The csv writer's file: hands back each line instead of storing it."""

    def write(self, value: str) -> str:
        return value


BOM = "\ufeff"


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_cell(cell) for cell in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    """Stream the rows as they are read, so a long export never sits in memory."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
