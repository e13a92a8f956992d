"""What every page shares: the signed-session login, CSRF on form posts, error pages in Bahasa Indonesia."""
from __future__ import annotations

import datetime as dt
import logging
import secrets

from flask import g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from app import get_session
from app.auth import actor_from_cookie
from core.db import COLLISION_MESSAGE, RETRY_AFTER_SECONDS, UNAVAILABLE_ERRORS, collided, end_after_unavailable
from core.errors import DomainError
from workflows import clock

from . import web

PUBLIC_ENDPOINTS = {"web.login", "web.healthz", "web.static", "web.assets", "web.favicon", "web.verifikasi_page",
                    "web.verifikasi_form"}
CSRF_MESSAGE = "Sesi formulir kedaluwarsa, muat ulang halaman"
ERROR_TITLES = {400: "Permintaan tidak valid", 403: "Akses ditolak", 404: "Tidak ditemukan",
                405: "Metode tidak diizinkan", 409: "Tidak dapat diproses", 413: "Permintaan terlalu besar",
                422: "Data tidak valid", 429: "Terlalu banyak permintaan", 500: "Terjadi kesalahan pada server",
                503: "Layanan sedang tidak tersedia"}
ERROR_MESSAGES = {400: "Permintaan tidak valid.", 403: "Anda tidak berwenang membuka halaman ini.",
                  404: "Halaman atau data yang Anda cari tidak ditemukan.",
                  405: "Metode tidak diizinkan untuk alamat ini.", 413: "Permintaan terlalu besar.",
                  500: "Terjadi kesalahan pada server; sudah dicatat.",
                  503: "Basis data sedang tidak dapat dihubungi, sehingga permintaan ini tidak dapat diproses. "
                       "Coba lagi beberapa saat lagi."}
ROLE_LABEL = {"pegawai": "Pegawai", "pejabat_penilai": "Pejabat Penilai", "jpt": "JPT",
              "admin_kinerja": "Admin Kinerja", "process_owner": "Pemilik Proses", "superadmin": "Superadmin",
              "ppk": "PPK"}


def csrf_token() -> str:
    token = session.get("csrf_token")
    if not token:
        token = session["csrf_token"] = secrets.token_urlsafe(32)
    return token


@web.app_template_global()
def csrf_field():
    from markupsafe import Markup, escape

    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(csrf_token())}">')


@web.app_template_filter("tanggal")
def tanggal(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return clock.local_text(value)
    return value.strftime("%d-%m-%Y")


@web.app_template_filter("desimal")
def desimal(value, digits: int = 1) -> str:
    """A number as Indonesians write it: decimal comma, thousands point (66,7; 1.234,5); whole numbers bare."""
    if value is None or value == "":
        return "—"
    number = float(value)
    text = f"{number:,.0f}" if number == int(number) else f"{number:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


# The words a pegawai reads for a field path in an error summary ("rhk[0].iki[1].target" →
# "RHK 1 · IKI 2 · Target"); a name not listed reads as itself with spaces ("bukti_dukung" → "Bukti dukung").
FIELD_WORDS = {
    "rhk": "RHK", "iki": "IKI", "rhk_atasan_id": "RHK atasan yang diintervensi", "deskripsi": "Uraian",
    "indikator": "Indikator", "target": "Target", "aspek": "Aspek", "perspektif": "Perspektif",
    "klasifikasi": "Klasifikasi", "jenis": "Jenis", "lampiran": "Lampiran", "pendekatan": "Pendekatan",
    "periode_awal": "Awal periode", "periode_akhir": "Akhir periode", "batas_pengisian": "Batas pengisian",
    "rating_hasil_kerja": "Rating hasil kerja", "rating_perilaku": "Rating perilaku kerja",
    "ekspektasi_khusus": "Ekspektasi khusus", "realisasi": "Realisasi", "umpan_balik": "Umpan balik",
    "catatan": "Catatan", "keputusan": "Keputusan", "alasan": "Alasan", "berkas": "Berkas", "nip": "NIP",
    "tmt": "TMT", "tahun": "Tahun", "nama": "Nama", "topik": "Topik", "tanggal": "Tanggal", "peserta": "Peserta",
    "rencana_aksi": "Rencana aksi", "tautan": "Tautan", "jabatan_id": "Jabatan", "data": "Isian",
}


@web.app_template_filter("lokasi")
def lokasi(path: str) -> str:
    """Where a field error is, in words: each ``name[i]`` part becomes "Name i+1"."""
    import re

    words = []
    for part in str(path).split("."):
        match = re.fullmatch(r"([^\[\]]*)((?:\[\d+\])*)", part)
        name, indexes = (match.group(1), re.findall(r"\d+", match.group(2))) if match else (part, [])
        label = FIELD_WORDS.get(name) or (name.replace("_", " ").capitalize() if name else "")
        if indexes:
            words.append(" ".join([label, *[str(int(i) + 1) for i in indexes]]).strip())
        elif label:
            words.append(label)
    return " · ".join(words) or str(path)


@web.app_template_filter("galat_id")
def galat_id(path: str) -> str:
    """The id of a field's error message, which the error summary links to."""
    import re

    return "galat-" + re.sub(r"[^A-Za-z0-9]+", "-", str(path)).strip("-")


@web.app_template_filter("tenggat")
def tenggat(value) -> str:
    """A due date as the instansi's date it was set to (the process stores the end of that local day)."""
    return clock.local_date(value).strftime("%d-%m-%Y") if value is not None else "—"


@web.app_template_filter("role_label")
def role_label(role: str) -> str:
    return ROLE_LABEL.get(role, role)


_RELATION_LABEL = {"pemulai": "yang memulai", "pegawai": "pegawai", "pejabat_penilai": "pejabat penilai",
                   "atasan_pejabat_penilai": "atasan pejabat penilai", "kepala_unit": "kepala unit", "jpt": "JPT",
                   "ketua_tim": "ketua tim"}


@web.app_template_filter("pelaksana")
def pelaksana(value: str | None) -> str:
    """Who does a task, in words: a lane's name as it is, a ``pelaksana`` expression (what a task outside any
    lane stores, e.g. ``pemulai`` or ``kepala_unit+1|jpt``) described ("Kepala unit 1 tingkat di atas atau JPT")."""
    from workflows import lanes

    text = (value or "").strip()
    if not text or any(c.isupper() or c == " " for c in text):
        return text or "—"
    try:
        alternatives = lanes.parse(text)
    except ValueError:
        return text
    words = []
    for alt in alternatives:
        if alt.relation == "peran":
            word = f"peran {alt.argument}"
        elif alt.relation == "nip":
            word = f"NIP {alt.argument}" if alt.argument.isdigit() else f"NIP pada data '{alt.argument}'"
        else:
            word = _RELATION_LABEL.get(alt.relation, alt.relation.replace("_", " "))
            if alt.levels:
                word += f" {alt.levels} tingkat di atas"
        if alt.of:
            word += f" dari {_RELATION_LABEL[alt.of]}"
        words.append(word)
    described = " atau ".join(words)
    return described[:1].upper() + described[1:]


def render_error(status: int, message: str | None = None, fields: dict | None = None):
    return render_template("error.html", status=status, title=ERROR_TITLES.get(status, "Kesalahan"),
                           message=message or ERROR_MESSAGES.get(status, ""), fields=fields or {}), status


@web.before_request
def _guard():
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sent = request.form.get("csrf_token", "")
        expected = session.get("csrf_token", "")
        if not expected or not sent or not secrets.compare_digest(str(sent), str(expected)):
            return render_error(400, CSRF_MESSAGE)
    g.actor = actor_from_cookie(get_session(), session.get("akun_id"), session.get("sesi_versi"))
    if g.actor is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if session.get("akun_id"):  # logged out elsewhere, password changed or sessions revoked
            session.pop("akun_id", None)
            session.pop("sesi_versi", None)
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    return None


@web.context_processor
def _context():
    return {"actor": g.get("actor")}


@web.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    get_session().rollback()
    return render_error(exc.status, exc.message, exc.details.get("fields"))


@web.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.code == 429 and request.endpoint == "web.login":  # throttled (app/security.py): say so on the form
        return render_template("login.html", nip=request.form.get("nip", ""), error=exc.description,
                               next=request.args.get("next", "")), 429
    return render_error(exc.code or 400)


def _database_unavailable(exc: Exception):
    if collided(exc):
        get_session().rollback()
        return render_error(409, COLLISION_MESSAGE)
    end_after_unavailable(get_session(), exc)
    g.pop("actor", None)  # the page must not read the signed-in pegawai from the database again
    body, status = render_error(503)
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


for _error in UNAVAILABLE_ERRORS:
    web.register_error_handler(_error, _database_unavailable)


@web.errorhandler(Exception)
def _unexpected(exc: Exception):
    get_session().rollback()
    logging.getLogger("ekinerja").exception("unexpected error in a page")
    return render_error(500)


def parse_id(value: str) -> int:
    """A numeric id from the URL, or the 404 page."""
    from app.request_input import id_or_404

    return id_or_404(value)
