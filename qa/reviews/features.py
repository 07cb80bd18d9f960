"""Navigation links, dashboard panels and demo steps of qa.reviews (registered on import)."""
