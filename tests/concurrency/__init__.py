"""Races between two people acting at once (meaningful on PostgreSQL)."""
