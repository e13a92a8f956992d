"""Admin pages for organisation changes: import with a preview of the tasks that move, PLT/PLH."""
from __future__ import annotations

import secrets
import time
from pathlib import Path

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from app import get_session
from core.errors import ValidationFailed
from app.kinerja import cascade, org_change, penilai, penugasan, unit_roles
from app.kinerja.org import Jabatan, Unor
from app.request_input import as_id, as_year

from . import web
from .common import parse_id

UPLOADS = "impor-organisasi"


def _upload_path(token: str) -> Path:
    """Where a previewed upload waits for its confirmation; uploads nobody confirmed go after a day."""
    folder = Path(current_app.instance_path) / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - 86400:
            old.unlink(missing_ok=True)
    return folder / token


def _page(**extra):
    db = get_session()
    org_change.require_admin(g.actor, g.actor.pegawai.instansi_id)
    leaders = db.scalars(select(Jabatan).join(Unor).where(Unor.instansi_id == g.actor.pegawai.instansi_id,
                                                          Jabatan.is_pimpinan_unor.is_(True)).order_by(Unor.kode))
    instansi_id = g.actor.pegawai.instansi_id
    return render_template("organisasi.html", penugasan=[penugasan.as_dict(p) for p in penugasan.daftar(db, g.actor)],
                           jabatan=list(leaders), peran_unor=[unit_roles.as_dict(r) for r in unit_roles.of_instansi(db, instansi_id)],
                           peran_tersedia=unit_roles.PERAN_UNOR,
                           ppk=penilai.ppk_dict(penilai.ppk_of(db, instansi_id), db), mode_ppk=penilai.MODE,
                           penilai_khusus=penilai.overrides_of(db, instansi_id),
                           unor=db.scalars(select(Unor).where(Unor.instansi_id == instansi_id, Unor.aktif.is_(True))
                                           .order_by(Unor.kode)).all(), **extra)


@web.get("/organisasi")
def organisasi_page():
    return _page()


@web.post("/organisasi/impor")
def organisasi_import_preview():
    """Keep the upload under a random name, show what it changes; the admin confirms or cancels."""
    org_change.require_admin(g.actor, g.actor.pegawai.instansi_id)
    upload = request.files.get("berkas")
    suffix = Path(upload.filename or "").suffix.lower() if upload else ""
    if upload is None or suffix not in (".csv", ".xlsx"):
        raise ValidationFailed({"berkas": "pilih berkas .csv atau .xlsx"})
    token = secrets.token_hex(16) + suffix
    path = _upload_path(token)
    upload.save(path)
    try:
        preview = org_change.preview_import(get_session(), path, g.actor.pegawai.instansi.kode)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    session["impor_organisasi"] = token
    return _page(preview=preview, token=token, nama_berkas=upload.filename)


@web.post("/organisasi/impor/konfirmasi")
def organisasi_import_confirm():
    org_change.require_admin(g.actor, g.actor.pegawai.instansi_id)
    token = request.form.get("token", "")
    if not token or token != session.get("impor_organisasi"):
        raise ValidationFailed({"token": "pratinjau tidak ditemukan atau kedaluwarsa; unggah ulang berkas"})
    path = _upload_path(Path(token).name)
    try:
        result = org_change.apply_import(get_session(), path, g.actor.pegawai.instansi.kode, g.actor.id)
    finally:
        path.unlink(missing_ok=True)
        session.pop("impor_organisasi", None)
    return _page(applied=result)


def _form_body() -> dict:
    body = {k: request.form.get(k, "").strip() for k in ("nip", "jenis", "tmt_mulai", "tmt_selesai")}
    raw = request.form.get("jabatan_id", "")
    body["jabatan_id"] = as_id(raw)
    return body


@web.post("/organisasi/plt-plh")
def organisasi_plt_create():
    _row, rerouted = penugasan.tetapkan(get_session(), g.actor, _form_body())
    flash(f"Penugasan disimpan; {len(rerouted['tugas_dialihkan'])} tugas dialihkan.")
    return redirect(url_for("web.organisasi_page"))


@web.post("/organisasi/plt-plh/<penugasan_id>/akhiri")
def organisasi_plt_end(penugasan_id):
    body = {"tmt_selesai": request.form.get("tmt_selesai", "").strip()}
    _row, rerouted = penugasan.akhiri(get_session(), g.actor, parse_id(penugasan_id), body)
    flash(f"Penugasan diakhiri; {len(rerouted['tugas_dialihkan'])} tugas dialihkan.")
    return redirect(url_for("web.organisasi_page"))


@web.get("/kaskade")
def kaskade_page():
    from workflows import clock

    raw = request.args.get("tahun", "")
    tahun = as_year(raw) if 2000 <= (as_year(raw) or 0) <= 2100 else clock.today().year
    rows = cascade.who_waits(get_session(), g.actor, tahun)
    return render_template("kaskade.html", rows=rows, tahun=tahun)
