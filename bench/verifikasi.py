#!/usr/bin/env python
"""What verification adds to archiving one SKP (README "Verifikasi dokumen"): CPU ms of the code's QR and its
block (DOCX and PDF, against the same render without it) and of a PAdES signature with a throwaway
self-signed certificate. CPU = this process + its children (wkhtmltopdf). A script: it prints, never fails.

    PYTHONPATH=$PWD python3 bench/verifikasi.py [--reps 5] [--tiny]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.documents import TEMPLATES, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tiny", action="store_true", help="smoke run (CI): one repetition")
    args = parser.parse_args()
    reps = 1 if args.tiny else args.reps
    from app.documents import verifikasi
    from app.documents.render import render_docx, render_pdf
    from tests.test_documents_render import make_context
    from tests.test_verifikasi import _self_signed_p12

    context = make_context("JPT_PIMPINAN_UNIT", "KUANTITATIF")
    mark = verifikasi.stamp(verifikasi.new_kode())
    rows = [("stamp (QR PNG)", lambda: verifikasi.stamp(verifikasi.new_kode())),
            ("DOCX without", lambda: render_docx(TEMPLATES / "skp.docx", context)),
            ("DOCX with code+QR", lambda: render_docx(TEMPLATES / "skp.docx", context, verifikasi=mark)),
            ("PDF without", lambda: render_pdf(TEMPLATES / "skp.html", context)),
            ("PDF with code+QR", lambda: render_pdf(TEMPLATES / "skp.html", context, verifikasi=mark))]
    pdf = render_pdf(TEMPLATES / "skp.html", context, verifikasi=mark)
    with tempfile.TemporaryDirectory() as folder:
        _self_signed_p12(Path(folder) / "BENCH.p12", b"bench")
        verifikasi.configure("http://127.0.0.1:5000", folder, "bench")
        verifikasi.sign_pdf(pdf, "BENCH")  # warm-up: imports and the certificate's loading (cached)
        rows.append(("PAdES signature", lambda: verifikasi.sign_pdf(pdf, "BENCH")))
        for name, fn in rows:
            fn()
            cpu, wall = timed(fn, reps)
            print(f"{name:20s} CPU {statistics.median(cpu):7.1f} ms   wall {statistics.median(wall):7.1f} ms"
                  f"   (median of {reps})")


if __name__ == "__main__":
    main()
