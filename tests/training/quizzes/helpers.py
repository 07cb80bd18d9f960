"""Shared test data for the quiz tests."""

from pathlib import Path

import pytest

# Moodle's own GIFT fixture, kept outside the repository (see its README).
MOODLE_FIXTURE = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "moodle" / "questions.gift.txt"


def moodle_fixture_text() -> str:
    """Return Moodle's GIFT fixture, or skip when the shared folder is not checked out."""
    if not MOODLE_FIXTURE.is_file():
        pytest.skip(f"Moodle fixture not found at {MOODLE_FIXTURE}")
    return MOODLE_FIXTURE.read_text(encoding="utf-8")
