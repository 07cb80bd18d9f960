"""qa.bonus."""
