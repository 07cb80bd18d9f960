"""The service protocol library: the team's written procedures, versioned, acknowledged."""
