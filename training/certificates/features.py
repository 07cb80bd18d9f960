"""Navigation links, dashboard panels and demo steps of training.certificates (registered on import)."""
