"""Bukti dukung upload: size limit, types by content, storage outside the web root, who may download."""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from conftest import DEMO_TAHUN, find
from sqlalchemy import func, select
from test_penilaian import admin_of, open_first_period, task_with_form, two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from app.kinerja.bukti_dukung import BuktiDukung
from workflows import clock

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        if kind in ("odt", "ods"):
            z.writestr("mimetype", f"application/vnd.oasis.opendocument.{'text' if kind == 'odt' else 'spreadsheet'}")
            z.writestr("content.xml", "<x/>")
        else:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr({"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}[kind],
                       "<x/>")
    return buffer.getvalue()


@pytest.fixture
def opened(app, accounts, as_user, two_approved, tmp_path):  # noqa: F811
    """The January period opened; the Kabid's realisasi task is open; files go to a fresh directory."""
    app.config["BUKTI_DUKUNG_DIR"] = str(tmp_path / "bukti")
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    _, result = open_first_period(accounts, as_user)
    kabid_acc = find(accounts, "Kepala Bidang Aplikasi")
    kabid = as_user(kabid_acc["nip"])
    penilaian_id = next(r["penilaian_id"] for r in result["hasil"] if r["skp_id"] == two_approved["kabid"])
    rhk_id = kabid.get(f"/penilaian/{penilaian_id}").get_json()["rhk"][0]["id"]
    return {"kabid": kabid, "kadis": as_user(find(accounts, "Kepala Dinas")["nip"]), "penilaian_id": penilaian_id,
            "rhk_id": rhk_id, "dir": tmp_path / "bukti"}


def upload(api, penilaian_id, rhk_id, content: bytes, name: str):
    return api.post(f"/penilaian/{penilaian_id}/bukti-dukung", json=None,
                    data={"rhk_id": str(rhk_id), "berkas": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")


def rows_and_files(app, directory):
    session = app.extensions["db_sessionmaker"]()
    try:
        rows = session.scalar(select(func.count()).select_from(BuktiDukung))
    finally:
        session.close()
    return rows, sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx", "odt", "ods"])
def test_office_documents_are_recognised_by_content(app, opened, kind):
    r = upload(opened["kabid"], opened["penilaian_id"], opened["rhk_id"], office(kind), f"laporan.{kind}")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["media_type"].endswith({"docx": "wordprocessingml.document", "xlsx": "spreadsheetml.sheet",
                                                "pptx": "presentationml.presentation", "odt": "opendocument.text",
                                                "ods": "opendocument.spreadsheet"}[kind])


def test_upload_download_by_penilai_and_strangers(app, accounts, as_user, opened):
    kabid, kadis = opened["kabid"], opened["kadis"]
    r = upload(kabid, opened["penilaian_id"], opened["rhk_id"], PDF, "../../etc/Laporan Januari.pdf")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["nama"] == "Laporan Januari.pdf" and body["media_type"] == "application/pdf"
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["ukuran"] == len(PDF)
    stored = list(opened["dir"].iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == PDF and "Laporan" not in stored[0].name
    shown = kabid.get(f"/penilaian/{opened['penilaian_id']}").get_json()["rhk"][0]["bukti_dukung"]
    assert [b["id"] for b in shown] == [body["id"]]

    got = kadis.get(f"/bukti-dukung/{body['id']}")  # the pejabat penilai
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert "attachment" in got.headers["Content-Disposition"] and got.headers["X-Content-Type-Options"] == "nosniff"
    admin = as_user(admin_of(accounts)["nip"])
    assert admin.get(f"/bukti-dukung/{body['id']}").status_code == 200
    stranger = as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert stranger.get(f"/bukti-dukung/{body['id']}").status_code == 404
    assert upload(stranger, opened["penilaian_id"], opened["rhk_id"], PNG, "x.png").status_code == 404
    assert upload(kadis, opened["penilaian_id"], opened["rhk_id"], PNG, "x.png").status_code == 403
    assert kadis.client.delete(f"/api/v1/bukti-dukung/{body['id']}", headers=kadis.headers).status_code == 403
    assert kabid.client.get(f"/api/v1/bukti-dukung/{body['id']}").status_code == 401

    # deleting while the task is open removes row and file
    assert kabid.client.delete(f"/api/v1/bukti-dukung/{body['id']}", headers=kabid.headers).status_code == 204
    assert rows_and_files(app, opened["dir"]) == (0, [])


def test_too_large_and_forbidden_types_store_nothing(app, opened):
    kabid, pid, rhk = opened["kabid"], opened["penilaian_id"], opened["rhk_id"]
    app.config["BUKTI_DUKUNG_MAX_MB"] = 1
    big = upload(kabid, pid, rhk, PDF + b"0" * (1024 * 1024), "besar.pdf")
    assert big.status_code == 422
    assert "1 MB" in big.get_json()["error"]["details"]["fields"]["berkas"]
    assert rows_and_files(app, opened["dir"]) == (0, [])

    exe = upload(kabid, pid, rhk, b"MZ\x90\x00\x03" + b"\x00" * 100, "laporan.pdf")  # an .exe renamed .pdf
    assert exe.status_code == 422 and exe.get_json()["error"]["message"] == "Jenis berkas tidak diizinkan"
    assert exe.get_json()["error"]["details"]["fields"]["berkas"].startswith("hanya PDF")
    html = upload(kabid, pid, rhk, b"<!doctype html><script>alert(1)</script>", "laporan.html")
    assert html.status_code == 422
    fake_zip = upload(kabid, pid, rhk, office("docx").replace(b"[Content_Types].xml", b"[Content_Typez].xml"), "a.docx")
    assert fake_zip.status_code == 422
    other_rhk = upload(kabid, pid, 999999, PDF, "laporan.pdf")
    assert other_rhk.status_code == 422 and "rhk_id" in other_rhk.get_json()["error"]["details"]["fields"]
    empty = kabid.post(f"/penilaian/{pid}/bukti-dukung", data={"rhk_id": str(rhk)}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "berkas" in empty.get_json()["error"]["details"]["fields"]
    assert rows_and_files(app, opened["dir"]) == (0, [])


def test_no_change_after_the_realisasi_is_sent(app, opened):
    kabid, pid, rhk = opened["kabid"], opened["penilaian_id"], opened["rhk_id"]
    first = upload(kabid, pid, rhk, PNG, "foto.png").get_json()
    task = task_with_form(kabid, "realisasi")
    sent = kabid.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(rhk): {"realisasi": "1 laporan"}},
                                                                      "kirim": True}})
    assert sent.status_code == 200
    assert upload(kabid, pid, rhk, PDF, "telat.pdf").status_code == 409
    assert kabid.client.delete(f"/api/v1/bukti-dukung/{first['id']}", headers=kabid.headers).status_code == 409
    assert rows_and_files(app, opened["dir"])[0] == 1
    assert opened["kadis"].get(f"/bukti-dukung/{first['id']}").data == PNG
