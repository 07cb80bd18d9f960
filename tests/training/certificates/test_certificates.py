"""Certificates: issued once, rendered as a PDF in any script, verified publicly, revoked with a reason."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from servicecraft.extensions import db
from servicecraft.models import AuditEntry, User
from tests.training.certificates.helpers import issue, make_enrolment
from training.certificates.models import Certificate


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_issuing_is_idempotent_and_freezes_name_and_title_in_the_holders_language(app, make_user):
    anna = make_user(roles=["agent"], name="Анна Смирнова", language="ru")
    enrolment_id = make_enrolment(app, anna)
    first_id, code = issue(app, enrolment_id)
    second_id, second_code = issue(app, enrolment_id)
    assert (first_id, code) == (second_id, second_code)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    with app.app_context():
        cert = db.session.get(Certificate, first_id)
        assert cert.holder_name == "Анна Смирнова"
        assert cert.course_title == "Работа с жалобами"
        assert cert.language == "ru"
        assert db.session.scalar(select(Certificate.id).where(Certificate.enrolment_id == enrolment_id).where(Certificate.id != first_id)) is None
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "certificate", AuditEntry.entity_id == str(first_id))).all()
        assert [e.action for e in entries] == ["issue"]
        # Renaming the person later leaves the certificate as issued.
        db.session.get(User, anna.id).name = "Анна Иванова"
        db.session.commit()
        assert db.session.get(Certificate, first_id).holder_name == "Анна Смирнова"


def test_codes_are_random(app, make_user):
    codes = set()
    for _ in range(5):
        person = make_user(roles=["agent"])
        codes.add(issue(app, make_enrolment(app, person))[1])
    assert len(codes) == 5


def test_pdf_holds_the_cyrillic_name_course_and_code(app, client, make_user, login):
    anna = make_user(roles=["agent"], name="Анна Смирнова", language="ru")
    cert_id, code = issue(app, make_enrolment(app, anna))
    login(client, anna)
    response = client.get(f"/training/certificates/{cert_id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _pdf_text(response.data)
    assert "Анна Смирнова" in text
    assert "Работа с жалобами" in text
    assert code in text
    assert f"/certificates/{code}" in text


def _cjk_font_installed() -> bool:
    if not shutil.which("fc-list"):
        return False
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True, check=False).stdout
    return any(name in fonts for name in ("IPAGothic", "IPAexGothic", "IPAPGothic", "Noto Sans CJK"))


def test_pdf_embeds_a_cjk_font_for_a_japanese_name(app, client, make_user, login, tmp_path):
    if not _cjk_font_installed():
        pytest.skip("no CJK font installed (apt-get install fonts-ipafont-gothic)")
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) is not installed")
    hana = make_user(roles=["agent"], name="佐藤 花", language="ja")
    cert_id, _code = issue(app, make_enrolment(app, hana))
    login(client, hana)
    response = client.get(f"/training/certificates/{cert_id}/pdf")
    assert response.status_code == 200
    path = tmp_path / "certificate.pdf"
    path.write_bytes(response.data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"IPA\w*Gothic|NotoSansCJK|Noto Sans CJK", fonts), fonts
    assert "佐藤" in _pdf_text(response.data).replace(" ", "").replace("\n", "") or "佐藤 花" in _pdf_text(response.data)


def test_verification_page_confirms_a_real_code(app, client, make_user):
    anna = make_user(roles=["agent"], name="Анна Смирнова", language="ru")
    _cert_id, code = issue(app, make_enrolment(app, anna))
    response = client.get(f"/certificates/{code}")  # anonymous
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Valid certificate" in html
    assert "Анна Смирнова" in html and "Работа с жалобами" in html
    # Typed loosely (lower case, no dashes): sent to the canonical address.
    loose = client.get(f"/certificates/{code.replace('-', '').lower()}")
    assert loose.status_code == 302 and loose.headers["Location"].endswith(f"/certificates/{code}")
    looked_up = client.get("/certificates/", query_string={"code": code.lower()})
    assert looked_up.status_code == 302 and looked_up.headers["Location"].endswith(f"/certificates/{code}")


def test_unknown_code_is_404_and_says_so(client, app):
    response = client.get("/certificates/ZZZZ-ZZZZ-ZZZZ")
    assert response.status_code == 404
    assert "Unknown certificate" in response.get_data(as_text=True)
    assert client.get("/certificates/<script>").status_code == 404


def test_revoked_certificate_is_reported_revoked(app, client, make_user, login, csrf_token):
    admin = make_user(roles=["admin"])
    holder = make_user(roles=["agent"], name="Ivan Orlov")
    cert_id, code = issue(app, make_enrolment(app, holder))
    login(client, admin)
    token = csrf_token(f"/training/certificates/{cert_id}")
    # No reason: refused, nothing saved.
    refused = client.post(f"/training/certificates/{cert_id}/revoke", data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422
    assert "Give the reason" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Certificate, cert_id).revoked_at is None
    done = client.post(f"/training/certificates/{cert_id}/revoke", data={"csrf_token": token, "reason": "Issued by mistake"})
    assert done.status_code == 302
    with app.app_context():
        cert = db.session.get(Certificate, cert_id)
        assert cert.revoked_at is not None and cert.revoked_reason == "Issued by mistake"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "certificate", AuditEntry.action == "revoke"))
        assert entry.reason == "Issued by mistake" and entry.actor_id == admin.id
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "This certificate has been revoked" in page and "Valid certificate" not in page
    assert "Issued by mistake" not in page  # the reason stays internal


def test_only_admins_revoke(app, client, make_user, login, csrf_token):
    manager = make_user(roles=["manager"])
    holder = make_user(roles=["agent"])
    cert_id, _code = issue(app, make_enrolment(app, holder))
    login(client, manager)
    token = csrf_token("/training/certificates")
    response = client.post(f"/training/certificates/{cert_id}/revoke", data={"csrf_token": token, "reason": "x"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Certificate, cert_id).revoked_at is None


def test_another_agent_cannot_download_but_the_mentor_and_managers_can(app, client, make_user, login):
    mentor = make_user(roles=["mentor", "agent"])
    holder = make_user(roles=["agent"], mentor_id=mentor.id)
    other = make_user(roles=["agent"])
    other_mentor = make_user(roles=["mentor"])
    manager = make_user(roles=["manager"])
    cert_id, _code = issue(app, make_enrolment(app, holder))
    for person, status in ((other, 403), (other_mentor, 403), (mentor, 200), (manager, 200), (holder, 200)):
        c = app.test_client()
        login(c, person)
        assert c.get(f"/training/certificates/{cert_id}/pdf").status_code == status, person.email
        assert c.get(f"/training/certificates/{cert_id}").status_code == status, person.email
    assert client.get("/training/certificates/999999/pdf").status_code in (302, 404)


def test_my_certificates_lists_only_mine_and_the_dashboard_shows_them(app, client, make_user, login):
    mine = make_user(roles=["agent"], live_since=None)
    theirs = make_user(roles=["agent"])
    issue(app, make_enrolment(app, mine, title={"en": "Writing short answers"}))
    issue(app, make_enrolment(app, theirs, title={"en": "Calm under pressure"}))
    login(client, mine)
    html = client.get("/training/certificates").get_data(as_text=True)
    assert "Writing short answers" in html and "Calm under pressure" not in html
    home = client.get("/").get_data(as_text=True)
    assert "Your certificates" in home and "Writing short answers" in home


def test_managers_see_every_certificate_and_filter(app, client, make_user, login):
    manager = make_user(roles=["manager"])
    a = make_user(roles=["agent"], name="Olga Lebedeva")
    b = make_user(roles=["agent"], name="Pavel Novikov")
    issue(app, make_enrolment(app, a))
    issue(app, make_enrolment(app, b))
    login(client, manager)
    html = client.get("/training/certificates/all").get_data(as_text=True)
    assert "Olga Lebedeva" in html and "Pavel Novikov" in html
    filtered = client.get("/training/certificates/all", query_string={"q": "olga"}).get_data(as_text=True)
    assert "Olga Lebedeva" in filtered and "Pavel Novikov" not in filtered
