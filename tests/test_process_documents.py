"""Documents from templates (service ``buat_dokumen``): a diagram and a template make a PDF and a DOCX
after commit through the outbox, listed and downloadable per instance; an instansi's own template wins
for that instansi only; a task naming a missing template is refused at deploy; a failed rendering retries."""
from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import docx
import pypdf
import pytest
from conftest import find
from sqlalchemy import func, select

from app import jobs
from app.documents import template_files
from app.documents.process_documents import DokumenProses
from app.kinerja.demo import DEMO_KODE
from core.db import write_transaction
from workflows import clock
from workflows.definitions import check_sources, deploy, read_dir
from workflows.instances import start_instance
from workflows.models import Instance

HERE = Path(__file__).parent
DIAGRAMS = HERE / "bpmn" / "dokumen"
TEMPLATES = HERE / "document_templates"
CATATAN = "Hadir <tepat> waktu & lengkap"


def build_docx_template(path: Path, kop: str) -> None:
    """A docxtpl template written with python-docx: the same context keys as uji_surat.html."""
    document = docx.Document()
    for line in (kop + " {{ instansi.nama|upper }}", "{{ judul }}", "Nomor: {{ data.nomor_surat }}",
                 "Pegawai: {{ pegawai.nama }} NIP {{ pegawai.nip }}", "Pejabat penilai: {{ pejabat_penilai.nama }}",
                 "Catatan: {{ data.catatan }}", "Tanggal kejadian: {{ data.tanggal_kejadian|tanggal }}",
                 "{{ tempat_tanggal }}"):
        document.add_paragraph(line)
    document.save(path)


@pytest.fixture
def templates(app, tmp_path, monkeypatch):
    """Shipped folder with the test template (HTML copied, DOCX built), and an empty override folder."""
    shipped, overrides = tmp_path / "shipped", tmp_path / "overrides"
    shipped.mkdir()
    overrides.mkdir()
    for name in ("uji_surat.html", "_kop_uji.html"):
        shutil.copy(TEMPLATES / name, shipped / name)
    build_docx_template(shipped / "uji_surat.docx", "KOP BAWAAN")
    monkeypatch.setitem(template_files.SETTINGS, "shipped", shipped)
    monkeypatch.setitem(template_files.SETTINGS, "overrides", overrides)
    return shipped, overrides


@pytest.fixture
def factory(app, templates):
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        deploy(session, read_dir(DIAGRAMS), comment="uji dokumen")
    session.close()
    return app.extensions["db_sessionmaker"]


def start(factory, pegawai_id: int, nomor: int = 17) -> int:
    session = factory()
    with write_transaction(session):
        instance = start_instance(session, "uji_dokumen", f"uji-dokumen:{nomor}",
                                  {"pegawai_id": pegawai_id, "nomor": nomor, "catatan": CATATAN,
                                   "tanggal_kejadian": "2026-03-05"}, None)
        instance_id, status = instance.id, instance.status
    session.close()
    assert status == "completed"
    return instance_id


SUBJECT = "Pranata Komputer Ahli Pertama"  # her pejabat penilai: the Kepala Bidang Aplikasi Informatika
OUTSIDER = "Pengadministrasi Perkantoran"  # another unit, no role


def subject_of(factory, accounts) -> dict:
    from app.kinerja.org import Pegawai

    account = find(accounts, SUBJECT)
    session = factory()
    try:
        return {**account, "id": session.scalar(select(Pegawai.id).where(Pegawai.nip == account["nip"]))}
    finally:
        session.close()


def stored(factory) -> int:
    session = factory()
    try:
        return session.scalar(select(func.count()).select_from(DokumenProses))
    finally:
        session.close()


def pdf_text(data: bytes) -> str:
    return " ".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())


def docx_text(data: bytes) -> str:
    return " ".join(" ".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs).split())


def _admin(accounts, as_user):
    return as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])


def test_a_diagram_and_a_template_make_a_pdf_and_a_docx_after_commit(factory, accounts, as_user, run_jobs):
    subject = subject_of(factory, accounts)
    instance_id = start(factory, subject["id"])
    assert stored(factory) == 0  # nothing rendered inside the step's transaction: the job waits in the outbox
    admin = _admin(accounts, as_user)
    waiting = admin.get(f"/instances/{instance_id}/documents").get_json()
    assert waiting["documents"] == [] and [j["status"] for j in waiting["pending"]] == ["pending"]

    assert run_jobs()[jobs.DONE] == 1
    listing = admin.get(f"/instances/{instance_id}/documents").get_json()
    assert listing["pending"] == []
    by_format = {d["format"]: d for d in listing["documents"]}
    assert set(by_format) == {"pdf", "docx"}
    assert by_format["pdf"]["nama_berkas"] == "Surat-17.pdf" and by_format["pdf"]["judul"] == "Surat Keterangan Uji"

    pdf = admin.get(by_format["pdf"]["url"][len("/api/v1"):])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert 'filename="Surat-17.pdf"' in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    for expected in ("KOP BAWAAN PEMERINTAH PROVINSI CONTOH", "Surat Keterangan Uji", "Nomor: 800/17/BKD",
                     subject["nama"], subject["nip"], CATATAN, "Tanggal kejadian: 5 Maret 2026",
                     f"Kota Contoh, {clock.today().day}"):
        assert expected in text, (expected, text)
    word = admin.get(by_format["docx"]["url"][len("/api/v1"):])
    assert word.status_code == 200 and word.headers["ETag"] == by_format["docx"]["sha256"]
    text = docx_text(word.data)
    for expected in ("KOP BAWAAN PEMERINTAH PROVINSI CONTOH", "Nomor: 800/17/BKD", f"Pegawai: {subject['nama']}",
                     CATATAN, "Tanggal kejadian: 5 Maret 2026"):
        assert expected in text, (expected, text)
    assert f"Pejabat penilai: {find(accounts, 'Kepala Bidang Aplikasi')['nama']}" in text

    # the pegawai it is about finds it on his own pages and through the API; an outsider does not
    own = as_user(subject["nip"])
    assert {d["id"] for d in own.get(f"/instances/{instance_id}/documents").get_json()["documents"]} == \
        {d["id"] for d in listing["documents"]}
    outsider = as_user(find(accounts, OUTSIDER)["nip"])
    assert outsider.get(f"/instances/{instance_id}/documents").status_code == 404
    assert outsider.get(f"/instances/{instance_id}/documents/{by_format['pdf']['id']}").status_code == 404
    assert admin.get(f"/instances/{instance_id}/documents/999999").status_code == 404


def test_the_documents_show_on_the_admin_instance_page_and_on_tugas_saya(factory, accounts, client, run_jobs):
    from test_pages import Pages

    subject = subject_of(factory, accounts)
    instance_id = start(factory, subject["id"], 21)
    admin_nip = next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"]
    pages = Pages(client)
    pages.login(admin_nip)
    page = pages.get(f"/admin/instance/{instance_id}").get_data(as_text=True)
    assert "Surat Keterangan Uji" in page and "menunggu" in page  # the job is still waiting
    run_jobs()
    html = pages.get(f"/admin/instance/{instance_id}").get_data(as_text=True)
    assert "Surat-21.pdf" in html and "Surat-21.docx" in html
    pages.login(subject["nip"])
    home = pages.get("/").get_data(as_text=True)
    assert "Dokumen Saya" in home and "Surat-21.pdf" in home
    link = home.split('href="/instance/')[1].split('"')[0]
    download = client.get(f"/instance/{link}")
    assert download.status_code == 200 and download.data[:4] in (b"%PDF", b"PK\x03\x04")


def test_an_instansi_template_wins_for_that_instansi_only(factory, templates, accounts, as_user, run_jobs):
    shipped, overrides = templates
    own = overrides / DEMO_KODE
    own.mkdir()
    (own / "_kop_uji.html").write_text('<p class="kop">KOP KHUSUS {{ instansi.kode }}</p>\n', encoding="utf-8")
    build_docx_template(own / "uji_surat.docx", "KOP KHUSUS")
    assert template_files.find("uji_surat", "docx", DEMO_KODE) == own / "uji_surat.docx"
    assert template_files.find("uji_surat", "docx", "LAIN") == shipped / "uji_surat.docx"
    assert template_files.find("uji_surat", "pdf", DEMO_KODE) == shipped / "uji_surat.html"  # its letterhead only
    assert template_files.find("../uji_surat", "pdf", DEMO_KODE) is None

    subject = subject_of(factory, accounts)
    instance_id = start(factory, subject["id"])
    run_jobs()
    admin = _admin(accounts, as_user)
    docs = {d["format"]: d for d in admin.get(f"/instances/{instance_id}/documents").get_json()["documents"]}
    pdf = pdf_text(admin.get(docs["pdf"]["url"][len("/api/v1"):]).data)
    word = docx_text(admin.get(docs["docx"]["url"][len("/api/v1"):]).data)
    assert f"KOP KHUSUS {DEMO_KODE}" in pdf and "KOP BAWAAN" not in pdf
    assert "KOP KHUSUS PEMERINTAH PROVINSI CONTOH" in word and "KOP BAWAAN" not in word


def test_a_task_naming_a_missing_template_is_refused_at_deploy(app, templates):
    source = (DIAGRAMS / "uji_dokumen.bpmn").read_text(encoding="utf-8")
    _parsed, problems = check_sources({"uji_dokumen.bpmn": source.replace('"uji_surat"', '"surat_tidak_ada"')})
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, errors
    assert errors[0].element == "Service_Surat"
    assert "Buat surat keterangan" in errors[0].message and "surat_tidak_ada.html" in errors[0].message
    assert "surat_tidak_ada.docx" in errors[0].message

    _parsed, problems = check_sources({"uji_dokumen.bpmn": source.replace('"keduanya"', '"odt"')})
    assert any(p.element == "Service_Surat" and "format dokumen 'odt'" in p.message for p in problems), problems
    _parsed, problems = check_sources({"uji_dokumen.bpmn": source.replace('"keduanya"', '"pdf"')})
    assert not [p for p in problems if p.severity == "error"]


def test_a_template_only_an_instansi_has_is_accepted_at_deploy(app, templates):
    shipped, overrides = templates
    (overrides / DEMO_KODE).mkdir()
    (overrides / DEMO_KODE / "surat_khusus.html").write_text("<p>{{ judul }}</p>", encoding="utf-8")
    source = (DIAGRAMS / "uji_dokumen.bpmn").read_text(encoding="utf-8")
    source = source.replace('"uji_surat"', '"surat_khusus"').replace('"keduanya"', '"pdf"')
    _parsed, problems = check_sources({"uji_dokumen.bpmn": source})
    assert not [p for p in problems if p.severity == "error"], problems


def test_a_failed_rendering_is_retried_and_shown_to_the_admin(factory, templates, accounts, as_user, run_jobs,
                                                              client):
    from test_pages import Pages

    shipped, _overrides = templates
    subject = subject_of(factory, accounts)
    (shipped / "uji_surat.docx").rename(shipped / "disimpan.docx")  # removed after the deploy
    instance_id = start(factory, subject["id"])
    assert run_jobs()["retry"] == 1
    assert stored(factory) == 0  # no half-made document: neither the PDF nor the DOCX is kept
    admin = _admin(accounts, as_user)
    pending = admin.get(f"/instances/{instance_id}/documents").get_json()["pending"]
    assert len(pending) == 1 and pending[0]["attempts"] == 1 and "uji_surat.docx" in pending[0]["last_error"]
    shown = admin.get("/admin/jobs").get_json()["items"]
    assert any(j["kind"] == "dokumen_proses" and j["ref"] == f"instance:{instance_id}" and j["attempts"] == 1
               for j in shown)

    pages = Pages(client)
    pages.login(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    html = pages.get("/admin/tugas-latar").get_data(as_text=True)
    assert "dokumen_proses" in html and f'href="/admin/instance/{instance_id}"' in html and "uji_surat.docx" in html

    (shipped / "disimpan.docx").rename(shipped / "uji_surat.docx")
    clock.set(clock.now() + dt.timedelta(minutes=5))  # past the backoff
    assert run_jobs()[jobs.DONE] == 1
    assert stored(factory) == 2
    listing = admin.get(f"/instances/{instance_id}/documents").get_json()
    assert listing["pending"] == [] and len(listing["documents"]) == 2


def test_the_instance_ends_in_error_when_the_step_itself_fails(factory, accounts):
    """A bad format computed at run time is the step's error: the instance waits at it, no job is queued."""
    session = factory()
    try:
        source = (DIAGRAMS / "uji_dokumen.bpmn").read_text(encoding="utf-8").replace('"keduanya"', 'format_dokumen')
        with write_transaction(session):
            deploy(session, {"uji_dokumen.bpmn": source}, comment="format dihitung")
        with write_transaction(session):
            instance = start_instance(session, "uji_dokumen", "uji-format", {
                "pegawai_id": subject_of(factory, accounts)["id"], "nomor": 1, "format_dokumen": "odt"}, None)
        session.expire_all()
        row = session.get(Instance, instance.id)
        assert row.status == "error" and row.last_error["element"] == "Service_Surat"
        assert "format dokumen 'odt'" in row.last_error["message"]
        assert session.scalar(select(func.count()).select_from(jobs.Job).where(jobs.Job.kind == "dokumen_proses")) == 0
    finally:
        session.close()
