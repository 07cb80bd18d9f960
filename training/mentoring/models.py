"""Models of training.mentoring."""
