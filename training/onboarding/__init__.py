"""training.onboarding (issue 5: mentoring and onboarding)."""
