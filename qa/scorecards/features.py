"""Navigation links, dashboard panels and demo steps of qa.scorecards (registered on import)."""
