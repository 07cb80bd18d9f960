"""qa.missions."""
