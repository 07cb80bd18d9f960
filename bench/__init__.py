"""Benchmarks (`python -m bench`): server time of hot paths on the demo data; not tests."""
