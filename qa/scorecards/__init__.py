"""Scorecards and bonus rounds (metrics.md, "Scorecard" and "Bonus rounds").

The modules here are pure Python (no Flask, no database): :mod:`qa.scorecards.composite`
turns an agent's scorecard components into the composite, and :mod:`qa.scorecards.bonus`
checks eligibility, ranks, proposes recipients, splits a budget and lists the departures a
manager must explain. Arithmetic is exact (fractions, money in Decimal cents); figures are
rounded half away from zero to one decimal only at the end, and a figure with nothing to
count is None, never 0.
"""
