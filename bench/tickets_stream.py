"""A very large ticket import streams: peak memory stays flat as the file grows (issue 7).

Imports TICKETS_STREAM_N (default 1,000,000) Zendesk tickets through `servicecraft tickets
import` in a child process, and reports its peak resident memory against the 1 GB limit and
against the same import of a tenth of the file (a streaming import uses about the same memory
for both). Slow on purpose: skip it with `python -m bench tickets_import player_step`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = int(os.environ.get("TICKETS_STREAM_N", "1000000"))
LIMIT_MB = 1024
RESULTS: list[dict] = []  # the summary table of `python -m bench`

_CHILD = r"""
import json, resource, sys
from flask_migrate import upgrade
from servicecraft import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-0123456789",
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2], "RATELIMIT_ENABLED": False})
with app.app_context():
    upgrade()
result = app.test_cli_runner().invoke(args=["tickets", "import", "--source", "zendesk", sys.argv[1], "--json"])
created = json.loads(result.stdout)["created"] if result.exit_code == 0 else -1
print(json.dumps({"created": created, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _import(export: Path, db: Path) -> tuple[dict, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, str(export), str(db)], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - start


def run() -> list[str]:
    from bench import tickets_import

    folder = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    lines = []
    peaks = {}
    for size in (N // 10, N):
        tickets_import.N = size
        export = folder / f"export-{size}.jsonl"
        tickets_import._write_export(export)
        outcome, seconds = _import(export, folder / f"app-{size}.db")
        assert outcome["created"] == size, outcome
        peaks[size] = outcome["peak_mb"]
        lines.append(f"{size:,} tickets ({export.stat().st_size / 1e6:,.0f} MB): peak memory {outcome['peak_mb']:,.0f} MB, "
                     f"{seconds:,.0f} s")
        export.unlink()
    ratio = peaks[N] / peaks[N // 10]
    RESULTS[:] = [{"name": f"import peak memory, {N:,} vs {N // 10:,} tickets", "ours": f"{peaks[N]:,.0f} MB",
                   "floor": f"{peaks[N // 10]:,.0f} MB", "ratio": ratio, "target": f"<= 1.5x, < {LIMIT_MB:,} MB",
                   "ok": ratio <= 1.5 and peaks[N] < LIMIT_MB}]
    lines.append(f"peak memory ratio {N:,} / {N // 10:,} tickets: {peaks[N] / peaks[N // 10]:.2f}x "
                 f"(streaming: about 1x); {peaks[N]:,.0f} MB of the {LIMIT_MB:,} MB limit")
    return lines
