"""Navigation links, dashboard panels and demo steps of training.mentoring (registered on import)."""
