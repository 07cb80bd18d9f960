"""PDF output through WeasyPrint, fetching nothing but our own static files.

Cyrillic renders with DejaVu; Japanese needs a CJK font installed on the server
(fonts-ipafont-gothic or fonts-noto-cjk), which the stylesheet names first for `lang="ja"`.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template


def _fetcher_for(static_root: Path):
    from weasyprint.urls import URLFetcher

    root = static_root.resolve()

    class StaticOnlyFetcher(URLFetcher):
        """Serve our static files and data: URLs; refuse everything else (no network, no other files)."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                path = Path(url[len("file://"):].split("?")[0]).resolve()
                if root in path.parents:
                    return super().fetch(url, headers)
            raise ValueError(f"refusing to fetch {url!r} while rendering a PDF")

    return StaticOnlyFetcher(allowed_protocols=("file", "data"))


def html_to_pdf(html: str) -> bytes:
    """Turn an HTML document into PDF bytes; relative URLs resolve inside static/."""
    from weasyprint import HTML

    static_root = Path(current_app.static_folder)
    return HTML(string=html, base_url=str(static_root) + "/", url_fetcher=_fetcher_for(static_root)).write_pdf()


def render_pdf(template: str, **context) -> bytes:
    """Render a Jinja template (usually extending pdf/base.html) to PDF bytes."""
    return html_to_pdf(render_template(template, **context))
