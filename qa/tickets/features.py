"""Navigation links, dashboard panels and demo steps of qa.tickets (registered on import)."""
