"""Run the benchmark modules of this folder and end with one table of every ratio against its floor.

``python -m bench`` runs every module but the slow ones (SLOW: the million-ticket stream and
the 60-second load test); ``python -m bench --all`` runs those too; ``python -m bench NAME ...``
runs the named modules only. Each module has ``run() -> list[str]`` (its lines are printed as
they come) and may fill a module-level ``RESULTS`` list of dicts (name, ours, floor, ratio,
target, ok) for the summary table. The exit status is 1 when a module fails or a row FAILs.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

SLOW = {"tickets_stream", "load"}


def _table(rows: list[dict]) -> list[str]:
    header = ("measure", "ours", "floor", "ratio", "target", "result")
    cells = [header] + [(r["name"], r["ours"], r["floor"], "-" if r["ratio"] is None else f"{r['ratio']:.2f}x",
                         r["target"], "PASS" if r["ok"] else "FAIL") for r in rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def main(argv: list[str] | None = None) -> int:
    folder = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if not m.name.startswith("_"))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", choices=[[], *names], metavar="NAME", help=f"one of: {', '.join(names)}")
    parser.add_argument("--all", action="store_true", help=f"also run the slow ones ({', '.join(sorted(SLOW))})")
    options = parser.parse_args(argv)
    chosen = [n for n in names if n in options.names] if options.names else [
        n for n in names if options.all or n not in SLOW]
    rows, failed = [], []
    for name in chosen:
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            for line in module.run():
                print(line, flush=True)
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            rows.append({"name": f"{name} (did not finish)", "ours": "-", "floor": "-", "ratio": None,
                         "target": "-", "ok": False})
            continue
        print(f"({time.perf_counter() - began:.0f} s)", flush=True)
        rows.extend(getattr(module, "RESULTS", []))
    print("\n== summary", flush=True)
    for line in _table(rows):
        print(line)
    return 1 if failed or not all(r["ok"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
