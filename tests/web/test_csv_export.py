"""CSV cells a spreadsheet would run as a formula are neutralised, and the file opens in Excel as UTF-8."""

from __future__ import annotations

import csv
import io

import pytest

from web.csv_export import csv_cell, csv_lines


@pytest.mark.parametrize("evil", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_cells_that_a_spreadsheet_would_run_get_a_leading_quote(evil):
    assert csv_cell(evil) == "'" + evil


def test_ordinary_cells_pass_through_and_the_csv_module_quotes_them():
    lines = "".join(csv_lines(["Name", "Note"], [["Acme, Inc.", 'said "hi"'], [None, 42]]))

    assert lines.startswith("\ufeff")  # Excel reads the file as UTF-8 only with its byte-order mark
    assert list(csv.reader(io.StringIO(lines.removeprefix("\ufeff")))) == [
        ["Name", "Note"],
        ["Acme, Inc.", 'said "hi"'],
        ["", "42"],
    ]
