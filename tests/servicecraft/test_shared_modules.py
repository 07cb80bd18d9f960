"""Shared building blocks: safe Markdown, checked uploads, PDFs, server-drawn charts."""

from __future__ import annotations

import io

import pytest

from servicecraft.charts import bar_chart, line_chart
from servicecraft.markup import headings, render_markdown, slugify

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_markdown_is_rendered_and_scripts_are_stripped():
    html = render_markdown("# Title\n\nHello **there** <script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    assert "<strong>there</strong>" in html and '<h1 id="title">Title</h1>' in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_markdown_link_rewriter_maps_custom_links():
    html = render_markdown("[steps](protocol:complaint-handling#listen)", link_rewriter=lambda u: u.replace("protocol:", "/p/"))
    assert 'href="/p/complaint-handling#listen"' in html


def test_headings_and_cyrillic_slugs():
    assert slugify("Выслушать клиента") == "выслушать-клиента"
    assert headings("# A\ntext\n## Second part\n") == [(1, "A", "a"), (2, "Second part", "second-part")]


def test_upload_checked_by_content_and_size(app):
    from servicecraft import storage

    with app.test_request_context():
        stored = storage.save(io.BytesIO(PNG), kinds=(storage.IMAGE,), original_name="receipt.png", folder="evidence")
        assert stored.content_type == "image/png" and storage.path_of(stored.key).read_bytes() == PNG
        with pytest.raises(storage.UploadRefused, match="not accepted"):
            storage.save(io.BytesIO(b"<html>not an image</html>"), kinds=(storage.IMAGE,), original_name="photo.png")
        too_big = storage.Kind("image", ("image/png",), 10)
        with pytest.raises(storage.UploadRefused, match="larger"):
            storage.save(io.BytesIO(PNG), kinds=(too_big,))
        with pytest.raises(FileNotFoundError):
            storage.path_of("../../etc/passwd")


def test_pdf_holds_cyrillic_text_and_fetches_nothing_outside_static(app):
    from pypdf import PdfReader

    from servicecraft.pdf import html_to_pdf

    html = '<html><body><h1>Анна Смирнова</h1><img src="file:///etc/hostname" alt=""></body></html>'
    with app.test_request_context():
        pdf = html_to_pdf(html)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Анна Смирнова" in text


def test_charts_are_accessible_svg():
    bars = bar_chart([("Moscow", 82.5), ("Ural", None)], title="Mystery shop score", unit="%")
    assert "<figcaption" in bars and "Mystery shop score" in bars
    assert "Moscow</span>" in bars and "82.5%</span>" in bars and "no data" in bars
    assert 'rect width="100.0"' in bars  # the largest value fills its row
    line = line_chart(["Jan", "Feb", "Mar"], [("QA", [70.0, None, 90.0])], title="Trend")
    assert "QA: Jan 70, Feb —, Mar 90" in line


def test_two_charts_on_one_page_have_their_own_ids_and_long_labels_are_kept():
    import re

    long_name = "Обслуживание посетителей в отделении"
    first = bar_chart([(long_name, 60.0)], title="Coverage")
    second = line_chart(["Jan", "Feb"], [("QA", [70.0, 80.0])], title="Trend")
    ids = re.findall(r'id="([^"]+)"', first + second)
    assert len(ids) == len(set(ids)) == 3
    assert f'<span class="bar-label">{long_name}</span>' in first  # shown in full as text
