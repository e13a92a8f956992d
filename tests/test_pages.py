"""The server-rendered pages with the Flask test client, on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from conftest import DEMO_PASSWORD, DEMO_TAHUN, find
from sqlalchemy import func, select
from test_skp_api import approve, create_and_submit, ja_rhk, kadis_approved  # noqa: F401 - fixture

from app.kinerja.skp import Skp
from workflows.models import HumanTask, Instance


class FormFields(HTMLParser):
    """What a browser would submit from the page's forms (inputs, textareas, selected options; not <template>)."""

    def __init__(self, form_id=None):
        super().__init__()
        self.form_id, self.fields, self.in_form, self.template = form_id, {}, form_id is None, 0
        self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self.template += 1
        if tag == "form" and self.form_id is not None:
            self.in_form = a.get("id") == self.form_id
        if self.template or not self.in_form or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "checkbox"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select:
            if self.select not in self.fields or "selected" in a:
                self.fields[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "template":
            self.template -= 1
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form" and self.form_id is not None:
            self.in_form = False

    def handle_data(self, data):
        if self.textarea and not self.template:
            self.fields[self.textarea] += data


def fields_of(html: str, form_id=None) -> dict:
    parser = FormFields(form_id)
    parser.feed(html)
    for key, value in parser.fields.items():  # a textarea's first newline is not part of its value
        parser.fields[key] = value[1:] if value.startswith("\n") else value
    return parser.fields


class Pages:
    def __init__(self, client):
        self.client = client

    def token(self) -> str:
        with self.client.session_transaction() as s:
            if "csrf_token" not in s:
                s["csrf_token"] = "t-" + "x" * 30
            return s["csrf_token"]

    def login(self, nip, password=DEMO_PASSWORD):
        self.client.delete_cookie("session")  # a fresh browser (logging out would end the user's other sessions)
        self.client.get("/masuk")
        return self.client.post("/masuk", data={"nip": nip, "kata_sandi": password, "csrf_token": self.token()})

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data, **kw):
        return self.client.post(path, data={"csrf_token": self.token(), **data}, **kw)

    def html(self, path) -> str:
        r = self.client.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:500])
        return r.get_data(as_text=True)

    def task_link(self, name) -> str:
        html = self.html("/")
        match = re.search(r'<a href="(/tugas/[^"]+)">' + re.escape(name) + "</a>", html)
        assert match, f"{name} not in Tugas Saya"
        return match.group(1)


@pytest.fixture
def pages(client):
    return Pages(client)


def count_skp(app) -> int:
    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(func.count()).select_from(Skp))
    finally:
        session.close()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_login_good_and_bad(pages, accounts):
    kadis = find(accounts, "Kepala Dinas")
    r = pages.login(kadis["nip"], "salah")
    assert r.status_code in (200, 401) and "NIP atau kata sandi salah" in r.get_data(as_text=True)
    assert pages.get("/").status_code == 302
    r = pages.login(kadis["nip"])
    assert r.status_code == 302 and r.location.endswith("/profil")  # the beranda is the landing page
    home = pages.html("/")
    assert "Tugas Saya" in home and "Hendra Wijaya" in home and "e-Kinerja Flow" in home
    assert pages.post("/keluar", {}).status_code == 302
    assert pages.get("/").status_code == 302


def test_pages_require_login(client):
    for path in ("/", "/skp", "/skp/1", "/tugas/abc", "/skp/1/dokumen.pdf", "/skp/1/kembalikan"):
        r = client.get(path)
        assert r.status_code == 302 and "/masuk" in r.location, path
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/masuk").status_code == 200


def test_redirect_page_and_favicon_speak_indonesian(client):
    r = client.get("/")
    body = r.get_data(as_text=True)
    assert r.status_code == 302 and "Redirecting" not in body and "dialihkan" in body
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/masuk").get_data(as_text=True)


def test_login_redirects_back(pages, accounts):
    r = pages.get("/skp")
    assert r.status_code == 302
    pages.get(r.location)
    r = pages.client.post(r.location, data={"nip": find(accounts, "Kepala Dinas")["nip"],
                                            "kata_sandi": DEMO_PASSWORD, "csrf_token": pages.token()})
    assert r.status_code == 302 and r.location.endswith("/skp")


def test_csrf_missing_or_wrong(app, pages, accounts):
    pages.login(find(accounts, "Kepala Dinas")["nip"])
    before = count_skp(app)
    for data in ({}, {"csrf_token": "palsu"}):
        r = pages.client.post("/skp/baru", data={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF", **data})
        assert r.status_code == 400
        assert "Sesi formulir kedaluwarsa, muat ulang halaman" in r.get_data(as_text=True)
    assert count_skp(app) == before
    # the login form is protected as well; the JSON API (bearer tokens) is not affected
    fresh = app.test_client()
    assert fresh.post("/masuk", data={"nip": find(accounts, "Kepala Dinas")["nip"],
                                      "kata_sandi": DEMO_PASSWORD}).status_code == 400
    r = fresh.post("/api/v1/auth/token", json={"nip": find(accounts, "Kepala Dinas")["nip"], "password": DEMO_PASSWORD})
    assert r.status_code == 200


def jpt_editor(fields: dict, deskripsi: str, target: str = "85 %") -> dict:
    return {**fields, "pendekatan": "KUANTITATIF", "rhk-0-jenis": "UTAMA", "rhk-0-deskripsi": deskripsi,
            "rhk-0-klasifikasi": "ORGANISASI", "rhk-0-penugasan_dari": "Gubernur",
            "rhk-0-iki-0-perspektif": "PENERIMA_LAYANAN",
            "rhk-0-iki-0-indikator": "Indeks kepuasan pengguna layanan digital", "rhk-0-iki-0-target": target,
            "lampiran-dukungan_sumber_daya": "Anggaran APBD\nTim teknis",
            "lampiran-skema_pertanggungjawaban": "Laporan triwulanan", "lampiran-konsekuensi": "Evaluasi jabatan"}


def create_skp(pages) -> str:
    r = pages.post("/skp/baru", {"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"})
    assert r.status_code == 302 and "/tugas/" in r.location, r.get_data(as_text=True)[:300]
    return r.location


def submit_editor(pages, task_url, data, ajukan):
    return pages.post(task_url, {**data, "ajukan": "1" if ajukan else "0"})


def review(pages, keputusan, catatan="", ekspektasi=None):
    task_url = pages.task_link("Periksa SKP")
    html = pages.html(task_url)
    fields = fields_of(html)
    fields.update({f"ekspektasi-{k}": v for k, v in (ekspektasi or {}).items()})
    r = pages.post(task_url, {**fields, "catatan": catatan, "keputusan": keputusan})
    assert r.status_code == 302, text(r.get_data(as_text=True))[:500]
    assert "Keputusan tersimpan" in pages.html(r.location)
    return r.location


def test_whole_lifecycle_through_pages(app, pages, accounts, run_jobs):
    kadis, sekda = find(accounts, "Kepala Dinas"), find(accounts, "Sekretaris Daerah")
    kabid = find(accounts, "Kepala Bidang Aplikasi")
    admin = next(a for a in accounts if "admin_kinerja" in a["roles"])

    # the Kepala Dinas creates the SKP, saves a draft, then submits it
    pages.login(kadis["nip"])
    task_url = create_skp(pages)
    html = pages.html(task_url)
    assert "Tambah RHK" in html and "Simpan draf" in html and "Ajukan" in html
    data = jpt_editor(fields_of(html, "skp-editor"), "Meningkatnya kualitas layanan digital")
    r = submit_editor(pages, task_url, data, ajukan=False)
    assert r.status_code == 302 and r.location.endswith(task_url)
    html = pages.html(task_url)
    assert "Draf tersimpan" in html and "Meningkatnya kualitas layanan digital" in html
    fields = fields_of(html, "skp-editor")
    assert fields["rhk-0-id"].isdigit() and fields["rhk-0-iki-0-id"].isdigit()
    assert fields["rhk-0-klasifikasi"] == "ORGANISASI" and fields["rhk-0-iki-0-target"] == "85 %"
    assert fields["lampiran-dukungan_sumber_daya"] == "Anggaran APBD\nTim teknis"
    r = submit_editor(pages, task_url, fields, ajukan=True)
    assert r.status_code == 302 and "/skp/" in r.location, text(r.get_data(as_text=True))[:500]
    kadis_skp_url = r.location
    page = pages.html(kadis_skp_url)
    assert "SKP diajukan" in page and "Diajukan" in page

    # the Sekda returns it with a note
    pages.login(sekda["nip"])
    home = pages.html("/")
    assert "Periksa SKP" in home and "31-01-2026" in home and "terlambat" in home
    review(pages, "KEMBALIKAN", "Perjelas target kepuasan")

    # the Kepala Dinas sees the note and resubmits
    pages.login(kadis["nip"])
    task_url = pages.task_link("Susun SKP")
    html = pages.html(task_url)
    assert "Perjelas target kepuasan" in html
    fields = fields_of(html, "skp-editor")
    fields["rhk-0-iki-0-target"] = "90 %"
    r = submit_editor(pages, task_url, fields, ajukan=True)
    assert r.status_code == 302

    # the Sekda approves with an ekspektasi khusus
    pages.login(sekda["nip"])
    review(pages, "SETUJUI", ekspektasi={"AKUNTABEL": "Laporan kinerja tepat waktu"})
    page = text(pages.html(kadis_skp_url))
    assert "Disetujui" in page and "Laporan kinerja tepat waktu" in page and "90 %" in page

    # a Kepala Bidang links his RHK to the Kadis's RHK
    pages.login(kabid["nip"])
    task_url = create_skp(pages)
    html = pages.html(task_url)
    option = re.search(r'<option value="(\d+)"\s*(?:selected)?\s*>Meningkatnya kualitas layanan digital — ([^<]+)</option>', html)
    assert option and "Hendra Wijaya" in option.group(2), html
    fields = fields_of(html, "skp-editor")
    fields.update({"rhk-0-jenis": "UTAMA", "rhk-0-deskripsi": "Tersusunnya laporan monitoring layanan aplikasi",
                   "rhk-0-rhk_atasan_id": option.group(1), "rhk-0-iki-0-aspek": "KUANTITAS",
                   "rhk-0-iki-0-indikator": "Jumlah laporan monitoring", "rhk-0-iki-0-target": "12 Laporan",
                   "rhk-0-iki-1-aspek": "KUALITAS", "rhk-0-iki-1-indikator": "Persentase laporan tanpa revisi",
                   "rhk-0-iki-1-target": "90 %", "rhk-0-iki-2-aspek": "WAKTU",
                   "rhk-0-iki-2-indikator": "Ketepatan waktu penyampaian", "rhk-0-iki-2-target": "12 Bulan",
                   "lampiran-dukungan_sumber_daya": "Laptop"})
    r = submit_editor(pages, task_url, fields, ajukan=True)
    assert r.status_code == 302, text(r.get_data(as_text=True))[:800]
    kabid_skp_url = r.location
    kabid_skp_id = kabid_skp_url.rsplit("/", 1)[1]

    # the Kadis approves it
    pages.login(kadis["nip"])
    review(pages, "SETUJUI", ekspektasi={"KOMPETEN": "Ikut pelatihan keamanan aplikasi"})

    # the approved copy is prepared after the approval: the page says so until the outbox has run
    assert "Dokumen arsip persetujuan sedang disiapkan" in pages.html(kabid_skp_url)
    assert pages.get(f"/skp/{kabid_skp_id}/dokumen.pdf?arsip=1").status_code == 409
    assert run_jobs()["done"] == 2  # the Kadis's SKP approved earlier in this test, and this one

    # the admin kinerja rolls it back from its SKP page
    pages.login(admin["nip"])
    page = pages.html(kabid_skp_url)
    assert "sedang disiapkan" not in page
    assert "Kembalikan ke draf" in page and "Alasan" in page
    r = pages.post(f"{kabid_skp_url}/kembalikan", {"alasan": "   "})
    assert r.status_code == 422 and "Alasan wajib diisi" in r.get_data(as_text=True)
    r = pages.post(f"{kabid_skp_url}/kembalikan", {"alasan": "Perubahan struktur organisasi"})
    assert r.status_code == 302 and r.location.endswith(kabid_skp_url)

    # the history shows each step with names and the alasan
    pages.login(kabid["nip"])
    page = pages.html(kabid_skp_url)
    history = re.search(r"<tbody>(.*?)</tbody>", page[page.index("Riwayat status"):], re.S).group(1)
    rows = [text(row) for row in re.findall(r"<tr>(.*?)</tr>", history, re.S)]
    assert len(rows) == 4, rows
    assert "Yudi Prasetyo" in rows[0] and "Dibuat" in rows[0]
    assert "Yudi Prasetyo" in rows[1] and "Draf → Diajukan" in rows[1]
    assert "Hendra Wijaya" in rows[2] and "Diajukan → Disetujui" in rows[2]
    assert admin["nama"].split(",")[0] in rows[3] and "Perubahan struktur organisasi" in rows[3]
    assert "Disetujui → Draf" in rows[3] and admin["nip"] in rows[3]

    # the documents: current and archived
    assert 'href="/skp/%s/dokumen.pdf"' % kabid_skp_id in page
    pdf = pages.get(f"/skp/{kabid_skp_id}/dokumen.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "dokumen.pdf?arsip=1" in page
    arsip = pages.get(f"/skp/{kabid_skp_id}/dokumen.pdf?arsip=1")
    assert arsip.status_code == 200 and arsip.data.startswith(b"%PDF") and arsip.headers.get("ETag")
    word = pages.get(f"/skp/{kabid_skp_id}/dokumen.docx?arsip=1")
    assert word.status_code == 200 and word.data[:2] == b"PK"
    assert pages.get(f"/skp/{kabid_skp_id}/dokumen.txt").status_code == 404

    # the SKP list of the Kadis shows both
    pages.login(kadis["nip"])
    listing = pages.html(f"/skp?tahun={DEMO_TAHUN}")
    assert "Yudi Prasetyo" in listing and "Hendra Wijaya" in listing
    assert "Tidak ada SKP" in pages.html("/skp?tahun=2001")


def test_field_error_keeps_input(app, pages, accounts):
    pages.login(find(accounts, "Kepala Dinas")["nip"])
    task_url = create_skp(pages)
    fields = fields_of(pages.html(task_url), "skp-editor")
    data = jpt_editor(fields, "RHK <b>unik</b> yang diketik", target="")
    r = submit_editor(pages, task_url, data, ajukan=True)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    # the summary names the place in words and links to the message at the field; no code path
    assert '<a href="#galat-rhk-0-iki-0-target">RHK 1 · IKI 1 · Target</a>: wajib diisi' in html
    assert 'id="galat-rhk-0-iki-0-target">wajib diisi' in html and "rhk[0].iki[0].target" not in html
    assert "RHK &lt;b&gt;unik&lt;/b&gt; yang diketik" in html and "<b>unik</b>" not in html
    kept = fields_of(html, "skp-editor")
    assert kept["rhk-0-deskripsi"] == "RHK <b>unik</b> yang diketik"
    assert kept["rhk-0-iki-0-indikator"] == "Indeks kepuasan pengguna layanan digital"
    # the refused submission kept what was typed as the draft (tests/test_skp_draft_kept.py)
    skp_page = pages.html("/")
    assert "Draf" in skp_page
    session = app.extensions["db_sessionmaker"]()
    try:
        skp = session.scalar(select(Skp))
        assert skp.status == "DRAFT" and [r.deskripsi for r in skp.rhk] == ["RHK <b>unik</b> yang diketik"]
    finally:
        session.close()


def test_review_needs_catatan_to_return(pages, accounts):
    kadis, sekda = find(accounts, "Kepala Dinas"), find(accounts, "Sekretaris Daerah")
    pages.login(kadis["nip"])
    task_url = create_skp(pages)
    data = jpt_editor(fields_of(pages.html(task_url), "skp-editor"), "Meningkatnya layanan")
    assert submit_editor(pages, task_url, data, ajukan=True).status_code == 302
    pages.login(sekda["nip"])
    task_url = pages.task_link("Periksa SKP")
    fields = fields_of(pages.html(task_url))
    r = pages.post(task_url, {**fields, "ekspektasi-LOYAL": "Setia", "keputusan": "KEMBALIKAN", "catatan": ""})
    assert r.status_code == 422 and "catatan" in r.get_data(as_text=True)
    assert fields_of(r.get_data(as_text=True))["ekspektasi-LOYAL"] == "Setia"


def test_others_get_403_or_404(app, pages, accounts, as_user, kadis_approved):  # noqa: F811
    kabid_acc = find(accounts, "Kepala Bidang Aplikasi")
    kabid, kadis = as_user(kabid_acc["nip"]), as_user(find(accounts, "Kepala Dinas")["nip"])
    skp_id = create_and_submit(kabid, [ja_rhk(kadis_approved["rhk"][0]["id"])])
    approve(kadis)
    session = app.extensions["db_sessionmaker"]()
    try:
        rollback_task = session.scalar(select(HumanTask.id).join(Instance, HumanTask.instance_id == Instance.id)
                                       .where(HumanTask.form_key == "skp-rollback",
                                              Instance.business_key == f"skp:{skp_id}"))
        assert rollback_task
    finally:
        session.close()
    plain = find(accounts, "Pengadministrasi Perkantoran")
    pages.login(plain["nip"])
    for path in (f"/skp/{skp_id}", f"/skp/{skp_id}/kembalikan", f"/skp/{skp_id}/dokumen.pdf", "/skp/999999",
                 "/skp/abc", "/tugas/nonsense", "/tugas/00000000-0000-0000-0000-000000000000"):
        r = pages.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "tidak ditemukan" in r.get_data(as_text=True)
    r = pages.post(f"/skp/{skp_id}/kembalikan", {"alasan": "saya mau"})
    assert r.status_code in (403, 404)
    r = pages.get(f"/tugas/{rollback_task}")
    assert r.status_code == 403 and "bukan untuk Anda" in r.get_data(as_text=True)
    r = pages.post(f"/tugas/{rollback_task}", {"alasan": "saya mau"})
    assert r.status_code == 403
    # the pegawai himself sees the SKP but may not roll it back
    pages.login(kabid_acc["nip"])
    page = pages.html(f"/skp/{skp_id}")
    assert "Disetujui" in page and 'action="/skp/%s/kembalikan"' % skp_id not in page
    assert pages.get(f"/skp/{skp_id}/kembalikan").status_code == 403
    assert pages.post(f"/skp/{skp_id}/kembalikan", {"alasan": "x"}).status_code == 403
    assert kabid.get(f"/skp/{skp_id}").get_json()["status"] == "DISETUJUI"
    # the rollback task through the generic task form (schema-driven) works for the JPT over the unit
    pages.login(find(accounts, "Kepala Dinas")["nip"])
    html = pages.html(f"/tugas/{rollback_task}")
    assert "Alasan" in html
    r = pages.post(f"/tugas/{rollback_task}", {"alasan": ""})
    assert r.status_code == 422 and "alasan" in r.get_data(as_text=True)
    r = pages.post(f"/tugas/{rollback_task}", {"alasan": "Penyesuaian renstra"})
    assert r.status_code == 302 and r.location.endswith(f"/skp/{skp_id}")
    assert kabid.get(f"/skp/{skp_id}").get_json()["status"] == "DRAFT"
    # a completed task is no longer there
    assert pages.get(f"/tugas/{rollback_task}").status_code == 409
