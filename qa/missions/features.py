"""Navigation links, dashboard panels and demo steps of qa.missions (registered on import)."""
