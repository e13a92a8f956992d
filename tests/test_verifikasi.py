"""Verifiable archived documents (issue 16 item 9): every archived copy carries a code and a QR code that open
the public page /verifikasi/<kode> (SHA-256 of the stored file, signers, time, BERLAKU / DIGANTIKAN); with an
instansi certificate (PKCS#12) the archived PDF is signed PAdES and validates."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import docx
import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select
from test_pages import Pages
from test_outbox import _admin, _approve_kadis, _docx_text, _pdf_text
from test_browser import base_url, browser  # noqa: F401 - fixtures
from test_process_documents import factory, start, subject_of, templates  # noqa: F401 - fixtures

from app.documents import verifikasi
from app.documents.process_documents import DokumenProses
from app.kinerja.skp import DokumenArsip, Skp


def _qr_urls(pdf: bytes) -> list[str]:
    """Every QR code on the PDF's pages, read from the rendered page image (as a phone camera would)."""
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        found += [b.text for b in zxingcpp.read_barcodes(page.render(scale=2).to_numpy())]
    return found


def _rows(app, model, *where):
    session = app.extensions["db_sessionmaker"]()
    try:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))
    finally:
        session.close()


def _instansi_kode(app, skp_id: int) -> str:
    session = app.extensions["db_sessionmaker"]()
    try:
        return session.get(Skp, skp_id).pegawai.instansi.kode
    finally:
        session.close()


def test_the_qr_of_an_archived_skp_opens_its_verification_page(app, accounts, as_user, client, run_jobs):
    skp_id, kadis, _ = _approve_kadis(accounts, as_user)
    assert run_jobs()["done"] == 1
    pdf = kadis.get(f"/skp/{skp_id}/document.pdf?archived=1").data
    word = kadis.get(f"/skp/{skp_id}/document.docx?archived=1").data

    [address] = _qr_urls(pdf)
    base = app.config["PUBLIC_URL"]
    assert address.startswith(f"{base}/verifikasi/")
    kode = address.rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-Z2-7]{16}", kode)
    rows = _rows(app, DokumenArsip, DokumenArsip.skp_id == skp_id)
    assert {r.kode_verifikasi for r in rows} == {kode}  # both files of the archiving share the code
    shown = verifikasi.tampil(kode)
    assert shown in _pdf_text(pdf) and shown in _docx_text(word)  # printed for typing too
    assert len(docx.Document(io.BytesIO(word)).inline_shapes) >= 1  # the QR picture in the DOCX

    # the page, without logging in: the hash of the very file downloaded, the signers, BERLAKU
    page = client.get(f"/verifikasi/{kode}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert hashlib.sha256(pdf).hexdigest() in html and hashlib.sha256(word).hexdigest() in html
    assert "BERLAKU" in html and "DIGANTIKAN" not in html
    kadis_account = next(a for a in accounts if a["nip"] == rows[0].verifikasi["pegawai"]["nip"])
    assert kadis_account["nama"] in html and kadis_account["nip"] not in html  # the NIP is masked
    assert "*" * 14 + kadis_account["nip"][-4:] in html

    # the API says the same, also without a token, for the code as a person types it
    body = client.get(f"/api/v1/verifikasi/{shown.lower()}").get_json()
    assert body["status"] == "BERLAKU" and body["kode"] == kode
    assert {b["format"]: b["sha256"] for b in body["berkas"]} == {
        "pdf": hashlib.sha256(pdf).hexdigest(), "docx": hashlib.sha256(word).hexdigest()}
    perans = [p["peran"] for p in body["penandatangan"]]
    assert perans[0] == "Pegawai yang dinilai" and perans[1].startswith("Pejabat penilai")
    assert body["penandatangan"][1]["waktu"] is not None
    assert all(b["tanda_tangan_elektronik"] is None for b in body["berkas"])  # no certificate configured

    # the SKP page links to it
    pages = Pages(app.test_client())
    pages.login(kadis_account["nip"])
    assert f'href="/verifikasi/{kode}"' in pages.client.get(f"/skp/{skp_id}").get_data(as_text=True)

    # after a rollback the copy is superseded; a new approval archives a new code
    assert _admin(accounts, as_user).post(f"/skp/{skp_id}/rollback", json={"reason": "Revisi"}).status_code == 200
    assert client.get(f"/api/v1/verifikasi/{kode}").get_json()["status"] == "DIGANTIKAN"
    assert "DIGANTIKAN" in client.get(f"/verifikasi/{kode}").get_data(as_text=True)


def test_unknown_codes_and_the_code_form(client):
    assert client.get("/verifikasi/AAAAAAAAAAAAAAAA").status_code == 404
    r = client.get("/api/v1/verifikasi/bukan-kode")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert "tidak dikenal" in r.get_json()["error"]["message"]
    assert client.get("/verifikasi").status_code == 200
    r = client.get("/verifikasi?kode=abcd-efgh-ijkl-mnop")
    assert r.status_code == 302 and r.headers["Location"].endswith("/verifikasi/ABCDEFGHIJKLMNOP")
    r = client.get("/verifikasi?kode=123")
    assert r.status_code == 422 and "16 huruf" in r.get_data(as_text=True)


def test_verification_is_rate_limited_per_address(database_url):
    from app import create_app

    limited = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "x",
                          "EKINERJA_VERIFIKASI_LIMIT": "3 per minute", "JOBS_AFTER_RESPONSE": False})
    try:
        c = limited.test_client()
        codes = [c.get("/api/v1/verifikasi/AAAAAAAAAAAAAAAA").status_code for _ in range(2)]
        codes.append(c.get("/verifikasi/AAAAAAAAAAAAAAAA").status_code)  # page and API share the limit
        assert codes == [404, 404, 404]
        r = c.get("/api/v1/verifikasi/AAAAAAAAAAAAAAAA")
        assert r.status_code == 429 and r.get_json()["error"]["code"] == "too_many_requests"
        assert "Retry-After" in r.headers
        assert c.get("/verifikasi/AAAAAAAAAAAAAAAA").status_code == 429
    finally:
        limited.extensions["db_engine"].dispose()


# ---------------------------------------------------------------- PAdES with an instansi certificate


def _self_signed_p12(path, passphrase: bytes):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sertifikat Uji Instansi"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Provinsi Contoh")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"uji", key, cert, None,
                                                           serialization.BestAvailableEncryption(passphrase)))
    return cert.public_bytes(serialization.Encoding.DER)


def _validate(pdf: bytes, root_der: bytes):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(root_der)])
    return signature, validate_pdf_signature(signature, context)


def test_with_an_instansi_certificate_the_archived_pdf_is_signed_pades(app, accounts, as_user, client, run_jobs,
                                                                        tmp_path, monkeypatch):
    skp_id, kadis, _ = _approve_kadis(accounts, as_user)
    root = _self_signed_p12(tmp_path / f"{_instansi_kode(app, skp_id)}.p12", b"rahasia-uji")
    monkeypatch.setitem(verifikasi.SETTINGS, "p12_dir", tmp_path)
    monkeypatch.setitem(verifikasi.SETTINGS, "passphrase", "rahasia-uji")
    assert run_jobs()["done"] == 1
    pdf = kadis.get(f"/skp/{skp_id}/document.pdf?archived=1").data

    signature, status = _validate(pdf, root)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert "Sertifikat Uji Instansi" in status.signing_cert.subject.human_friendly

    [address] = _qr_urls(pdf)  # the QR survives signing
    body = client.get(f"/api/v1/verifikasi/{address.rsplit('/', 1)[1]}").get_json()
    berkas = {b["format"]: b for b in body["berkas"]}
    assert berkas["pdf"]["sha256"] == hashlib.sha256(pdf).hexdigest()  # the hash of the signed, stored file
    assert "Sertifikat Uji Instansi" in berkas["pdf"]["tanda_tangan_elektronik"]
    assert berkas["docx"]["tanda_tangan_elektronik"] is None

    # a tampered copy no longer validates
    tampered = bytearray(pdf)
    tampered[signature.byte_range[1] // 2] ^= 0x01  # a byte the signature covers
    _, broken = _validate(bytes(tampered), root)
    assert not broken.intact


def test_a_certificate_that_cannot_be_opened_fails_the_job_visibly(app, accounts, as_user, run_jobs, tmp_path,
                                                                   monkeypatch):
    skp_id, kadis, _ = _approve_kadis(accounts, as_user)
    _self_signed_p12(tmp_path / f"{_instansi_kode(app, skp_id)}.p12", b"rahasia-uji")
    (tmp_path / f"{_instansi_kode(app, skp_id)}.pass").write_text("salah\n")  # its own file wins over the env
    monkeypatch.setitem(verifikasi.SETTINGS, "p12_dir", tmp_path)
    monkeypatch.setitem(verifikasi.SETTINGS, "passphrase", "rahasia-uji")
    result = run_jobs()
    assert result["done"] == 0
    assert _rows(app, DokumenArsip, DokumenArsip.skp_id == skp_id) == []  # never archived unsigned
    r = kadis.get(f"/skp/{skp_id}/document.pdf?archived=1")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "document_pending"


# ---------------------------------------------------------------- documents made by a process


def test_a_process_document_carries_its_code_and_qr(factory, accounts, as_user, client, run_jobs):
    subject = subject_of(factory, accounts)
    first = start(factory, subject["id"], nomor=17)
    assert run_jobs()["done"] == 1
    [pdf_row] = [r for r in _rows_f(factory, DokumenProses.instance_id == first) if r.format == "pdf"]
    [address] = _qr_urls(pdf_row.content)
    kode = address.rsplit("/", 1)[1]
    assert kode == pdf_row.kode_verifikasi
    body = client.get(f"/api/v1/verifikasi/{kode}").get_json()
    assert body["status"] == "BERLAKU" and body["judul"] == "Surat Keterangan Uji"
    assert body["pegawai"]["nama"] == subject["nama"] and body["pegawai"]["nip_tersamar"].endswith(subject["nip"][-4:])
    assert {b["format"]: b["sha256"] for b in body["berkas"]}["pdf"] == hashlib.sha256(pdf_row.content).hexdigest()
    assert pdf_row.sha256 == hashlib.sha256(pdf_row.content).hexdigest()
    assert "BERLAKU" in client.get(f"/verifikasi/{kode}").get_data(as_text=True)
    listed = as_user(subject["nip"]).get(f"/instances/{first}/documents").get_json()["documents"]
    assert {d["kode_verifikasi"] for d in listed} == {kode}
    assert {d["verifikasi_url"] for d in listed} == {address}


def _rows_f(factory, *where):
    session = factory()
    try:
        return list(session.scalars(select(DokumenProses).where(*where).order_by(DokumenProses.id)))
    finally:
        session.close()


@pytest.mark.browser
def test_the_verification_page_fits_a_phone_and_a_wide_screen(app, accounts, as_user, run_jobs, base_url,  # noqa: F811
                                                               browser):  # noqa: F811
    skp_id, _, _ = _approve_kadis(accounts, as_user)
    assert run_jobs()["done"] == 1
    [row] = _rows(app, DokumenArsip, DokumenArsip.skp_id == skp_id, DokumenArsip.format == "pdf")
    for width, height in ((375, 812), (1366, 900)):
        page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=width < 500)
        page.set_default_timeout(15000)
        page.goto(f"{base_url}/verifikasi/{row.kode_verifikasi}")  # no login
        page.wait_for_load_state("load")
        assert page.locator("#status").inner_text().startswith("BERLAKU")
        assert page.locator("#sha256-pdf").inner_text() == row.sha256
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        page.close()
