"""Models of qa.reviews."""
