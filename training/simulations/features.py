"""Navigation links, dashboard panels and demo steps of training.simulations (registered on import)."""
