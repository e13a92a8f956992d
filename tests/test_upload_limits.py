"""Uploads are bounded before they are parsed, and kept under the name of what they are.

An .xlsx "zip bomb" (1.6 MB unpacking to 200 MB of sheet XML) is refused from its zip directory, before
openpyxl reads a byte of it, in the API, the page and the CLI. A PDF sent as ``x.html`` is stored and
offered as ``x.pdf`` with ``application/pdf``.
"""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from test_bukti_dukung import PDF, PNG, opened, upload  # noqa: F401 - fixture
from test_demo_import import GOOD, HEADER, write_csv, write_xlsx
from test_pages import Pages
from test_penilaian import admin_of, two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from app.kinerja import importer

ROW = (b'<row><c t="inlineStr"><is><t>199001012015031099</t></is></c><c t="inlineStr"><is><t>PNS</t></is></c>'
       b'<c t="inlineStr"><is><t>Nama Pegawai</t></is></c></row>')


def zip_bomb(path, megabytes=200):
    """A workbook whose one sheet is ``megabytes`` MB of identical rows, packed with zlib level 1."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                                          'content-types"/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet><sheetData>")
            chunk, written = ROW * 20_000, 0
            while written < megabytes * 2**20:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "pegawai.xlsx")


@pytest.fixture
def no_openpyxl(monkeypatch):
    calls = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **kw: calls.append(a) or pytest.fail("openpyxl called"))
    return calls


def test_the_bomb_is_small_and_unpacks_to_hundreds_of_megabytes(bomb):
    assert bomb.stat().st_size < 3 * 2**20
    with zipfile.ZipFile(bomb) as z:
        assert sum(m.file_size for m in z.infolist()) > 150 * 2**20


def test_api_refuses_a_zip_bomb_before_parsing(as_user, accounts, bomb, no_openpyxl):
    admin = as_user(admin_of(accounts)["nip"])
    for preview in ("?preview=1", ""):
        r = admin.post(f"/organisasi/impor{preview}", json=None, content_type="multipart/form-data",
                       data={"berkas": (io.BytesIO(bomb.read_bytes()), "pegawai.xlsx")})
        assert r.status_code == 422, r.get_json()
        message = r.get_json()["error"]["details"]["fields"]["berkas"]
        assert "setelah dibuka" in message and "Bagi berkas" in message
    assert no_openpyxl == []


def test_page_and_cli_refuse_a_zip_bomb_before_parsing(app, client, accounts, bomb, no_openpyxl):
    from app.cli import main

    pages = Pages(client)
    pages.login(admin_of(accounts)["nip"])
    r = pages.post("/organisasi/impor", {"berkas": (io.BytesIO(bomb.read_bytes()), "pegawai.xlsx")},
                   content_type="multipart/form-data")
    assert r.status_code == 422 and "setelah dibuka" in r.get_data(as_text=True)
    result = app.test_cli_runner().invoke(main, ["import", "pegawai", str(bomb), "--preview"])
    assert result.exit_code != 0 and "setelah dibuka" in result.output
    assert no_openpyxl == []


def test_a_sheet_declaring_too_many_rows_is_refused_before_parsing(tmp_path, no_openpyxl):
    path = tmp_path / "besar.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet><dimension ref="A1:P{importer.MAX_ROWS + 2}"/>'
                                               '<sheetData/></worksheet>')
    with pytest.raises(importer.ValidationFailed) as caught:
        importer._read(path)
    assert f"{importer.MAX_ROWS + 2:,} baris".replace(",", ".") in caught.value.fields["berkas"]
    assert no_openpyxl == []


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_rows_beyond_the_limit_stop_the_reading(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(importer, "MAX_ROWS", 2)
    rows = [HEADER] + GOOD[:3]
    path = (write_csv if suffix == "csv" else write_xlsx)(tmp_path / f"p.{suffix}", rows)
    with pytest.raises(importer.ValidationFailed) as caught:
        importer._read(path)
    # the CSV is counted while it is read; openpyxl writes the sheet's dimension, read before parsing
    assert ("lebih dari 2 baris" if suffix == "csv" else "berisi 4 baris") in caught.value.fields["berkas"]
    importer._read((write_csv if suffix == "csv" else write_xlsx)(tmp_path / f"q.{suffix}", [HEADER] + GOOD[:2]))


def test_a_pdf_sent_as_html_is_stored_and_offered_as_pdf(app, opened):
    kabid, kadis = opened["kabid"], opened["kadis"]
    r = upload(kabid, opened["penilaian_id"], opened["rhk_id"], PDF, "laporan.html")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["nama"] == "laporan.pdf" and body["media_type"] == "application/pdf"
    [stored] = list(opened["dir"].iterdir())
    assert stored.suffix == ".pdf" and stored.read_bytes() == PDF
    got = kadis.get(f"/bukti-dukung/{body['id']}")
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment") and "laporan.pdf" in \
        got.headers["Content-Disposition"] and ".html" not in got.headers["Content-Disposition"]
    for sent, shown in (("foto.jpeg.exe", "foto.jpeg.png"), ("foto", "foto.png"), ("FOTO.PNG", "FOTO.PNG"),
                        (".png", ".png")):
        r = upload(kabid, opened["penilaian_id"], opened["rhk_id"], PNG, sent)
        assert r.status_code == 201 and r.get_json()["nama"] == shown, (sent, r.get_json())


def test_old_rows_with_a_wrong_extension_are_offered_under_the_right_one():
    from app.kinerja.bukti_dukung import BuktiDukung, download_name

    assert download_name(BuktiDukung(nama_asli="x.html", media_type="application/pdf")) == "x.pdf"
    assert download_name(BuktiDukung(nama_asli="scan.JPEG", media_type="image/jpeg")) == "scan.JPEG"
