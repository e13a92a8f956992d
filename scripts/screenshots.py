"""Screenshots of the main pages at 1366 px and 375 px for the README (docs/screenshots/).

Usage, from the repository root, after ``scripts/install`` (with EKINERJA_WITH_BROWSER=1):

    DATABASE_URL=sqlite:////tmp/ekinerja-shots.db python scripts/screenshots.py

It builds a fresh demo database at DATABASE_URL (dropping what is there), serves it on a free local
port, submits the Kepala Dinas's SKP through the API so that the Sekretaris Daerah has a review task,
and photographs the pages in Debian chromium.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "ekinerja-demo"
KADIS, SEKDA = "197103151997031002", "196804121993031001"
PEGAWAI, ADMIN, OWNER = "199607142022031004", "199302142019031006", "197711052002121003"
RHK = {"jenis": "UTAMA", "deskripsi": "Meningkatnya kualitas layanan digital pemerintah daerah",
       "klasifikasi": "ORGANISASI", "penugasan_dari": "Gubernur",
       "iki": [{"perspektif": "PENERIMA_LAYANAN", "indikator": "Indeks kepuasan pengguna layanan digital",
                "target": "85 %"}]}
LAMPIRAN = {"dukungan_sumber_daya": ["Laptop"], "skema_pertanggungjawaban": ["Laporan bulanan"],
            "konsekuensi": ["Teguran lisan"]}


def call(base: str, method: str, path: str, body=None, token: str | None = None):
    request = urllib.request.Request(base + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def submit_kadis_skp(base: str) -> int:
    token = call(base, "POST", "/auth/token", {"nip": KADIS, "password": PASSWORD})["access_token"]
    skp = call(base, "POST", "/skp", {"tahun": __import__("datetime").date.today().year, "pendekatan": "KUANTITATIF"},
               token)
    [task] = [t for t in call(base, "GET", "/tasks", token=token) if t["form"] == "skp-editor"]
    call(base, "POST", f"/tasks/{task['id']}/complete", {"data": {"rhk": [RHK], "lampiran": LAMPIRAN, "ajukan": True}},
         token)
    return skp["id"]


def main() -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app
    from app.cli import main as cli

    for args in (["db", "upgrade"], ["demo", "load"]):
        try:
            cli(args)
        except SystemExit as done:
            if done.code:
                raise
    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    skp_id = submit_kadis_skp(base)
    OUT.mkdir(parents=True, exist_ok=True)
    shots = [  # (file name, who, path or a function of the page)
        ("tugas-saya-penilai", SEKDA, "/"),
        ("periksa-skp", SEKDA, lambda page: (page.goto(base + "/"), page.click("table a:has-text('Periksa SKP')"))),
        ("skp", KADIS, f"/skp/{skp_id}"),
        ("mulai-layanan", PEGAWAI, "/layanan"),
        ("konsol-admin", ADMIN, "/admin/instance"),
        ("meja-kerja", OWNER, "/meja-kerja/skp_perencanaan"),
        ("beranda", PEGAWAI, "/profil"),
        ("kegiatan-harian", PEGAWAI, "/kegiatan-harian"),
        ("tim-kerja", ADMIN, "/tim-kerja"),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for width, height in ((1366, 900), (375, 812)):
            for name, nip, target in shots:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(base + "/masuk")
                page.fill("#nip", nip)
                page.fill("#kata_sandi", PASSWORD)
                page.click("button:has-text('Masuk')")
                page.wait_for_selector("h1")
                if callable(target):
                    target(page)
                else:
                    page.goto(base + target)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=width < 1000)
                page.close()
        browser.close()
    server.shutdown()
    print(f"{len(shots) * 2} screenshots in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    if not os.environ.get("DATABASE_URL"):
        sys.exit("set DATABASE_URL to a database this script may fill (e.g. sqlite:////tmp/ekinerja-shots.db)")
    main()
