"""Every model of the training package, imported together so Alembic sees them all."""
