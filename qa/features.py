"""Imported once by the app factory: registers this package's dashboard panels,
navigation links and demo steps (each feature module registers its own on import)."""
