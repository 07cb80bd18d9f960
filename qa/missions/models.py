"""Models of qa.missions."""
