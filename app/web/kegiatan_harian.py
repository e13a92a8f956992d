"""Pages of kegiatan harian: quick entry (phone first), the week and month view for the pegawai and for the atasan
(with a comment per activity), editing, deleting, exports, and the realisasi draft on the realisasi task page."""
from __future__ import annotations

import datetime as dt

from flask import current_app, flash, g, redirect, render_template, request, url_for

from app import get_session
from app.api.bukti_dukung import max_bytes, storage
from app.api.kegiatan_harian import berkas_response, export_response, rentang_args
from core.db import write_transaction
from core.errors import DomainError
from app.kinerja import kegiatan_harian as kh
from app.request_input import read_date
from workflows import clock

from . import web
from .common import parse_id, render_error

FIELDS = ("tanggal", "rhk_id", "jenis", "uraian", "output", "tautan", "rencana_aksi")


@web.app_template_global()
def kegiatan_harian_aktif() -> bool:
    actor = g.get("actor")
    return actor is not None and kh.diaktifkan(current_app.config.get("KEGIATAN_HARIAN"), actor.pegawai.instansi)


def _off():
    return None if kegiatan_harian_aktif() else render_error(404, kh.NONAKTIF_MESSAGE)


def _view_args():
    tampilan = "bulan" if request.args.get("tampilan") == "bulan" else "minggu"
    tanggal = read_date(request.args.get("tanggal", "").strip(), "tanggal", {}, required=False) or clock.today()
    return tampilan, tanggal


def _page(form: dict | None = None, error=None, fields=None, status=200, edit=None):
    db = get_session()
    tampilan, tanggal = _view_args()
    pegawai = kh.pegawai_terlihat(db, g.actor, request.args.get("nip", "").strip() or None)
    dari, sampai = kh.rentang(tampilan, tanggal)
    rows = kh.daftar(db, pegawai, dari, sampai)
    own = pegawai.id == g.actor.id
    days = kh.per_hari(rows, dari, sampai)
    if tampilan == "bulan":
        days = [(d, items) for d, items in days if items]
    step = (dari - dt.timedelta(days=1), sampai + dt.timedelta(days=1))
    entry_day = read_date((form or {}).get("tanggal"), "tanggal", {}, required=False) or clock.today()
    return render_template(
        "kegiatan_harian.html", pegawai=pegawai, own=own, tampilan=tampilan, tanggal=tanggal, dari=dari,
        sampai=sampai, days=days, jumlah=len(rows), sebelum=step[0], sesudah=step[1], today=clock.today(),
        rhk=kh.rhk_pilihan(db, g.actor.pegawai, entry_day) if own else [], jenis_label=kh.JENIS_LABEL,
        bawahan=kh.bawahan(db, g.actor.pegawai), may_comment={r.id: kh.may_comment(db, g.actor, r) for r in rows},
        terkunci={r.id: kh.terkunci(db, r) for r in rows}, label_hari=kh.label_hari, edit=edit,
        form=form or {"tanggal": clock.today().isoformat()}, error=error, fields=fields or {},
        max_mb=current_app.config["BUKTI_DUKUNG_MAX_MB"]), status


def _back(row_or_none=None):
    args = {k: request.values.get(k) for k in ("tampilan", "tanggal", "nip") if request.values.get(k)}
    if row_or_none is not None and "tanggal" not in args:
        args["tanggal"] = row_or_none.tanggal.isoformat()
    return redirect(url_for("web.kegiatan_harian_page", **args))


def _posted() -> tuple[dict, tuple | None]:
    data = {k: request.form.get(k, "").strip() for k in FIELDS if k in request.form}
    upload = request.files.get("berkas")
    return data, (upload.stream, upload.filename) if upload and upload.filename else None


@web.get("/kegiatan-harian")
def kegiatan_harian_page():
    return _off() or _page()


@web.post("/kegiatan-harian")
def kegiatan_harian_create():
    if (off := _off()) is not None:
        return off
    data, upload = _posted()
    db = get_session()
    try:
        row = kh.simpan(db, g.actor, data, upload=upload, directory=storage(), max_bytes=max_bytes())
    except DomainError as exc:
        db.rollback()
        if exc.status in (403, 404):
            raise
        return _page(data, exc.message, exc.details.get("fields"), exc.status)
    flash(f"Kegiatan {row.tanggal.strftime('%d-%m-%Y')} tersimpan", "success")
    return _back(row)


@web.get("/kegiatan-harian/<kegiatan_id>/ubah")
def kegiatan_harian_edit(kegiatan_id):
    if (off := _off()) is not None:
        return off
    row = kh.get_kegiatan(get_session(), g.actor, parse_id(kegiatan_id))
    if row.pegawai_id != g.actor.id:
        return render_error(403, "Hanya pegawai pemilik kegiatan yang dapat mengubahnya")
    form = {"tanggal": row.tanggal.isoformat(), "rhk_id": str(row.rhk_id), "jenis": row.jenis, "uraian": row.uraian,
            "output": row.output, "tautan": row.tautan, "rencana_aksi": row.rencana_aksi}
    return _page(form, edit=row)


@web.post("/kegiatan-harian/<kegiatan_id>/ubah")
def kegiatan_harian_update(kegiatan_id):
    if (off := _off()) is not None:
        return off
    data, upload = _posted()
    db = get_session()
    kegiatan = parse_id(kegiatan_id)
    try:
        row = kh.simpan(db, g.actor, data, kegiatan, upload=upload, directory=storage(), max_bytes=max_bytes())
    except DomainError as exc:
        db.rollback()
        if exc.status in (403, 404):
            raise
        return _page(data, exc.message, exc.details.get("fields"), exc.status,
                     edit=kh.get_kegiatan(db, g.actor, kegiatan))
    flash("Kegiatan diubah", "success")
    return _back(row)


@web.post("/kegiatan-harian/<kegiatan_id>/hapus")
def kegiatan_harian_delete(kegiatan_id):
    if (off := _off()) is not None:
        return off
    db = get_session()
    try:
        with write_transaction(db):
            stored = kh.hapus(db, g.actor, parse_id(kegiatan_id))
    except DomainError as exc:
        db.rollback()
        if exc.status in (403, 404):
            raise
        flash(exc.message, "error")
        return _back()
    if stored:
        (storage() / stored).unlink(missing_ok=True)
    flash("Kegiatan dihapus", "success")
    return _back()


@web.post("/kegiatan-harian/<kegiatan_id>/komentar")
def kegiatan_harian_comment(kegiatan_id):
    if (off := _off()) is not None:
        return off
    db = get_session()
    try:
        with write_transaction(db):
            row = kh.komentari(db, g.actor, parse_id(kegiatan_id), request.form.get("komentar", ""))
    except DomainError as exc:
        db.rollback()
        if exc.status in (403, 404):
            raise
        detail = "; ".join((exc.details.get("fields") or {}).values())
        flash(f"{exc.message}: {detail}" if detail else exc.message, "error")
        return _back()
    flash(f"Komentar untuk {row.pegawai.nama_lengkap} tersimpan", "success")
    return _back(row)


@web.get("/kegiatan-harian/<kegiatan_id>/berkas")
def kegiatan_harian_file(kegiatan_id):
    if (off := _off()) is not None:
        return off
    return berkas_response(*kh.berkas_untuk_unduh(get_session(), g.actor, parse_id(kegiatan_id), storage()))


def _export(fmt: str):
    if (off := _off()) is not None:
        return off
    db = get_session()
    pegawai = kh.pegawai_terlihat(db, g.actor, request.args.get("nip", "").strip() or None)
    dari, sampai = rentang_args(request.args)
    return export_response(kh.daftar(db, pegawai, dari, sampai), fmt, pegawai, dari, sampai)


@web.get("/kegiatan-harian/ekspor.xlsx")
def kegiatan_harian_xlsx():
    return _export("xlsx")


@web.get("/kegiatan-harian/ekspor.csv")
def kegiatan_harian_csv():
    return _export("csv")


def realisasi_dari_kegiatan(db, penilaian, data: dict) -> tuple[dict, int]:
    """The realisasi task's data with the activities of the period filled in per RHK (the pegawai then saves):
    the draft text after what is there, the first link as the bukti dukung link when it is empty, the others
    listed in the text. Returns the data and the number of activities taken."""
    draf = kh.draf_realisasi(db, penilaian, lambda row: url_for("web.kegiatan_harian_file", kegiatan_id=row.id,
                                                                _external=True))
    rhk = {k: dict(v) for k, v in (data.get("rhk") or {}).items()}
    for rhk_id, item in draf.items():
        current = rhk.setdefault(str(rhk_id), {})
        links = list(item["tautan"])
        if links and not (current.get("bukti_dukung_url") or "").strip():
            current["bukti_dukung_url"] = links.pop(0)
        text = item["realisasi"] + (f"\nBukti dukung lain: {', '.join(links)}" if links else "")
        existing = (current.get("realisasi") or "").strip()
        current["realisasi"] = f"{existing}\n{text}" if existing and text not in existing else (existing or text)
    return {**data, "rhk": rhk}, sum(item["kegiatan"] for item in draf.values())
