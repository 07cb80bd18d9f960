"""Navigation links, dashboard panels and demo steps of qa.evaluations (registered on import)."""
