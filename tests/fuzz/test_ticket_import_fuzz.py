"""The ticket CSV importer, all the way into the database: any cell gives a result or a message.

tests/qa/tickets/test_garbage.py proves the readers never raise; this goes one step further
and writes what they yield, where a number too large for its column or a strange date would
surface as a database error instead of a message.
"""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.tickets.sources.csv_source import GENERIC_COLUMNS
from servicecraft.extensions import db

GOOD = {"external_id": "F-1", "source_updated_at": "2024-03-04T15:00:00Z", "agent_external_id": "a-1",
        "agent_email": "lee@example.com", "channel": "email", "status": "solved",
        "created_at": "2024-03-04T09:00:00Z", "solved_at": "2024-03-04T15:00:00Z", "reopens": "0",
        "agent_replies": "1", "csat": "positive"}
cells = (st.text(max_size=20) | st.sampled_from(["99999999999999999999", "-1", "1e400", "nan", "2024-02-30",
                                                 "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "x" * 600]))


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(list(GENERIC_COLUMNS)), cells, max_size=4))
def test_any_cell_gives_an_import_result_or_a_message(app, changes):
    from qa.tickets import importer
    from qa.tickets.sources import iter_file

    row = {**GOOD, **changes}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(GENERIC_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerow(row)
    with app.app_context():
        try:
            result = importer.import_records(iter_file("csv", out.getvalue().encode()))
            assert result.errors or result.created == 1, result.as_dict()
            assert all(isinstance(e, str) and e for e in result.errors)
        finally:
            db.session.rollback()
