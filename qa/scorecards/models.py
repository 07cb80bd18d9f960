"""Models of qa.scorecards."""
