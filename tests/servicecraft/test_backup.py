"""`servicecraft backup` / `restore`: a backup restores every record and upload, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from servicecraft.backup_cli import backup_command, restore_command
from tests.conftest import _empty_all_tables

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kind(request, app):
    """Run each test on the database kind the suite uses; the other kind is skipped."""
    with app.app_context():
        from servicecraft.extensions import db

        actual = db.engine.dialect.name
    if request.param != actual:
        pytest.skip(f"this variant is for {request.param}; the suite runs on {actual} (DATABASE_URL chooses)")
    if actual == "postgresql" and shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is not installed but the suite runs on PostgreSQL")
    return actual


@pytest.fixture
def uploads(app):
    """The upload folder, emptied first: earlier tests of the run leave their files there."""
    root = Path(app.config["UPLOAD_FOLDER"])
    shutil.rmtree(root, ignore_errors=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _fill(app, make_user):
    """People, a course with an uploaded file, an evaluation form and an evaluation."""
    from qa.evaluations.models import Evaluation, EvaluationForm, FormVersion
    from servicecraft import storage
    from servicecraft.extensions import db
    from training.courses.models import Course, CourseFile

    manager = make_user(roles=["manager"], email="manager@backup.test", name="Мария Менеджер")
    agent = make_user(roles=["agent"], email="agent@backup.test", name="Agent Smith")
    with app.app_context():
        course = Course(slug="complaints", title={"en": "Complaints", "ru": "Жалобы"}, languages=["en", "ru"], status="published")
        db.session.add(course)
        db.session.flush()
        stored = storage.save(io.BytesIO(PNG), kinds=(storage.IMAGE,), original_name="slide.png", folder="courses")
        db.session.add(CourseFile(course_id=course.id, storage_key=stored.key, original_name="slide.png",
                                  content_type=stored.content_type, size=stored.size, uploaded_by_id=manager.id))
        form = EvaluationForm(slug="call-review", kind="review", title={"en": "Call review"})
        db.session.add(form)
        db.session.flush()
        version = FormVersion(form_id=form.id, number=1, status="published", source="title: Call review\n",
                              fingerprint="sha256:" + "0" * 64)
        db.session.add(version)
        db.session.flush()
        db.session.add(Evaluation(form_version_id=version.id, kind="review", status="submitted", agent_id=agent.id,
                                  author_id=manager.id, subject_ref="T-1001", draft_answers={"greeting": "yes"}))
        db.session.commit()
        return stored.key


def _wipe(app, uploads):
    _empty_all_tables(app)
    shutil.rmtree(uploads, ignore_errors=True)


def _backup(runner, tmp_path) -> Path:
    archive = tmp_path / "backup.tar.gz"
    result = runner.invoke(backup_command, ["-o", str(archive)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(archive)
    return archive


def test_backup_then_restore_finds_every_record_and_file(app, runner, make_user, uploads, tmp_path, kind):
    key = _fill(app, make_user)
    archive = _backup(runner, tmp_path)

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"] == kind
    assert manifest["counts"]["people_user"] == 2
    assert manifest["counts"]["qa_evaluation"] == 1
    assert manifest["uploads"] == {"files": 1, "bytes": len(PNG)}
    assert manifest["alembic_revision"] and manifest["created_at"] and manifest["app_version"]

    _wipe(app, uploads)
    result = runner.invoke(restore_command, [str(archive)])
    assert result.exit_code == 0, result.output
    assert "people_user: 2" in result.stdout
    assert "training_course_file: 1" in result.stdout

    from qa.evaluations.models import Evaluation
    from servicecraft.extensions import db
    from servicecraft.models import User
    from training.courses.models import Course, CourseFile

    with app.app_context():
        assert {u.email: u.name for u in db.session.scalars(select(User))} == {
            "manager@backup.test": "Мария Менеджер", "agent@backup.test": "Agent Smith"}
        assert db.session.scalars(select(User).where(User.email == "manager@backup.test")).one().has_role("manager")
        course = db.session.scalars(select(Course)).one()
        assert course.title == {"en": "Complaints", "ru": "Жалобы"}
        evaluation = db.session.scalars(select(Evaluation)).one()
        assert (evaluation.subject_ref, evaluation.draft_answers, evaluation.agent.email) == (
            "T-1001", {"greeting": "yes"}, "agent@backup.test")
        assert db.session.scalar(select(CourseFile.storage_key)) == key
        # The restored database accepts new rows (sequences restored too).
        db.session.add(Course(slug="second", title={"en": "Second"}))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Course)) == 2
    assert (uploads / key).read_bytes() == PNG


def test_restore_refuses_a_database_with_data_without_force(app, runner, make_user, uploads, tmp_path, kind):
    _fill(app, make_user)
    archive = _backup(runner, tmp_path)
    make_user(roles=["agent"], email="later@backup.test")

    result = runner.invoke(restore_command, [str(archive)])
    assert result.exit_code == 1
    assert "the database is not empty" in result.stderr and "--force" in result.stderr

    from servicecraft.extensions import db
    from servicecraft.models import User

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 3  # nothing changed

    result = runner.invoke(restore_command, [str(archive), "--force"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        emails = set(db.session.scalars(select(User.email)))
    assert emails == {"manager@backup.test", "agent@backup.test"}


def test_a_damaged_archive_is_refused_with_a_clear_message(app, runner, make_user, uploads, tmp_path, kind):
    _fill(app, make_user)
    archive = _backup(runner, tmp_path)
    _wipe(app, uploads)

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"this is not an archive\n" * 10)
    for broken in (truncated, garbage):
        result = runner.invoke(restore_command, [str(broken)])
        assert result.exit_code == 1
        assert "not a readable Servicecraft backup" in result.stderr
        assert "Traceback" not in result.output

    plain = tmp_path / "other.tar.gz"
    with tarfile.open(plain, "w:gz") as tar:
        info = tarfile.TarInfo("notes.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    result = runner.invoke(restore_command, [str(plain)])
    assert result.exit_code == 1
    assert "no manifest.json inside" in result.stderr

    from servicecraft.extensions import db
    from servicecraft.models import User

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_backup_from_a_newer_version_is_refused(app, runner, make_user, uploads, tmp_path, kind):
    _fill(app, make_user)
    archive = _backup(runner, tmp_path)
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(newer, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["alembic_revision"] = "20991231_0099_future"
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    _wipe(app, uploads)

    result = runner.invoke(restore_command, [str(newer)])
    assert result.exit_code == 1
    assert "made by a newer Servicecraft" in result.stderr and "20991231_0099_future" in result.stderr


def test_backup_refuses_to_overwrite_and_restore_needs_a_file(app, runner, tmp_path, kind):
    existing = tmp_path / "exists.tar.gz"
    existing.write_bytes(b"keep me")
    result = runner.invoke(backup_command, ["-o", str(existing)])
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert existing.read_bytes() == b"keep me"

    result = runner.invoke(restore_command, [])
    assert result.exit_code == 2
