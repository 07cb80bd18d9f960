"""Navigation links, dashboard panels and demo steps of training.quizzes (registered on import)."""
