"""The question bank: GIFT import and export on the command line and on its pages."""

import json
import re

from servicecraft.extensions import db

from .flow import EVERY_TYPE, token
from .helpers import MOODLE_FIXTURE, moodle_fixture_text

BROKEN = """::Good::A fine question.{T}

::Bad::This one never closes {=yes ~no
"""


def test_cli_imports_moodles_fixture_with_moodles_types(app, runner):
    moodle_fixture_text()  # skips when ../shared is not there
    result = runner.invoke(args=["quiz", "import", str(MOODLE_FIXTURE), "--format", "gift", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "imported": 9,
        "by_type": {"truefalse": 3, "multichoice": 2, "shortanswer": 1, "matching": 1, "numerical": 1, "essay": 1, "description": 0},
        "errors": [],
    }
    count = runner.invoke(args=["quiz", "count"])
    assert count.exit_code == 0 and count.stdout.strip() == "9"


def test_cli_refuses_a_broken_file_whole_and_names_the_line(app, runner, tmp_path):
    path = tmp_path / "broken.gift"
    path.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(args=["quiz", "import", str(path), "--format", "gift", "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["imported"] == 0 and document["errors"]
    assert "broken.gift, line 3" in result.stderr
    assert len(result.stderr.strip().splitlines()) == len(document["errors"])
    assert runner.invoke(args=["quiz", "count"]).stdout.strip() == "0"


def test_cli_refuses_a_file_that_is_not_utf8(app, runner, tmp_path):
    path = tmp_path / "latin1.gift"
    path.write_bytes("::Q::Caf\xe9?{T}".encode("latin-1"))
    result = runner.invoke(args=["quiz", "import", str(path), "--format", "gift"])
    assert result.exit_code == 1 and "line 1" in result.stderr and "UTF-8" in result.stderr


def test_cli_import_needs_the_format(app, runner, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("::Q::Yes?{T}", encoding="utf-8")
    assert runner.invoke(args=["quiz", "import", str(path)]).exit_code == 2


def test_export_then_import_keeps_every_question(app, runner, tmp_path):
    from training.quizzes import services

    path = tmp_path / "every.gift"
    path.write_text(EVERY_TYPE, encoding="utf-8")
    assert runner.invoke(args=["quiz", "import", str(path), "--format", "gift"]).exit_code == 0
    exported = runner.invoke(args=["quiz", "export", "--format", "gift"])
    assert exported.exit_code == 0
    with app.app_context():
        first = [services.to_question(q) for q in _bank()]
    again = tmp_path / "again.gift"
    again.write_text(exported.stdout, encoding="utf-8")
    with app.app_context():
        for row in _bank():
            db.session.delete(row)
        db.session.commit()
    result = runner.invoke(args=["quiz", "import", str(again), "--format", "gift", "--json"])
    assert json.loads(result.stdout)["imported"] == 8
    with app.app_context():
        assert [services.to_question(q) for q in _bank()] == first
        assert {q.category for q in first} == {"flow"}


def test_export_of_one_category(app, runner, tmp_path):
    path = tmp_path / "two.gift"
    path.write_text("$CATEGORY: a\n\n::A1::One?{T}\n\n$CATEGORY: a/b\n\n::B1::Two?{F}\n\n$CATEGORY: c\n\n::C1::Three?{T}\n", encoding="utf-8")
    assert runner.invoke(args=["quiz", "import", str(path), "--format", "gift"]).exit_code == 0
    text = runner.invoke(args=["quiz", "export", "--format", "gift", "--category", "a"]).stdout
    assert "::A1::" in text and "::B1::" in text and "::C1::" not in text


def _bank():
    from training.quizzes.models import BankQuestion

    return db.session.query(BankQuestion).order_by(BankQuestion.id).all()


def _upload(client, content: bytes, name="questions.gift", **fields):
    import io

    page = client.get("/training/quizzes/bank/import").get_data(as_text=True)
    data = {"csrf_token": token(page), "language": "ru", "file": (io.BytesIO(content), name), **fields}
    return client.post("/training/quizzes/bank/import", data=data, content_type="multipart/form-data")


def test_manager_uploads_a_gift_file_on_the_bank_page(app, client, make_user, login):
    login(client, make_user(roles=["manager"]))
    response = _upload(client, EVERY_TYPE.encode())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "8 questions imported" in html
    bank = client.get("/training/quizzes/bank").get_data(as_text=True)
    assert "flow" in bank and "8 questions in the bank" in bank
    with app.app_context():
        assert {q.language for q in _bank()} == {"ru"}
    listing = client.get("/training/quizzes/bank/questions?type=matching").get_data(as_text=True)
    assert "MATCH" in listing and ">TF<" not in listing
    with app.app_context():
        match_id = next(q.id for q in _bank() if q.qtype == "matching")
    preview = client.get(f"/training/quizzes/bank/questions/{match_id}").get_data(as_text=True)
    assert "Match the channel" in preview and "Chat" in preview and "1 week" in preview
    download = client.get("/training/quizzes/bank/export")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert "$CATEGORY: flow" in download.get_data(as_text=True)


def test_a_broken_upload_lists_its_lines_and_saves_nothing(app, client, make_user, login):
    login(client, make_user(roles=["admin"]))
    response = _upload(client, BROKEN.encode(), name="broken.gift")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html and re.search(r"broken\.gift, line 3", html)
    with app.app_context():
        assert _bank() == []


def test_an_upload_without_a_file_names_the_field(app, client, make_user, login):
    login(client, make_user(roles=["admin"]))
    page = client.get("/training/quizzes/bank/import").get_data(as_text=True)
    response = client.post("/training/quizzes/bank/import", data={"csrf_token": token(page), "language": "en"})
    assert response.status_code == 422 and "Choose a GIFT file" in response.get_data(as_text=True)


def test_agents_cannot_reach_the_bank(client, make_user, login):
    login(client, make_user(roles=["agent"]))
    assert client.get("/training/quizzes/bank").status_code == 403
    assert client.get("/training/quizzes/bank/export").status_code == 403
