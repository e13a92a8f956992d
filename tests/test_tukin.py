"""Tukin / TPP: the year × month matrix of final monthly predikat with the instansi's percentage per predikat,
through the API (JSON, XLSX, CSV with NIPs as text) and the monitoring page's link, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io

import openpyxl
from sqlalchemy import func, select

from app.kinerja.org import Pegawai
from app.kinerja.penilaian import Penilaian, Periode
from app.kinerja.skp import Skp
from app.kinerja.tukin import TukinPersentase
from core.db import write_transaction

from conftest import DEMO_TAHUN
from test_pages import Pages
from test_pelaporan import ADMIN, ANDI, DEWI, WULAN, _unor_ids

# (nip, month, status, predikat): Dewi's March is evaluated but not final, so it is not in the matrix
PENILAIAN = [(DEWI, 1, "FINAL", "BAIK"), (DEWI, 2, "FINAL", "SANGAT_BAIK"), (DEWI, 3, "DINILAI", "KURANG"),
             (ANDI, 1, "FINAL", "BUTUH_PERBAIKAN")]


def monthly_penilaian(factory, admin) -> None:
    periode = {}
    for month in (1, 2, 3):
        made = admin.post("/periode", json={"nama": f"Bulan {month}", "jenis": "BULANAN",
                                            "periode_awal": f"{DEMO_TAHUN}-0{month}-01",
                                            "periode_akhir": f"{DEMO_TAHUN}-0{month}-{[31, 28, 31][month - 1]}",
                                            "batas_pengisian": f"{DEMO_TAHUN}-0{month + 1}-10"})
        assert made.status_code == 201, made.get_json()
        periode[month] = made.get_json()["id"]
    session = factory()
    with write_transaction(session):
        skp = {}
        for nip in (DEWI, ANDI):
            p = session.scalar(select(Pegawai).where(Pegawai.nip == nip))
            skp[nip] = Skp(instansi_id=p.instansi_id, pegawai_id=p.id, tahun=DEMO_TAHUN,
                           periode_awal=session.get(Periode, periode[1]).periode_awal,
                           periode_akhir=session.get(Periode, periode[3]).periode_akhir, jabatan_id=p.jabatan_id,
                           unor_id=p.jabatan.unor_id, pendekatan="KUANTITATIF", jenis_skp="JA_JF", status="DISETUJUI")
            session.add(skp[nip])
        session.flush()
        for nip, month, status, predikat in PENILAIAN:
            session.add(Penilaian(skp_id=skp[nip].id, periode_id=periode[month], status=status, predikat=predikat))
    session.close()


def test_the_matrix_with_the_instansi_percentages_as_json_xlsx_and_csv(app, as_user):
    factory = app.extensions["db_sessionmaker"]
    admin = as_user(ADMIN)
    monthly_penilaian(factory, admin)
    assert admin.get("/tukin/persentase").get_json()["persen"] == {
        "SANGAT_BAIK": None, "BAIK": None, "BUTUH_PERBAIKAN": None, "KURANG": None, "SANGAT_KURANG": None}

    bad = admin.client.put("/api/v1/tukin/persentase", headers=admin.headers,
                           json={"persen": {"LUAR_BIASA": 5, "BAIK": 120, "KURANG": "x", "SANGAT_BAIK": 100}})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["fields"]) == {"persen.LUAR_BIASA", "persen.BAIK", "persen.KURANG"}
    session = factory()
    assert session.scalar(select(func.count()).select_from(TukinPersentase)) == 0  # nothing half-written
    session.close()
    put = admin.client.put("/api/v1/tukin/persentase", headers=admin.headers,
                           json={"persen": {"SANGAT_BAIK": 100, "BAIK": 100, "BUTUH_PERBAIKAN": 80.5, "KURANG": 60}})
    assert put.status_code == 200, put.get_json()
    removed = admin.client.put("/api/v1/tukin/persentase", headers=admin.headers, json={"persen": {"KURANG": None}})
    assert removed.get_json()["persen"]["KURANG"] is None and removed.get_json()["persen"]["BUTUH_PERBAIKAN"] == 80.5

    data = admin.get(f"/tukin?tahun={DEMO_TAHUN}").get_json()
    rows = {r["nip"]: r for r in data["pegawai"]}
    dewi = rows[DEWI]["bulan"]
    assert [(m["predikat"], m["persen"]) for m in dewi[:4]] == [("BAIK", 100.0), ("SANGAT_BAIK", 100.0), (None, None),
                                                                (None, None)]
    assert rows[ANDI]["bulan"][0] == {"bulan": 1, "predikat": "BUTUH_PERBAIKAN", "predikat_label": "Butuh Perbaikan",
                                      "persen": 80.5}
    assert len(dewi) == 12 and WULAN in rows

    kominfo = admin.get(f"/tukin?tahun={DEMO_TAHUN}&unor_id={_unor_ids(factory)['KOMINFO']}").get_json()
    assert DEWI in {r["nip"] for r in kominfo["pegawai"]} and WULAN not in {r["nip"] for r in kominfo["pegawai"]}

    xlsx = admin.get(f"/tukin?tahun={DEMO_TAHUN}&format=xlsx")
    assert xlsx.status_code == 200 and f"predikat-bulanan-{DEMO_TAHUN}.xlsx" in xlsx.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["NIP", "Nama", "Jabatan", "Unit Kerja", "Jan predikat", "Jan %"] and len(header) == 28
    by_nip = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(by_nip) == set(rows)
    for nip, row in by_nip.items():
        assert row[0].data_type == "s" and row[0].number_format == "@" and len(nip) == 18
    assert [c.value for c in by_nip[DEWI][4:8]] == ["Baik", 100, "Sangat Baik", 100]

    text = admin.get(f"/tukin?tahun={DEMO_TAHUN}&format=csv").data.decode("utf-8-sig")
    assert f'"{DEWI}"' in text
    parsed = {r[0]: r for r in list(csv.reader(io.StringIO(text)))[1:]}
    assert parsed[ANDI][4:6] == ["Butuh Perbaikan", "80.5"] and set(parsed) == set(rows)


def test_only_the_admin_and_bad_parameters_are_named(as_user):
    admin, dewi = as_user(ADMIN), as_user(DEWI)
    assert dewi.get(f"/tukin?tahun={DEMO_TAHUN}").status_code == 403
    assert dewi.client.put("/api/v1/tukin/persentase", headers=dewi.headers,
                           json={"persen": {"BAIK": 1}}).status_code == 403
    missing = admin.get("/tukin")
    assert missing.status_code == 422 and "tahun" in missing.get_json()["error"]["details"]["fields"]
    assert "format" in admin.get(f"/tukin?tahun={DEMO_TAHUN}&format=pdf").get_json()["error"]["details"]["fields"]
    assert admin.get(f"/tukin?tahun={DEMO_TAHUN}&unor_id=999999").status_code == 404
    assert admin.client.put("/api/v1/tukin/persentase", headers=admin.headers, json=[]).status_code in (400, 422)


def test_the_monitoring_page_links_the_export_for_the_admin(app, client, as_user):
    admin = as_user(ADMIN)
    monthly_penilaian(app.extensions["db_sessionmaker"], admin)
    pages = Pages(client)
    pages.login(ADMIN)
    html = pages.html("/monitoring")
    link = f"/monitoring/tukin?tahun={DEMO_TAHUN}&amp;format=xlsx"
    assert link in html
    download = pages.get(link.replace("&amp;", "&"))
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(download.data)).active["A2"].data_type == "s"
    pages.login(DEWI)
    assert pages.get(f"/monitoring/tukin?tahun={DEMO_TAHUN}&format=csv").status_code == 403
