"""Navigation links, dashboard panels and demo steps of training.onboarding (registered on import)."""
