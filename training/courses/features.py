"""Navigation links, dashboard panels and demo steps of training.courses (registered on import)."""
