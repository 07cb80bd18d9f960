"""Models of training.onboarding."""
