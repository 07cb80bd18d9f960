"""`servicecraft scenarios validate|play|load` through the real CLI runner."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from servicecraft.extensions import db
from training.simulations.models import ScenarioVersion

from .helpers import EXAMPLE, SCENARIOS


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_passes_every_shipped_file(runner):
    result = runner.invoke(args=["scenarios", "validate", str(SCENARIOS)])
    assert result.exit_code == 0, result.output
    assert "8 scenario files valid" in result.stderr


def test_validate_reports_every_problem_of_every_file_in_one_run(runner, tmp_path):
    bad = _write(tmp_path, "broken.yaml", EXAMPLE.replace("id: double-charge", "id: broken")
                 .replace("difficulty: 2", "difficulty: 7").replace("mood: 70", "mood: calm"))
    worse = _write(tmp_path, "double-charge.yaml", EXAMPLE.replace("channel: phone", "channel: fax"))
    result = runner.invoke(args=["scenarios", "validate", str(bad), str(worse), str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{bad}: field difficulty: must be a whole number from 1 to 3 (line 8)",
        f"{bad}: field persona.mood: must be a whole number from 0 to 100 (line 12)",
        f"{worse}: field channel: must be one of: phone, chat, email, office, social (line 7)",
        f"{tmp_path / 'nope.yaml'}: no such file or folder",
    ]
    assert result.stdout == ""


def test_play_json_gives_the_spec_result(runner, tmp_path):
    path = _write(tmp_path, "double-charge.yaml", EXAMPLE)
    result = runner.invoke(args=["scenarios", "play", str(path), "--path", "0,c:payment/refund,0,r:Thank you, goodbye", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "id": "double-charge", "outcome": "resolved", "mood": 25, "score": 62.5,
        "points": {"acknowledge": 2, "solution": 2, "categorize": 1, "closing": 0}, "awaiting_review": True}


def test_play_best_and_a_path_that_does_not_fit(runner, tmp_path):
    path = _write(tmp_path, "double-charge.yaml", EXAMPLE)
    best = runner.invoke(args=["scenarios", "play", str(path), "--best", "--json"])
    assert best.exit_code == 0 and json.loads(best.stdout)["score"] == 75.0
    wrong = runner.invoke(args=["scenarios", "play", str(path), "--path", "5"])
    assert wrong.exit_code == 1
    assert wrong.stderr.strip() == f"{path}: step 1: node opening has choices 0 to 1; pick one of them"
    usage = runner.invoke(args=["scenarios", "play", str(path)])
    assert usage.exit_code == 2


def _versions(app, slug="double-charge"):
    with app.app_context():
        return db.session.scalars(select(ScenarioVersion).where(ScenarioVersion.slug == slug)
                                  .order_by(ScenarioVersion.number)).all()


def test_load_creates_a_version_only_when_the_file_changed(app, runner, tmp_path):
    path = _write(tmp_path, "double-charge.yaml", EXAMPLE)
    first = runner.invoke(args=["scenarios", "load", str(path)])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["scenarios", "load", str(path)])
    assert again.exit_code == 0 and "0 loaded, 1 unchanged" in again.stderr
    assert [v.number for v in _versions(app)] == [1]
    path.write_text(EXAMPLE.replace("difficulty: 2", "difficulty: 3"), encoding="utf-8")
    changed = runner.invoke(args=["scenarios", "load", str(path)])
    assert changed.exit_code == 0
    versions = _versions(app)
    assert [(v.number, v.is_current, v.difficulty) for v in versions] == [(1, False, 2), (2, True, 3)]


def test_load_defaults_to_the_shipped_folder_and_refuses_all_when_one_file_is_bad(app, runner, tmp_path):
    result = runner.invoke(args=["scenarios", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(ScenarioVersion.id))) == 8
    good = _write(tmp_path, "good.yaml", EXAMPLE.replace("id: double-charge", "id: good"))
    bad = _write(tmp_path, "bad.yaml", EXAMPLE.replace("id: double-charge", "id: bad").replace("channel: phone", "channel: fax"))
    refused = runner.invoke(args=["scenarios", "load", str(good), str(bad)])
    assert refused.exit_code == 1
    assert "bad.yaml: field channel" in refused.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count(ScenarioVersion.id))) == 8
