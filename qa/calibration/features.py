"""Navigation links, dashboard panels and demo steps of qa.calibration (registered on import)."""
