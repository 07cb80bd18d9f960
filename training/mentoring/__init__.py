"""training.mentoring (issue 5: mentoring and onboarding)."""
