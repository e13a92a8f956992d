"""Every GET route with an id, walked as people of another instansi: 403 or 404, never A's data, never 500.

The routes come from ``app.url_map`` (API and pages), so a new route with an id argument makes this test
fail until FILL says which real object of instansi A fills it; each filled URL must first answer 200 to
someone of instansi A, so a filler that points at nothing cannot pass unnoticed.
"""
from __future__ import annotations

import io
import re

from conftest import DEMO_PASSWORD, find
from test_bukti_dukung import PDF, opened, upload  # noqa: F401 - fixture
from test_pages import Pages
from test_penilaian import admin_of, two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from core.db import write_transaction

ADMIN_B, PEGAWAI_B = "199001012015031099", "199101012016031088"
SUPERADMIN_A, OWNER_A = "199801012022031002", "197711052002121003"
PUBLIC_FILES = {"/static/<path:filename>", "/aset/<path:filename>"}
# Definitions and forms belong to no instansi: a reader elsewhere may see them, but never A's instances.
GLOBAL = {"/api/v1/admin/definitions/<int:definition_id>/elements", "/admin/definisi/<definition_id>",
          # a national process anyone may start (Mulai Layanan): every instansi sees it, none sees A's instances
          "/api/v1/processes/<process_id>", "/layanan/<process_id>",
          # the public verification of an archived document: anyone holding the printed code, no login
          "/verifikasi/<kode>", "/api/v1/verifikasi/<kode>"}
KODE_VERIFIKASI = "UJIVERIFIKASIAAA"
# Routes whose argument must name something else than the walk's default value.
RULE_VALUES = {"/api/v1/processes/<process_id>": {"process_id": "permohonan_perubahan_skp"},
               "/layanan/<process_id>": {"process_id": "permohonan_perubahan_skp"}}
QUERIES = {"/api/v1/definitions/<process_id>/diff": "?from={version}&to={version}",
           "/api/v1/tim-kerja/<int:tim_id>/rencana-aksi": "?periode_id={periode_id}",
           "/tim-kerja/<tim_id>/rencana-aksi": "?periode_id={periode_id}",
           "/meja-kerja/<process_id>/beda": "?dari={version}&ke={version}"}
FORMATS = {"document": "pdf", "dokumen": "pdf", "dokumen-evaluasi": "pdf", "matriks": "docx"}


def second_instansi(app) -> None:
    from app.kinerja.org import Akun, Instansi, Jabatan, Pegawai, Unor
    from app.kinerja.password import hash_password

    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        lain = Instansi(kode="LAIN", nama="Instansi Lain", jenis="DAERAH", lokasi="Kota Lain")
        unor = Unor(instansi=lain, kode="LAIN.1", nama="Biro Lain")
        for nip, roles, leader in ((ADMIN_B, ["admin_kinerja"], True), (PEGAWAI_B, [], False)):
            jabatan = Jabatan(unor=unor, nama=f"Jabatan {nip[-3:]}", jenis_jabatan="PELAKSANA",
                              is_pimpinan_unor=False)
            pegawai = Pegawai(instansi=lain, nip=nip, jenis_asn="PNS", nama=f"Pegawai {nip[-3:]}", jabatan=jabatan,
                              status_kepegawaian="AKTIF")
            session.add_all([unor, jabatan, pegawai,
                             Akun(pegawai=pegawai, password_hash=hash_password(DEMO_PASSWORD, fast=True),
                                  roles=roles)])
    session.close()


def fillers(app, accounts, as_user, opened) -> dict:  # noqa: F811
    """Real objects of instansi A for each argument name of a route."""
    from sqlalchemy import select

    from app.kinerja import demo
    from app.kinerja.tim_kerja import TimKerja
    from workflows.models import Instance, ProcessDefinition

    kabid, kadis = opened["kabid"], opened["kadis"]
    penilaian = kabid.get(f"/penilaian/{opened['penilaian_id']}").get_json()
    r = upload(kabid, opened["penilaian_id"], opened["rhk_id"], PDF, "laporan.pdf")
    assert r.status_code == 201, r.get_json()
    bukti_id = r.get_json()["id"]
    kegiatan = kabid.client.post("/api/v1/kegiatan-harian", headers=kabid.headers, content_type="multipart/form-data",
                                 data={"tanggal": "2026-01-27", "rhk_id": str(opened["rhk_id"]), "uraian": "Rapat",
                                       "berkas": (io.BytesIO(PDF), "notulen.pdf")})
    assert kegiatan.status_code == 201, kegiatan.get_json()
    aplikasi = find(accounts, "Kepala Bidang Aplikasi")
    dialog = kadis.post("/dialog-kinerja", json={"topik": "Capaian", "tanggal": "2026-04-02",
                                                 "peserta": [aplikasi["nip"]]})
    assert dialog.status_code == 201, dialog.get_json()
    admin = as_user(admin_of(accounts)["nip"])
    batch = admin.post("/admin/batches", json={"filter": {}, "action": "resume",
                                               "reason": "uji"})
    assert batch.status_code == 201, batch.get_json()
    [task] = kabid.get("/tasks").get_json()[:1]
    session = app.extensions["db_sessionmaker"]()
    try:
        berkas_id = _form_file(app, session, kabid.nip, task["id"])
        instance = session.get(Instance, task["instance_id"])
        definition = session.get(ProcessDefinition, instance.definition_id)
        values = {"skp_id": penilaian["skp_id"], "penilaian_id": opened["penilaian_id"],
                  "periode_id": penilaian["periode"]["id"],
                  "bukti_id": bukti_id, "berkas_id": berkas_id, "dialog_id": dialog.get_json()["id"], "batch_id": batch.get_json()["id"],
                  "kegiatan_id": kegiatan.get_json()["id"],
                  "task_id": task["id"], "instance_id": instance.id, "definition_id": definition.id,
                  "process_id": definition.process_id, "version": definition.version,
                  "name": sorted(definition.sources)[0], "key": "skp-editor",
                  "nip": next(a["nip"] for a in accounts if a["jenis_jabatan"] == "FUNGSIONAL"),
                  "unor_id": instance.unor_id, "dokumen_id": _document_of(session, instance),
                  "tim_id": session.scalar(select(TimKerja.id).where(TimKerja.nama == demo.TIM_KERJA[1])),
                  "kode": KODE_VERIFIKASI}
    finally:
        session.close()
    return values


def _document_of(session, instance) -> int:
    """A document the instance made from a template (``buat_dokumen``), stored as the job would store it."""
    from app.documents.process_documents import DokumenProses
    from workflows import clock

    with write_transaction(session):
        row = DokumenProses(instance_id=instance.id, instansi_id=instance.instansi_id,
                            subject_pegawai_id=instance.subject_pegawai_id, template="uji", judul="Uji",
                            nama_berkas="uji.pdf", format="pdf", sha256="0" * 64, content=b"%PDF-1.4 uji",
                            kode_verifikasi=KODE_VERIFIKASI, created_at=clock.now())
        session.add(row)
        session.flush()
        return row.id


def _form_file(app, session, nip, task_id) -> int:
    """A file uploaded through a task's form (the generic task page's file fields)."""
    import io
    from pathlib import Path

    from sqlalchemy import select

    from app.kinerja.berkas_formulir import simpan
    from app.kinerja.org import Pegawai

    pegawai_id = session.scalar(select(Pegawai.id).where(Pegawai.nip == nip))
    row = simpan(session, pegawai_id, task_id, "lampiran", io.BytesIO(PDF), "lampiran.pdf",
                 Path(app.config["BUKTI_DUKUNG_DIR"]), 1024 * 1024)
    return row.id


def url_of(rule, values: dict) -> str | None:
    values = {**values, **RULE_VALUES.get(rule.rule, {})}
    args = {}
    for name in rule.arguments:
        if name == "fmt":
            args[name] = FORMATS.get(rule.rule.rsplit("/", 1)[-1].split(".")[0], "pdf")
        elif name in values:
            args[name] = values[name]
        else:
            return None
    path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(args[m.group(1)]), rule.rule)
    return path + QUERIES.get(rule.rule, "").format(**values)


def caller(app, nip):
    """GET as ``nip``: a bearer token under /api/v1, a logged-in session for the pages."""
    client = app.test_client()
    Pages(client).login(nip)
    token = client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    return lambda url: client.get(url, headers=headers if url.startswith("/api/") else {})


def test_every_get_route_with_an_id_refuses_another_instansi(app, accounts, as_user, opened):  # noqa: F811
    values = fillers(app, accounts, as_user, opened)
    second_instansi(app)
    insiders = [caller(app, nip) for nip in (find(accounts, "Kepala Bidang Aplikasi")["nip"],
                                             find(accounts, "Kepala Dinas")["nip"], admin_of(accounts)["nip"],
                                             SUPERADMIN_A, OWNER_A)]
    outsiders = {"admin kinerja B": caller(app, ADMIN_B), "pegawai B": caller(app, PEGAWAI_B)}
    rules = [r for r in app.url_map.iter_rules() if r.arguments and "GET" in r.methods
             and r.rule not in PUBLIC_FILES]
    unfilled = [r.rule for r in rules if url_of(r, values) is None]
    assert not unfilled, f"routes with an argument this walk cannot fill; add them to fillers(): {unfilled}"
    assert len(rules) > 40
    refused = []
    for rule in sorted(rules, key=lambda r: r.rule):
        url = url_of(rule, values)
        statuses = [ask(url).status_code for ask in insiders]
        assert 200 in statuses, f"{url}: nobody of instansi A can read it ({statuses}); fix its filler"
        for who, ask in outsiders.items():
            r = ask(url)
            text = r.get_data(as_text=True)
            assert r.status_code < 500, (who, url, text[:300])
            if rule.rule in GLOBAL:
                assert r.status_code in (200, 403, 404) and values["nip"] not in text, (who, url)
            else:
                assert r.status_code in (403, 404), (who, url, r.status_code, text[:300])
                refused.append(url)
    assert "/api/v1/instances/%d" % values["instance_id"] in refused
