"""Navigation links, dashboard panels and demo steps of qa.bonus (registered on import)."""
