"""Navigation links, dashboard panels and demo steps of training.library (registered on import)."""
