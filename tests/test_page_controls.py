"""Issue 17's page controls: the Indonesian file input, the SKP PDF beside the review form, the
monitoring tree; with the Flask test client, on SQLite and PostgreSQL."""
from __future__ import annotations

import re

from conftest import find
from test_pages import create_skp, jpt_editor, pages, submit_editor, fields_of  # noqa: F401 - fixture
from test_penilaian import PERIODE, admin_of


def test_file_input_is_indonesian_and_keyboard_reachable(pages, accounts):  # noqa: F811
    pages.login(admin_of(accounts)["nip"])
    html = pages.html("/organisasi")
    pick = re.search(r'<span class="file-pick">(.*?)</span>\s*</span>', html, re.S)
    assert pick, "no styled file input on /organisasi"
    markup = pick.group(1)
    # the real input stays in the page (focusable, submitted), hidden visually inside the button-like label
    assert re.search(r'<label class="file-button[^"]*"><input type="file" id="berkas-impor" class="visually-hidden" '
                     r'name="berkas" accept="\.csv,\.xlsx" required>Pilih berkas</label>', markup)
    assert 'class="file-name" aria-live="polite"' in markup and "Belum ada berkas dipilih" in markup
    assert '<label for="berkas-impor">' in html  # its own visible caption too
    script = pages.get(re.search(r'<script src="([^"]*file_input\.js)"', html).group(1))
    assert script.status_code == 200 and b"dataset.empty" in script.data
    assert "<script>" not in html  # the CSP allows no inline script


def test_review_page_previews_the_skp_pdf(pages, accounts):  # noqa: F811
    kadis, sekda = find(accounts, "Kepala Dinas"), find(accounts, "Sekretaris Daerah")
    pages.login(kadis["nip"])
    task_url = create_skp(pages)
    data = jpt_editor(fields_of(pages.html(task_url), "skp-editor"), "Meningkatnya layanan digital")
    assert submit_editor(pages, task_url, data, ajukan=True).status_code == 302
    pages.login(sekda["nip"])
    review = pages.get(pages.task_link("Periksa SKP"))
    html = review.get_data(as_text=True)
    frame = re.search(r'<iframe id="skp-pdf-preview" src="(/skp/(\d+)/dokumen\.pdf\?tampil=1)[#"]', html)
    assert frame, "no PDF preview frame on the review page"
    assert f'<a class="button secondary" href="{frame.group(1)}" target="_blank" rel="noopener">Lihat PDF</a>' in html
    assert review.headers["X-Frame-Options"] == "DENY"  # the review page itself is never framed
    pdf = pages.get(frame.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("inline;")
    assert pdf.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in pdf.headers["Content-Security-Policy"]
    download = pages.get(f"/skp/{frame.group(2)}/dokumen.pdf")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    pages.login(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert pages.get(frame.group(1)).status_code == 404  # not his SKP to see


def test_monitoring_rows_show_the_unit_tree(pages, accounts, as_user):  # noqa: F811
    admin = admin_of(accounts)
    created = as_user(admin["nip"]).post("/periode", json=PERIODE)
    assert created.status_code == 201, created.get_json()
    data = as_user(admin["nip"]).get(f"/monitoring?periode_id={created.get_json()['id']}").get_json()
    depth = {u["unor_id"]: u["depth"] for u in data["unit"]}
    seen: set[int] = set()
    for u in data["unit"]:  # every unit below its parent, one level deeper
        if u["parent_id"] in depth:
            assert u["parent_id"] in seen and u["depth"] == depth[u["parent_id"]] + 1, u
        else:
            assert u["depth"] == 0
        seen.add(u["unor_id"])
    assert max(depth.values()) >= 2  # the demo instansi: dinas, bidang, seksi
    pages.login(admin["nip"])
    html = pages.html(f"/monitoring?periode_id={created.get_json()['id']}")
    rows = re.findall(r'<tr data-depth="(\d+)">\s*<td class="unit-tree" style="--depth: (\d+)">', html)
    assert [int(a) for a, _ in rows] == [u["depth"] for u in data["unit"]] and all(a == b for a, b in rows)
