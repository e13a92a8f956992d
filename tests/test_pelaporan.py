"""Pelaporan kinerja (bpmn/pelaporan_kinerja.bpmn, no Python of its own) through the JSON API, on SQLite and
PostgreSQL: the admin kinerja assigns verifikator and operator per unit, starts the report of a year; each unit's
verifikator verifies and its operator collects; the admin finalises and the report file (CSV and XLSX, one row per
pegawai, NIP as text) is made and archived. The clock is moved for the reminders, the escalation and the deadline.
A unit without verifikator puts the instance in error naming the unit, and assigning one lets it go on.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from app import jobs
from app.kinerja.angka_kredit import AngkaKredit
from app.kinerja.org import Pegawai, Unor
from app.kinerja.penilaian import Penilaian, Periode
from app.kinerja.skp import Skp
from app.notifications.models import Notification
from core.db import write_transaction
from workflows import clock, lanes
from workflows.models import Instance
from workflows.timers import fire_due

from conftest import DEMO_TAHUN

PROCESS = "pelaporan_kinerja"
ADMIN = "199302142019031006"  # admin kinerja (BKD)
SEKDA = "196804121993031001"  # the only pegawai of the top unit (Sekretariat Daerah)
HENDRA = "197103151997031002"  # Kepala Dinas Kominfo (JPT over Kominfo)
ENDANG = "197002101995032001"  # Kepala BKD (JPT over BKD and over the admin)
AGUS, DEWI = "198002142005011004", "199105072015032001"  # Kominfo: verifikator, operator
WULAN, AISYAH = "198703172011012004", "199608082020122011"  # BKD: verifikator, operator
ANDI = "198505052010011007"  # Pranata Komputer Ahli Muda (jabatan fungsional): angka kredit
KODE = {"SETDA": SEKDA, "KOMINFO": AGUS, "BKD": WULAN}
OPERATOR = {"SETDA": SEKDA, "KOMINFO": DEWI, "BKD": AISYAH}
FINAL = {DEWI: "BAIK", ANDI: "SANGAT_BAIK", AISYAH: "BAIK"}


@pytest.fixture
def factory(app):
    return app.extensions["db_sessionmaker"]


def _unor_ids(factory) -> dict[str, int]:
    session = factory()
    try:
        return dict(session.execute(select(Unor.kode, Unor.id)).all())
    finally:
        session.close()


def prepare_year(factory, admin) -> None:
    """The annual period of the demo year and three final annual penilaian (Andi with his angka kredit)."""
    made = admin.post("/periode", json={"nama": f"Tahunan {DEMO_TAHUN}", "jenis": "TAHUNAN",
                                        "periode_awal": f"{DEMO_TAHUN}-01-01", "periode_akhir": f"{DEMO_TAHUN}-12-31",
                                        "batas_pengisian": f"{DEMO_TAHUN + 1}-01-15"})
    assert made.status_code == 201, made.get_json()
    session = factory()
    with write_transaction(session):
        periode = session.get(Periode, made.get_json()["id"])
        for nip, predikat in FINAL.items():
            p = session.scalar(select(Pegawai).where(Pegawai.nip == nip))
            skp = Skp(instansi_id=p.instansi_id, pegawai_id=p.id, tahun=DEMO_TAHUN, periode_awal=periode.periode_awal,
                      periode_akhir=periode.periode_akhir, jabatan_id=p.jabatan_id, unor_id=p.jabatan.unor_id,
                      pendekatan="KUANTITATIF", jenis_skp="JA_JF", status="SELESAI")
            session.add(skp)
            session.flush()
            row = Penilaian(skp_id=skp.id, periode_id=periode.id, status="FINAL", predikat=predikat,
                            rating_hasil_kerja="SESUAI", rating_perilaku="SESUAI")
            session.add(row)
            session.flush()
            if nip == ANDI:
                session.add(AngkaKredit(pegawai_id=p.id, penilaian_id=row.id, sumber="PENILAIAN",
                                        periode_awal=periode.periode_awal, periode_akhir=periode.periode_akhir,
                                        jumlah_bulan=12, jf_jenjang="AHLI_MUDA", predikat=predikat,
                                        persentase=Decimal("150"), koefisien=Decimal("25"), ak=Decimal("37.5"),
                                        created_at=clock.now()))
    session.close()


def assign(admin, unor_id: int, peran: str, nip: str):
    response = admin.post(f"/unor/{unor_id}/peran", json={"peran": peran, "nip": nip})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def tasks_of(api, instance_id) -> list[dict]:
    return [t for t in api.get("/tasks").get_json() if t["instance_id"] == instance_id]


def complete(api, task, data) -> None:
    done = api.post(f"/tasks/{task['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()


def notifications(factory, nip, kind) -> list[Notification]:
    session = factory()
    try:
        return list(session.scalars(select(Notification).join(Pegawai, Pegawai.id == Notification.pegawai_id)
                                    .where(Pegawai.nip == nip, Notification.kind == kind)))
    finally:
        session.close()


def instance_of(factory, instance_id) -> Instance:
    session = factory()
    try:
        return session.get(Instance, instance_id)
    finally:
        session.close()


def start(admin, tahun=DEMO_TAHUN) -> dict:
    started = admin.post(f"/processes/{PROCESS}/instances", json={"data": {"tahun": tahun}})
    assert started.status_code == 201, started.get_json()
    return started.get_json()


def test_the_whole_chain_with_reminders_escalation_deadline_and_the_report_file(factory, as_user, run_jobs):
    admin = as_user(ADMIN)
    prepare_year(factory, admin)
    units = _unor_ids(factory)
    for kode in ("SETDA", "KOMINFO", "BKD"):
        assign(admin, units[kode], "verifikator", KODE[kode])
        assign(admin, units[kode], "operator", OPERATOR[kode])
    assert any(p["id"] == PROCESS for p in admin.get("/processes").get_json())
    assert all(p["id"] != PROCESS for p in as_user(DEWI).get("/processes").get_json())  # pemulai: admin kinerja
    assert as_user(DEWI).post(f"/processes/{PROCESS}/instances", json={"data": {"tahun": 2026}}).status_code == 403
    bad = admin.post(f"/processes/{PROCESS}/instances", json={"data": {"tahun": "dua ribu"}})
    assert bad.status_code == 422 and "tahun" in bad.get_json()["error"]["details"]["fields"]

    clock.set(f"{DEMO_TAHUN + 1}-01-20T09:00:00+07:00")
    body = start(admin)
    instance_id = body["id"]
    assert body["status"] == "waiting", body

    # one verification task per unit kerja, for that unit's verifikator, due on the batas verifikasi
    agus, wulan, sekda = as_user(AGUS), as_user(WULAN), as_user(SEKDA)
    [verify_kominfo] = tasks_of(agus, instance_id)
    assert verify_kominfo["title"] == f"Verifikasi penilaian kinerja Dinas Komunikasi dan Informatika {DEMO_TAHUN}"
    assert verify_kominfo["due_at"].startswith(f"{DEMO_TAHUN + 1}-02-14")
    [verify_bkd] = tasks_of(wulan, instance_id)
    [verify_setda] = [t for t in tasks_of(sekda, instance_id) if t["form"] == "verifikasi-penilaian-unit"]
    assert tasks_of(as_user(DEWI), instance_id) == []  # the operator acts after the verifikator
    assert tasks_of(admin, instance_id) == []

    # the verifikator sees the unit's pegawai with their predikat (only final ones) and angka kredit
    detail = agus.get(f"/tasks/{verify_kominfo['id']}").get_json()
    rows = {r["nip"]: r for r in detail["data"]["baris_unit"]}
    assert rows[DEWI]["predikat"] == "Baik" and rows[ANDI]["predikat"] == "Sangat Baik"
    assert rows[ANDI]["angka_kredit"] == 37.5 and rows[DEWI]["angka_kredit"] is None
    assert rows[AGUS]["predikat"] == "" and rows[AGUS]["final"] is False
    assert HENDRA in rows and WULAN not in rows  # the unit and the units under it only

    # seven days before the batas verifikasi every verifikator with an open task is reminded
    clock.set(f"{DEMO_TAHUN + 1}-02-07T09:00:00+07:00")
    fire_due(factory)
    for nip in (AGUS, WULAN, SEKDA):
        [reminder] = notifications(factory, nip, "pengingat_tugas")
        assert "Verifikasi penilaian kinerja" in reminder.subject, reminder.subject
    assert notifications(factory, DEWI, "pengingat_tugas") == []

    # Kominfo verifies (once asking for a correction: the rows are read again) and collects in time
    complete(agus, verify_kominfo, {"keputusan_verifikasi": "PERBAIKI", "catatan_verifikasi": "Periksa ulang"})
    [again] = tasks_of(agus, instance_id)
    complete(agus, again, {"keputusan_verifikasi": "VALID", "catatan_verifikasi": "Lengkap"})
    [collect] = tasks_of(as_user(DEWI), instance_id)
    assert collect["form"] == "kumpulkan-penilaian-unit"
    complete(as_user(DEWI), collect, {"catatan_operator": "Diteruskan"})
    complete(sekda, verify_setda, {"keputusan_verifikasi": "VALID"})

    # the batas verifikasi passes with BKD unverified: its JPT and the admin kinerja are told, Kominfo's JPT not
    clock.set(f"{DEMO_TAHUN + 1}-02-15T09:00:00+07:00")
    fire_due(factory)
    assert len(notifications(factory, ENDANG, "eskalasi_tugas")) == 1
    assert len(notifications(factory, ADMIN, "eskalasi_tugas")) == 1
    assert notifications(factory, HENDRA, "eskalasi_tugas") == []
    assert "Badan Kepegawaian Daerah" in notifications(factory, ENDANG, "eskalasi_tugas")[0].subject

    # end of February passes before every unit is collected: the admin and the JPT above him are told once
    clock.set(f"{DEMO_TAHUN + 1}-03-01T09:00:00+07:00")
    fire_due(factory)
    assert len(notifications(factory, ADMIN, "tenggat_terlewat")) == 1
    assert len(notifications(factory, ENDANG, "tenggat_terlewat")) == 1

    complete(wulan, verify_bkd, {"keputusan_verifikasi": "VALID"})
    [collect_bkd] = tasks_of(as_user(AISYAH), instance_id)
    complete(as_user(AISYAH), collect_bkd, {})
    [collect_setda] = [t for t in tasks_of(sekda, instance_id) if t["form"] == "kumpulkan-penilaian-unit"]
    complete(sekda, collect_setda, {})

    [final] = tasks_of(admin, instance_id)
    assert final["form"] == "finalisasi-laporan-kinerja" and final["due_at"].startswith(f"{DEMO_TAHUN + 1}-02-28")
    fire_due(factory)  # the finalisation's own deadline timer is already due: not told a second time
    assert len(notifications(factory, ADMIN, "tenggat_terlewat")) == 1
    refused = admin.post(f"/tasks/{final['id']}/complete", json={"data": {"finalkan": False}})
    assert refused.status_code == 422 and "finalkan" in refused.get_json()["error"]["details"]["fields"]
    complete(admin, final, {"finalkan": True, "catatan_admin": "Dikirim ke BKN"})
    assert instance_of(factory, instance_id).status == "completed"

    # the report file, made after commit and archived with the instance
    assert run_jobs()[jobs.DONE] == 1
    listing = admin.get(f"/instances/{instance_id}/documents").get_json()
    by_format = {d["format"]: d for d in listing["documents"]}
    assert set(by_format) == {"csv", "xlsx"}
    assert by_format["xlsx"]["nama_berkas"] == f"laporan-kinerja-{DEMO_TAHUN}.xlsx"
    xlsx = admin.get(by_format["xlsx"]["url"][len("/api/v1"):])
    assert xlsx.status_code == 200 and xlsx.headers["ETag"] == by_format["xlsx"]["sha256"]
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    header = [c.value for c in sheet[1]]
    assert header == ["NIP", "Nama", "Jabatan", "Unit Kerja", "Periode", "Predikat Kinerja", "Angka Kredit"]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    session = factory()
    active = set(session.scalars(select(Pegawai.nip).where(Pegawai.status_kepegawaian == "AKTIF",
                                                           Pegawai.jabatan_id.is_not(None))))
    session.close()
    assert set(cells) == active and sheet.max_row == len(active) + 1  # every active pegawai, once
    for nip, row in cells.items():
        assert row[0].data_type == "s" and row[0].number_format == "@" and len(nip) == 18 and nip.isdigit()
    assert cells[ANDI][5].value == "Sangat Baik" and cells[ANDI][6].value == 37.5
    assert cells[DEWI][5].value == "Baik" and cells[DEWI][4].value == f"Tahunan {DEMO_TAHUN}"
    assert cells[HENDRA][5].value in (None, "")

    text = admin.get(by_format["csv"]["url"][len("/api/v1"):])
    assert text.status_code == 200 and text.mimetype == "text/csv"
    raw = text.data.decode("utf-8-sig")
    assert f'"{ANDI}"' in raw  # quoted: a spreadsheet keeps it as text
    parsed = list(csv.reader(io.StringIO(raw)))
    assert parsed[0][0] == "NIP" and len(parsed) == len(active) + 1
    assert {r[0] for r in parsed[1:]} == set(cells)
    andi = next(r for r in parsed if r[0] == ANDI)
    assert andi[5] == "Sangat Baik" and andi[6] == "37.5"


def test_a_unit_without_verifikator_puts_the_instance_in_error_until_one_is_assigned(factory, as_user):
    admin = as_user(ADMIN)
    prepare_year(factory, admin)
    units = _unor_ids(factory)
    for kode in ("KOMINFO", "BKD"):  # the Sekretariat Daerah gets nobody
        assign(admin, units[kode], "verifikator", KODE[kode])
    body = start(admin)
    instance = instance_of(factory, body["id"])
    assert instance.status == "error"
    assert "Sekretariat Daerah Provinsi Contoh belum memiliki verifikator" in instance.last_error["message"]
    assert instance.last_error["element"] == "Task_Verifikasi"
    shown = admin.get(f"/admin/instances/{body['id']}").get_json()
    assert body["status"] == "error" and body["last_error"]["message"] == instance.last_error["message"]
    assert shown["status"] == "error" and shown["error"]["message"] == instance.last_error["message"]
    assert instance.last_error["message"].startswith("Lane 'Unit kerja (verifikator dan operator)': unit ")

    assign(admin, units["SETDA"], "verifikator", SEKDA)  # the instance goes on by itself
    assert instance_of(factory, body["id"]).status == "waiting"
    assert [t["form"] for t in tasks_of(as_user(SEKDA), body["id"])] == ["verifikasi-penilaian-unit"]


def test_a_unit_relation_is_checked_at_deploy_and_resolved_from_the_data(factory):
    assert lanes.expression_problem("peran:verifikator(unit:unit_kerja.unor_id)") is None
    assert lanes.expression_problem("kepala_unit+1(unit:unor_id)|jpt(unit:unor_id)") is None
    assert "tidak dapat diterapkan pada unit" in lanes.expression_problem("pejabat_penilai(unit:unor_id)")
    assert lanes.expression_problem("peran:operator(unit:)") is not None
    units = _unor_ids(factory)
    session = factory()
    try:
        hendra, endang = (session.scalar(select(Pegawai.id).where(Pegawai.nip == n)) for n in (HENDRA, ENDANG))
        data = {"unit": {"unor_id": units["KOMINFO.APTIKA"]}}
        assert lanes.resolve(session, "x", data, "kepala_unit+1(unit:unit.unor_id)") == [hendra]
        assert endang in lanes.resolve(session, "x", {"u": units["BKD.PKPK"]}, "jpt(unit:u)")
        with pytest.raises(lanes.LaneUnresolved) as missing:
            lanes.resolve(session, "Verifikator", {"u": units["BKD"]}, "peran:verifikator(unit:u)")
        assert "Badan Kepegawaian Daerah belum memiliki verifikator" in missing.value.message
        with pytest.raises(lanes.LaneUnresolved) as no_field:
            lanes.resolve(session, "Verifikator", {}, "peran:verifikator(unit:u)")
        assert "'u' tidak berisi id unit" in no_field.value.message
    finally:
        session.close()


def test_a_table_template_is_a_checked_column_spec(app, tmp_path, monkeypatch):
    """``buat_dokumen`` with format csv/xlsx/tabel needs ``<name>.table.json``; a bad spec is refused at deploy."""
    from app.documents import tables, template_files

    monkeypatch.setitem(template_files.SETTINGS, "shipped", tmp_path)
    params = {"template": {"value": '"uji_tabel"'}, "format": {"value": '"tabel"'}}
    assert "uji_tabel.table.json tidak ada" in template_files.deploy_problem(params)
    (tmp_path / "uji_tabel.table.json").write_text('{"baris": "data.baris", "kolom": [{"judul": "NIP"}]}')
    assert "kolom 1 ('NIP'): 'isi'" in template_files.deploy_problem(params)
    (tmp_path / "uji_tabel.table.json").write_text(
        '{"baris": "data.baris", "kolom": [{"judul": "NIP", "isi": "nip", "teks": true}, {"judul": "AK", "isi": "ak"}]}')
    assert template_files.deploy_problem(params) is None
    assert "format dokumen 'xls' tidak dikenal" in template_files.deploy_problem({**params, "format": {"value": '"xls"'}})
    assert "'lembar'" in tables.spec_problem({"baris": "x", "kolom": [{"judul": "A", "isi": "a"}], "lembar": "a/b"})

    context = {"data": {"baris": [{"nip": "199105072015032001", "ak": 12.5}, {"nip": "000000000000000001"}]}}
    book = openpyxl.load_workbook(io.BytesIO(tables.render(tmp_path / "uji_tabel.table.json", "xlsx", context)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows == [("NIP", "AK"), ("199105072015032001", 12.5), ("000000000000000001", None)]
    text = tables.render(tmp_path / "uji_tabel.table.json", "csv", context).decode("utf-8-sig")
    assert text.splitlines() == ['"NIP","AK"', '"199105072015032001",12.5', '"000000000000000001",""']
