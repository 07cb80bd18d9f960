"""`forms import/export` and `evaluations import/export` through the real CLI (forms.md)."""

from __future__ import annotations

import json

import yaml

from qa.evaluations.formfile import form_fingerprint, parse_form
from servicecraft.extensions import db
from servicecraft.models import AuditEntry, Branch
from tests.qa.evaluations.helpers import EXAMPLE_FORM

HEADER = ("agent_email,branch,happened_at,shopper_email,answer_time,greeting,identified,listened,"
          "polite,overall,hold_time,notes,receipt,recording")
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def _import_form(runner, tmp_path, text=EXAMPLE_FORM, name="phone-shop.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["forms", "import", str(path), "--json"])


def _stdout_json(result):
    return json.loads(result.stdout)


def test_form_import_export_round_trip_and_versions(app, runner, tmp_path):
    first = _import_form(runner, tmp_path)
    assert first.exit_code == 0, first.output
    data = _stdout_json(first)
    assert data["id"] == "phone-shop" and data["version"] == 1 and data["created"] is True

    again = _import_form(runner, tmp_path, EXAMPLE_FORM + "# a comment changes nothing\n")
    assert _stdout_json(again)["created"] is False and _stdout_json(again)["version"] == 1

    exported = runner.invoke(args=["forms", "export", "phone-shop"])
    assert exported.exit_code == 0
    assert form_fingerprint(parse_form(exported.stdout)) == form_fingerprint(parse_form(EXAMPLE_FORM))
    by_id = runner.invoke(args=["forms", "export", str(data["form_id"])])
    assert by_id.stdout == exported.stdout

    changed = EXAMPLE_FORM.replace("weight: 3}", "weight: 4}")
    second = _import_form(runner, tmp_path, changed)
    assert _stdout_json(second)["version"] == 2 and _stdout_json(second)["created"] is True
    assert "weight: 4" in runner.invoke(args=["forms", "export", "phone-shop"]).stdout
    assert "weight: 3}" in runner.invoke(args=["forms", "export", "phone-shop@1"]).stdout


def test_a_broken_form_file_names_every_problem_and_imports_nothing(app, runner, tmp_path):
    broken = EXAMPLE_FORM.replace("weight: 3}", "weight: -1}").replace("type: stars", "type: starz")
    result = _import_form(runner, tmp_path, broken)
    assert result.exit_code == 1
    assert "weight" in result.stderr and "type" in result.stderr
    assert runner.invoke(args=["forms", "export", "phone-shop"]).exit_code == 1


def _provider_csv(tmp_path, rows, name="june.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_provider_results_are_scored_per_metrics_and_exported(app, runner, tmp_path, make_user):
    assert _import_form(runner, tmp_path).exit_code == 0
    anna = make_user(roles=["agent"], email="anna@example.com")
    with app.app_context():
        db.session.add(Branch(code="EKB", name="Yekaterinburg", region="Ural"))
        db.session.commit()
    (tmp_path / "receipt1.jpg").write_bytes(JPEG)
    csv_path = _provider_csv(tmp_path, [
        # full marks, identified N/A: 100
        "anna@example.com,,2024-05-31T14:30:00+03:00,,45,yes,na,4,да,5,300,\"Polite, quick\",receipt1.jpg,",
        # 75 s over the threshold, greeting no, listened 3/4, 2 stars: (0+0+1*1+3*.75+2*1+1*.25)/10 -> 55.0
        "anna@example.com,,2024-06-01T09:05:00+00:00,,1:15,no,1,3,1,2,,,,",
        # polite is critical and "no": critical fail, 0
        ",EKB,2024-06-02T10:00:00+00:00,,10,yes,yes,4,нет,5,,,,",
        # exactly 60 s is within the threshold (2 of weight 2) and polite (2): 4 of 9 -> 44.4
        "anna@example.com,,2024-06-03T10:00:00+00:00,,60,0,na,0,yes,1,,,,",
    ])
    result = runner.invoke(args=["evaluations", "import", "--form", "phone-shop", str(csv_path),
                                 "--evidence", str(tmp_path), "--status", "validated", "--json"])
    assert result.exit_code == 0, result.output
    assert _stdout_json(result) == {"imported": 4, "errors": []}

    exported = runner.invoke(args=["evaluations", "export", "--form", "phone-shop", "--json"])
    assert exported.exit_code == 0
    rows = _stdout_json(exported)
    assert [set(r) for r in rows] == [{"id", "form", "version", "agent", "branch", "happened_at", "score",
                                       "critical_fail", "status"}] * 4
    assert [r["score"] for r in rows] == [100.0, 55.0, 0.0, 44.4]
    assert [r["critical_fail"] for r in rows] == [False, False, True, False]
    assert rows[0]["agent"] == anna.email and rows[2]["agent"] is None and rows[2]["branch"] == "EKB"
    assert {r["status"] for r in rows} == {"validated"} and {r["form"] for r in rows} == {"phone-shop"}
    with app.app_context():
        from qa.evaluations.models import Evidence

        evidence = db.session.scalars(db.select(Evidence)).all()
        assert [e.item_id for e in evidence] == ["receipt"] and evidence[0].content_type == "image/jpeg"
        assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "imported")) >= 4


def test_a_broken_results_file_names_every_bad_cell_and_imports_nothing(app, runner, tmp_path, make_user):
    assert _import_form(runner, tmp_path).exit_code == 0
    make_user(roles=["agent"], email="anna@example.com")
    csv_path = _provider_csv(tmp_path, [
        "anna@example.com,,2024-05-31T14:30:00+03:00,,45,yes,na,4,yes,5,,,,",
        "anna@example.com,,yesterday,,45,maybe,na,9,yes,5,,,,",
        "nobody@example.com,,2024-06-01T09:00:00,,45,yes,,4,,6,,,,",
    ])
    result = runner.invoke(args=["evaluations", "import", "--form", "phone-shop", str(csv_path), "--json"])
    assert result.exit_code == 1
    errors = _stdout_json(result)["errors"]
    assert _stdout_json(result)["imported"] == 0
    text = "\n".join(errors)
    for place in ("row 3, column happened_at", "row 3, column greeting", "row 3, column listened",
                  "row 4, column agent_email", "row 4, column polite", "row 4, column overall"):
        assert place in text, place
    assert "row 2" not in text
    exported = runner.invoke(args=["evaluations", "export", "--json"])
    assert _stdout_json(exported) == []


def test_import_refuses_unknown_form_and_evidence_of_the_wrong_type(app, runner, tmp_path, make_user):
    missing = runner.invoke(args=["evaluations", "import", "--form", "nope", str(_provider_csv(tmp_path, [])), "--json"])
    assert missing.exit_code == 1 and "--form" in missing.stderr
    assert _import_form(runner, tmp_path).exit_code == 0
    make_user(roles=["agent"], email="anna@example.com")
    (tmp_path / "receipt.jpg").write_bytes(b"GIF89a pretending to be a jpeg")
    csv_path = _provider_csv(tmp_path, ["anna@example.com,,2024-05-31T14:30:00,,45,yes,na,4,yes,5,,,receipt.jpg,"])
    result = runner.invoke(args=["evaluations", "import", "--form", "phone-shop", str(csv_path),
                                 "--evidence", str(tmp_path), "--json"])
    assert result.exit_code == 1 and "row 2, column receipt" in result.stderr
    assert _stdout_json(runner.invoke(args=["evaluations", "export", "--json"])) == []


def test_starter_forms_load_and_export(app, runner):
    with app.app_context():
        from qa.evaluations import services

        loaded = services.load_starter_forms()
        db.session.commit()
        assert {v.form.slug for v in loaded} >= {"phone-shop", "chat-shop", "email-shop", "ticket-review"}
        assert services.load_starter_forms() == loaded  # re-runnable: nothing new
    for slug in ("phone-shop", "ticket-review"):
        exported = runner.invoke(args=["forms", "export", slug])
        assert yaml.safe_load(exported.stdout)["id"] == slug
