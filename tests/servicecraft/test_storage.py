"""servicecraft.storage: every stored file (uploads, import files, generated files) is found by key."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from servicecraft import jobs, storage
from servicecraft.extensions import db
from servicecraft.models import Job

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CSV = "\ufeffexternal_id,subject,status\n1,Привет,solved\n".encode()
JSON = b' [{"id": 1, "subject": "Hello"}]'
JSON_LINES = b'{"tickets": [{"id": 1}]}\n{"tickets": [{"id": 2}]}\n'


def stored_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file())


def test_generated_files_are_stored_and_found_by_key(app):
    with app.app_context():
        stored = storage.save_bytes(b"%PDF-1.7 generated", name="pack.pdf", content_type="application/pdf", folder="reports")
        assert stored.key.startswith("reports/") and stored.key.endswith(".pdf")
        assert (stored.content_type, stored.size, stored.original_name) == ("application/pdf", 18, "pack.pdf")
        with storage.open(stored.key) as handle:
            assert handle.read() == b"%PDF-1.7 generated"
        assert storage.path_of(stored.key).read_bytes() == b"%PDF-1.7 generated"
        assert jobs.file_result(stored) == {"key": stored.key, "content_type": "application/pdf", "name": "pack.pdf"}
        storage.delete(stored.key)
        with pytest.raises(FileNotFoundError):
            storage.open(stored.key)
        with pytest.raises(FileNotFoundError):
            storage.open("../outside.pdf")


@pytest.mark.parametrize(("data", "content_type"), [
    (CSV, "text/csv"), (JSON, "application/json"), (JSON_LINES, "application/x-ndjson"),
    (b"id;subject\r\n1;x\r\n", "text/csv"), (b'{"one": "page"}', "application/json"),
])
def test_import_uploads_are_checked_by_content_and_found_by_key(app, data, content_type):
    with app.test_request_context():
        stored = storage.save_import(io.BytesIO(data), original_name="export.txt")
        assert stored.content_type == content_type and stored.size == len(data) and stored.key.startswith("imports/")
        with storage.open(stored.key) as handle:
            assert handle.read() == data
        storage.delete(stored.key)


def test_a_large_import_is_streamed_into_storage(app):
    rows = b"".join(b"%d,subject %d,solved\n" % (n, n) for n in range(200_000))
    data = b"external_id,subject,status\n" + rows
    assert len(data) > 4 * storage.MiB
    with app.test_request_context():
        stored = storage.save_import(io.BytesIO(data), kinds=(storage.CSV,))
        assert storage.path_of(stored.key).read_bytes() == data
        storage.delete(stored.key)


@pytest.mark.parametrize(("data", "kinds", "problem"), [
    (PNG, (storage.JSON, storage.JSON_LINES, storage.CSV), "not accepted. Accepted: .csv, .json, .jsonl"),
    (b"just some words without a delimiter\n", (storage.CSV,), "not accepted. Accepted: .csv"),
    (CSV, (storage.JSON, storage.JSON_LINES), "not accepted. Accepted: .json, .jsonl"),
    (JSON, (storage.CSV,), "not accepted. Accepted: .csv"),
    (b"a,b\n" + b"x" * 70_000 + b"\xff\xfe\n", (storage.CSV,), "not UTF-8"),
    (b"  \n", (storage.CSV,), "empty"),
])
def test_a_wrong_import_upload_is_refused_and_nothing_is_stored(app, data, kinds, problem):
    with app.test_request_context():
        before = stored_files(app)
        with pytest.raises(storage.UploadRefused, match=problem):
            storage.save_import(io.BytesIO(data), kinds=kinds)
        assert stored_files(app) == before


def test_an_oversize_import_upload_is_refused_and_nothing_is_stored(app):
    data = b"external_id,subject\n" + b"1,x\n" * (storage.MiB // 4 + 10)
    with app.test_request_context():
        before = stored_files(app)
        with pytest.raises(storage.UploadRefused, match="larger than 1 MB"):
            storage.save_import(io.BytesIO(data), kinds=(storage.CSV,), max_bytes=storage.MiB)
        app.config["IMPORT_MAX_BYTES"] = storage.MiB
        try:
            with pytest.raises(storage.UploadRefused, match="larger than 1 MB"):
                storage.save_import(io.BytesIO(data), kinds=(storage.CSV,))
        finally:
            del app.config["IMPORT_MAX_BYTES"]
        assert stored_files(app) == before


def test_ticket_export_uploads_go_through_storage(app):
    from qa.tickets import services

    with app.test_request_context():
        key = services.store_upload(io.BytesIO(JSON_LINES), "pages.jsonl", source="zendesk")
        assert key.startswith("ticket-imports/") and storage.path_of(key).read_bytes() == JSON_LINES
        storage.delete(key)
        before = stored_files(app)
        with pytest.raises(services.TicketsError) as refused:
            services.store_upload(io.BytesIO(CSV), "tickets.csv", source="zendesk")
        assert "Accepted: .json, .jsonl" in refused.value.fields["file"]
        assert stored_files(app) == before


def test_uploaded_ticket_import_is_stored_by_key_and_removed_after_the_job(app, client, make_user, login, csrf_token):
    from tests.qa.tickets.helpers import fixture

    login(client, make_user(roles=["manager"]))
    response = client.post("/qa/tickets/import", data={
        "csrf_token": csrf_token("/qa/tickets/import"), "source": "zendesk", "tz": "UTC",
        "file": (io.BytesIO(fixture("zendesk_incremental_time.json").read_bytes()), "page.json")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    job_id = response.headers["Location"].rstrip("/").split("/")[-1]
    with app.app_context():
        done = jobs.wait(job_id)
        assert done.status == "done" and done.result["created"] == 4
        key = done.params["key"]
        assert key.startswith("ticket-imports/") and key.endswith(".json")
        assert not storage.path_of(key).exists()


def test_scorecard_pack_is_stored_and_downloaded_by_key(app, client, make_user, login, csrf_token):
    make_user(roles=["agent"], name="Anna Agent")
    login(client, make_user(roles=["manager"]))
    token = csrf_token("/qa/scorecards/")
    response = client.post("/qa/scorecards/pack", data={"csrf_token": token, "start": "2024-03-01", "end": "2024-03-31",
                                                         "title": "March"})
    assert response.status_code == 302
    job_id = response.headers["Location"].rstrip("/").split("/")[-1]
    with app.app_context():
        done = jobs.wait(job_id, timeout=120)
        assert done.status == "done", done.error
        stored = done.result["file"]
        assert stored["key"].startswith("reports/") and stored["content_type"] == "application/pdf"
        assert stored["name"] == "scorecards-2024-03-01-2024-03-31.pdf"
        assert storage.path_of(stored["key"]).read_bytes().startswith(b"%PDF")
    assert client.get(f"/jobs/{job_id}/status").get_json()["has_file"] is True
    with client.get(f"/jobs/{job_id}/download") as download:
        assert download.status_code == 200 and download.mimetype == "application/pdf"
        assert download.data.startswith(b"%PDF")
        assert "filename=scorecards-2024-03-01-2024-03-31.pdf" in download.headers["Content-Disposition"]


def test_download_of_a_missing_file_is_404(app, client, make_user, login):
    owner = make_user(roles=["manager"])
    with app.app_context():
        record = Job(id="f" * 32, kind="test", status="done", created_by_id=owner.id,
                     result={"file": {"key": "reports/gone.pdf", "content_type": "application/pdf", "name": "gone.pdf"}})
        db.session.add(record)
        db.session.commit()
    login(client, owner)
    assert client.get(f"/jobs/{'f' * 32}/download").status_code == 404
