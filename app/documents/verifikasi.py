"""Verifiable archived documents: a short code and a QR code printed on every archived copy, a public
verification page, and (when the instansi has a certificate) a PAdES signature on the archived PDF.

The archiving jobs (``skp.ARCHIVE_JOB``, ``process_documents.JOB``) pick a code before rendering, print it
(``stamp``: the block at the end of the PDF and of the DOCX), sign the PDF (``sign_pdf``) and only then hash
the files, so the SHA-256 shown on ``/verifikasi/<kode>`` is the one of the stored final file. Both files of
one archiving (PDF and DOCX) share the code. What the public page shows is frozen at archiving time in the
rows' ``verifikasi`` JSON; only the status (BERLAKU, DIGANTIKAN, DICABUT) is computed when asked.
"""
from __future__ import annotations

import base64
import io
import re
import secrets
from functools import lru_cache
from pathlib import Path

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

SETTINGS: dict = {"public_url": "http://127.0.0.1:5000", "p12_dir": None, "passphrase": ""}
KODE = re.compile(r"^[A-Z2-7]{16}$")  # 10 random bytes in base32: 80 bits, never guessed
STATUS_LABEL = {"BERLAKU": "Berlaku", "DIGANTIKAN": "Digantikan", "DICABUT": "Dicabut"}
SIGNATURE_FIELD = "TandaTanganElektronik"


def configure(public_url: str, p12_dir: str | Path | None, passphrase: str = "") -> None:
    SETTINGS["public_url"] = (public_url or SETTINGS["public_url"]).rstrip("/")
    SETTINGS["p12_dir"] = Path(p12_dir) if p12_dir else None
    SETTINGS["passphrase"] = passphrase or ""


# ---------------------------------------------------------------- the code and what is printed


def new_kode() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def normal(kode: str) -> str | None:
    """The code as stored, from what a person typed ("abcd-efgh …"), or None when it cannot be one."""
    text = re.sub(r"[\s-]+", "", str(kode or "")).upper()
    return text if KODE.match(text) else None


def tampil(kode: str) -> str:
    return "-".join(kode[i:i + 4] for i in range(0, len(kode), 4))


def url(kode: str) -> str:
    return f"{SETTINGS['public_url']}/verifikasi/{kode}"


def stamp(kode: str) -> dict:
    """What a document prints: the code (grouped), its address and the QR code of that address (PNG)."""
    import segno

    out = io.BytesIO()
    segno.make(url(kode), error="m").save(out, kind="png", scale=8, border=2)
    return {"kode": kode, "kode_tampil": tampil(kode), "url": url(kode), "png": out.getvalue()}


TEKS = "Keaslian dokumen ini dapat diperiksa dengan memindai kode QR atau membuka {url} (kode verifikasi {kode})."


def html_block(mark: dict) -> str:
    """The block appended to a document's HTML before printing (sizes 1/0.75 larger for wkhtmltopdf)."""
    uri = "data:image/png;base64," + base64.b64encode(mark["png"]).decode("ascii")
    text = escape(TEKS.format(url=mark["url"], kode=mark["kode_tampil"]))
    return ('<div class="verifikasi" style="margin-top:16px;page-break-inside:avoid;font-size:14px;'
            'border-top:1px solid #999;padding-top:6px">'
            f'<img src="{uri}" alt="QR verifikasi" style="width:130px;height:130px;float:left;margin-right:10px">'
            f'<div><b>Kode verifikasi: {escape(mark["kode_tampil"])}</b><br>{text}</div>'
            '<div style="clear:both"></div></div>')


def add_to_html(html: str, mark: dict) -> str:
    block = html_block(mark)
    end = html.lower().rfind("</body>")
    return html + block if end < 0 else html[:end] + block + html[end:]


def add_to_docx(document, mark: dict) -> None:
    """Append the block to a python-docx document (after the signatures)."""
    from docx.shared import Mm, Pt

    picture = document.add_paragraph()
    picture.add_run().add_picture(io.BytesIO(mark["png"]), width=Mm(30))
    text = document.add_paragraph()
    text.add_run(f"Kode verifikasi: {mark['kode_tampil']}").bold = True
    text.add_run("\n" + TEKS.format(url=mark["url"], kode=mark["kode_tampil"]))
    for run in text.runs:
        run.font.size = Pt(8)


# ---------------------------------------------------------------- the electronic signature (PAdES)


def certificate(instansi_kode: str | None) -> Path | None:
    """``EKINERJA_SIGN_P12_DIR/<instansi kode>.p12`` when it exists."""
    folder = SETTINGS["p12_dir"]
    if folder is None or not instansi_kode or not re.match(r"^[A-Za-z0-9_-]{1,100}$", instansi_kode):
        return None
    path = folder / f"{instansi_kode}.p12"
    return path if path.is_file() else None


def _passphrase(path: Path) -> bytes | None:
    own = path.with_suffix(".pass")  # <kode>.pass beside the certificate wins over EKINERJA_SIGN_P12_PASSPHRASE
    text = own.read_text().strip() if own.is_file() else SETTINGS["passphrase"]
    return text.encode() if text else None


@lru_cache(maxsize=16)
def _signer(path: str, mtime_ns: int, passphrase: bytes | None):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(pfx_file=path, passphrase=passphrase)
    if signer is None:
        raise RuntimeError(f"sertifikat {path} tidak dapat dibuka (berkas PKCS#12 rusak atau kata sandi salah)")
    return signer


def sign_pdf(pdf: bytes, instansi_kode: str | None) -> tuple[bytes, str | None]:
    """The PDF signed PAdES with the instansi's certificate and the certificate's subject, or the PDF unchanged
    and None when the instansi has none. A certificate that cannot be opened raises (the job retries and
    shows the error); an archive is never silently left unsigned while a certificate is configured."""
    path = certificate(instansi_kode)
    if path is None:
        return pdf, None
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    signer = _signer(str(path), path.stat().st_mtime_ns, _passphrase(path))
    meta = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, subfilter=SigSeedSubFilter.PADES,
                                        reason="Arsip dokumen e-Kinerja", md_algorithm="sha256")
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return out.getvalue(), signer.signing_cert.subject.human_friendly


def finish(files: dict[str, bytes], instansi_kode: str | None) -> tuple[dict[str, bytes], str | None]:
    """Sign the PDF among freshly rendered files (if the instansi has a certificate)."""
    subject = None
    if "pdf" in files:
        files = dict(files)
        files["pdf"], subject = sign_pdf(files["pdf"], instansi_kode)
    return files, subject


# ---------------------------------------------------------------- the public view


def masked_nip(nip: str | None) -> str:
    """Only the last four digits: enough to compare with the printed copy, not the birth date in a NIP."""
    nip = str(nip or "")
    return "*" * max(0, len(nip) - 4) + nip[-4:] if nip else ""


def person(peran: str, who: dict | None) -> dict | None:
    """One party as frozen in ``verifikasi`` (full NIP stored, masked when shown)."""
    if not who or not who.get("nama"):
        return None
    return {"peran": peran, "nama": who.get("nama") or "", "nip": who.get("nip") or "",
            "jabatan": who.get("jabatan") or ""}


def _rows(session: Session, kode: str) -> list:
    from app.kinerja.skp import DokumenArsip

    from .process_documents import DokumenProses

    for model in (DokumenArsip, DokumenProses):
        rows = list(session.scalars(select(model).where(model.kode_verifikasi == kode).order_by(model.id)))
        if rows:
            return rows
    return []


def _skp_status(session: Session, row) -> tuple[str, str]:
    from app.kinerja.skp import DokumenArsip, Skp, SkpRiwayat

    skp = session.get(Skp, row.skp_id)
    if skp.status == "DIBATALKAN":
        return "DICABUT", "SKP ini telah dibatalkan."
    later = SkpRiwayat.id > row.riwayat_id if row.riwayat_id is not None else SkpRiwayat.at > row.created_at
    reopened = session.scalar(select(SkpRiwayat).where(
        SkpRiwayat.skp_id == skp.id, later,
        (SkpRiwayat.action == "setujui") | SkpRiwayat.to_status.in_(("DRAFT", "DIKEMBALIKAN", "DIAJUKAN")))
        .order_by(SkpRiwayat.id).limit(1))
    if reopened is None:
        return "BERLAKU", "Dokumen ini adalah arsip persetujuan SKP yang berlaku."
    newer = session.scalar(select(DokumenArsip.id).where(DokumenArsip.skp_id == skp.id, DokumenArsip.id > row.id)
                           .limit(1))
    return "DIGANTIKAN", ("SKP ini telah disetujui kembali dengan isi yang baru; dokumen ini digantikan."
                          if newer else "Persetujuan SKP ini telah dibuka kembali (rollback); dokumen ini "
                          "tidak berlaku lagi.")


def _proses_status(session: Session, row) -> tuple[str, str]:
    from .process_documents import DokumenProses

    newer = session.scalar(select(DokumenProses.id).where(
        DokumenProses.instance_id == row.instance_id, DokumenProses.template == row.template,
        DokumenProses.bpmn_id == row.bpmn_id, DokumenProses.format == row.format, DokumenProses.id > row.id).limit(1))
    if newer is not None:
        return "DIGANTIKAN", "Proses ini telah membuat dokumen yang lebih baru; dokumen ini digantikan."
    return "BERLAKU", "Dokumen ini adalah versi terakhir yang dibuat oleh prosesnya."


def lookup(session: Session, kode: str) -> dict:
    """The public view of a code; NotFound when it is malformed or unknown (the same answer for both)."""
    from app.kinerja.skp import DokumenArsip
    from app.kinerja.views import iso
    from core.errors import NotFound

    found = normal(kode)
    rows = _rows(session, found) if found else []
    if not rows:
        raise NotFound("Kode verifikasi tidak dikenal: dokumen ini tidak tercatat di e-Kinerja")
    first = rows[0]
    info = first.verifikasi or {}
    status, keterangan = (_skp_status if isinstance(first, DokumenArsip) else _proses_status)(session, first)
    pegawai = info.get("pegawai") or {}
    return {
        "kode": found, "kode_tampil": tampil(found), "jenis": info.get("jenis") or "", "judul": info.get("judul") or "",
        "instansi": info.get("instansi") or "",
        "pegawai": {"nama": pegawai.get("nama") or "", "nip_tersamar": masked_nip(pegawai.get("nip")),
                    "jabatan": pegawai.get("jabatan") or ""} if pegawai else None,
        "penandatangan": [{"peran": p["peran"], "nama": p["nama"], "nip_tersamar": masked_nip(p.get("nip")),
                           "jabatan": p.get("jabatan") or "", "waktu": p.get("waktu")}
                          for p in info.get("penandatangan") or []],
        "waktu_arsip": iso(first.created_at),
        "status": status, "status_label": STATUS_LABEL[status], "keterangan": keterangan,
        "berkas": [{"format": r.format, "sha256": r.sha256, "ukuran": len(r.content),
                    "tanda_tangan_elektronik": (r.verifikasi or {}).get("sertifikat")} for r in rows],
    }
