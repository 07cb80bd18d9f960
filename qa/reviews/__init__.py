"""qa.reviews."""
