"""Scenario versions, attempts at them and mentors' grades (filled in by issue 4)."""
