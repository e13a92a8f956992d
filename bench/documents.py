#!/usr/bin/env python
"""Benchmark of document rendering (issue 15 goal 4: DOCX ≤ 50 ms CPU, PDF ≤ 1.2 × raw wkhtmltopdf).

DOCX: CPU ms per render of the SKP and the Evaluasi Kinerja templates, ours (``render_docx``: docxtpl's
pre-processing and Jinja compilation remembered across renders) against a fresh ``DocxTemplate`` per render
(what docxtpl does uncached), same context, after one warm-up.
PDF: ours (``render_pdf``: Jinja HTML + pdfkit → wkhtmltopdf) against raw ``wkhtmltopdf`` as a subprocess on
the same HTML with the same options. CPU = this process + its children (wkhtmltopdf does the work).
A script: it prints figures and ratios, never fails on time. No database.

    PYTHONPATH=$PWD python3 bench/documents.py [--reps 10 | --tiny]
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEMPLATES = ROOT / "document_templates"
DOCX_GOAL_MS = 50
PDF_GOAL_RATIO = 1.2


def cpu_now() -> float:
    """CPU seconds of this process and of its children that ended (wkhtmltopdf runs as a child)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(fn, reps: int) -> tuple[list[float], list[float]]:
    """(CPU ms, wall ms) of each of ``reps`` calls after one warm-up call."""
    fn()
    cpu, wall = [], []
    for _ in range(reps):
        c0, w0 = cpu_now(), time.perf_counter()
        fn()
        cpu.append((cpu_now() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return cpu, wall


def uncached_docx(template: Path, context: dict) -> bytes:
    from docxtpl import DocxTemplate

    doc = DocxTemplate(str(template))
    doc.render(context, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def raw_wkhtmltopdf(binary: str, html: str) -> bytes:
    from app.documents.render import PDF_OPTIONS

    args = [binary]
    for key, value in PDF_OPTIONS.items():
        args += [f"--{key}"] + ([value] if value is not None else [])
    done = subprocess.run([*args, "-", "-"], input=html.encode(), capture_output=True, check=True)
    return done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--tiny", action="store_true", help="smoke run in seconds (CI): --reps 1, one PDF template")
    args = ap.parse_args()
    reps = 1 if args.tiny else args.reps

    from importlib.metadata import version

    from app.documents.render import render_docx, render_html, render_pdf
    from tests.test_docx_cache import evaluasi_context
    from tests.test_documents_render import make_context

    binary = shutil.which(os.environ.get("WKHTMLTOPDF") or "wkhtmltopdf")
    wk = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip() if binary else "absent"
    print(f"# {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}  Python {platform.python_version()}  "
          f"docxtpl {version('docxtpl')}  {wk}  cpus {os.cpu_count()}  load average {os.getloadavg()[0]:.1f}; "
          f"median (min) of {reps} after a warm-up")
    cases = [("skp", make_context("JPT_PIMPINAN_UNIT", "KUANTITATIF")), ("evaluasi", evaluasi_context())]
    for name, context in cases:
        template = TEMPLATES / f"{name}.docx"
        assert render_docx(template, context), name
        old_cpu, old_wall = timed(lambda: uncached_docx(template, context), reps)
        new_cpu, new_wall = timed(lambda: render_docx(template, context), reps)
        old, new = statistics.median(old_cpu), statistics.median(new_cpu)
        print(f"DOCX {name}.docx: uncached docxtpl {old:.1f} ms CPU ({min(old_cpu):.1f}), wall {statistics.median(old_wall):.1f} ms; "
              f"ours cached {new:.1f} ms CPU ({min(new_cpu):.1f}), wall {statistics.median(new_wall):.1f} ms; "
              f"cached/uncached {new / old:.2f}; goal ≤ {DOCX_GOAL_MS} ms: {'met' if new <= DOCX_GOAL_MS else 'NOT met'}")
    if binary is None:
        print("PDF: skipped, wkhtmltopdf is not installed")
        return
    for name, context in cases[:1] if args.tiny else cases:  # tiny: one PDF pair (wkhtmltopdf starts slowly)
        template = TEMPLATES / f"{name}.html"
        html = render_html(template, context)
        ours_cpu, ours_wall = timed(lambda: render_pdf(template, context, binary), reps)
        raw_cpu, raw_wall = timed(lambda: raw_wkhtmltopdf(binary, html), reps)
        ours, raw = statistics.median(ours_cpu), statistics.median(raw_cpu)
        print(f"PDF {name}.html: ours {ours:.1f} ms CPU ({min(ours_cpu):.1f}), wall {statistics.median(ours_wall):.0f} ms; "
              f"raw wkhtmltopdf {raw:.1f} ms CPU ({min(raw_cpu):.1f}), wall {statistics.median(raw_wall):.0f} ms; "
              f"ours/raw {ours / raw:.2f}; goal ≤ {PDF_GOAL_RATIO}: {'met' if ours / raw <= PDF_GOAL_RATIO else 'NOT met'}")


if __name__ == "__main__":
    main()
