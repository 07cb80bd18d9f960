"""Models of qa.calibration."""
