"""Property-based and schema-driven fuzzing of the API and the parsers."""
