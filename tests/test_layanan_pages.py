"""The "Mulai layanan" pages and the "Peran per unit" section of the organisasi page, on SQLite and PostgreSQL."""
from __future__ import annotations

import html

from sqlalchemy import select
from test_pages import pages, text  # noqa: F401 - fixture

from app.kinerja.org import Unor
from app.kinerja.unit_roles import PeranUnor
from workflows.models import Instance

DEWI = "199105072015032001"
ADMIN = "199302142019031006"
RUDI = "199003182017081003"
PROCESS = "permohonan_perubahan_skp"


def test_a_pegawai_starts_a_layanan_from_the_pages(app, pages):  # noqa: F811
    pages.login(DEWI)
    home = pages.html("/")
    assert 'href="/layanan"' in home and "Mulai Layanan" in home
    listed = text(pages.html("/layanan"))
    assert "Permohonan perubahan SKP" in listed and "Evaluasi kinerja periodik" not in listed
    form = pages.html(f"/layanan/{PROCESS}")
    assert 'name="jenis_perubahan"' in form and 'name="alasan"' in form
    refused = pages.post(f"/layanan/{PROCESS}", {"jenis_perubahan": "Mengubah target", "alasan": " "})
    assert refused.status_code == 422 and "wajib diisi" in refused.get_data(as_text=True)
    started = pages.post(f"/layanan/{PROCESS}", {"jenis_perubahan": "Mengubah target", "alasan": "Tugas tambahan"})
    assert started.status_code == 302 and started.headers["Location"].endswith("/layanan")
    assert "diteruskan kepada yang berwenang" in text(pages.html("/layanan"))
    session = app.extensions["db_sessionmaker"]()
    try:
        [instance] = session.scalars(select(Instance).where(Instance.process_id == PROCESS)).all()
        assert instance.status == "waiting" and instance.business_key.startswith(f"{PROCESS}:")
    finally:
        session.close()
    assert pages.get("/layanan/skp_perencanaan").status_code == 403
    assert pages.get("/layanan/tidak_ada").status_code == 404
    assert pages.get("/layanan/%3Cscript%3E").status_code == 404


def test_the_admin_assigns_and_revokes_a_unit_role(app, pages):  # noqa: F811
    session = app.extensions["db_sessionmaker"]()
    try:
        sekret = session.scalar(select(Unor.id).where(Unor.kode == "KOMINFO.SEKRET"))
    finally:
        session.close()
    pages.login(RUDI)
    assert pages.post("/organisasi/peran-unit", {"unor_id": sekret, "peran": "verifikator", "nip": RUDI}).status_code == 403
    pages.login(ADMIN)
    assert "Peran per unit" in pages.html("/organisasi")
    bad = pages.post("/organisasi/peran-unit", {"unor_id": sekret, "peran": "verifikator", "nip": "123"})
    assert bad.status_code == 422
    done = pages.post("/organisasi/peran-unit", {"unor_id": sekret, "peran": "verifikator", "nip": RUDI})
    assert done.status_code == 302
    page = text(pages.html("/organisasi"))
    assert "Rudi Hartono" in page and "ditetapkan sebagai verifikator Sekretariat" in page
    session = app.extensions["db_sessionmaker"]()
    try:
        row = session.scalar(select(PeranUnor))
        assert row.ditetapkan_oleh.nip == ADMIN and row.dicabut_at is None
        row_id = row.id
    finally:
        session.close()
    assert pages.post(f"/organisasi/peran-unit/{sekret}/{row_id}/cabut", {}).status_code == 302
    assert pages.post(f"/organisasi/peran-unit/{sekret}/{row_id}/cabut", {}).status_code == 404
    session = app.extensions["db_sessionmaker"]()
    try:
        row = session.get(PeranUnor, row_id)
        assert row.dicabut_at is not None and row.dicabut_oleh.nip == ADMIN
    finally:
        session.close()


def test_an_unresolvable_lane_shows_in_the_admin_console(app, pages):  # noqa: F811
    from test_layanan import LAYANAN_BPMN

    from core.db import write_transaction
    from workflows.definitions import deploy, read_dir

    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        deploy(session, read_dir(LAYANAN_BPMN), comment="uji layanan")
    session.close()
    pages.login(DEWI)
    assert pages.post("/layanan/uji_verifikasi", {}).status_code == 302
    assert "tertahan: Lane &#39;Verifikator&#39;" in pages.html("/layanan")
    session = app.extensions["db_sessionmaker"]()
    try:
        instance_id = session.scalar(select(Instance.id).where(Instance.process_id == "uji_verifikasi"))
    finally:
        session.close()
    pages.login(ADMIN)
    listed = text(pages.html("/admin/instance?ada_error=ya"))
    assert "Uji verifikasi" in listed
    detail = html.unescape(text(pages.html(f"/admin/instance/{instance_id}")))
    assert "Lane 'Verifikator': unit Subbagian Umum dan Kepegawaian belum memiliki verifikator" in detail
