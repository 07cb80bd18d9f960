"""Models of qa.bonus."""
