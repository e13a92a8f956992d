"""Evaluation pages: periods (admin kinerja), the realisasi and penilaian task pages, the read-only
penilaian page, and bukti dukung upload, download and delete from the realisasi page."""
from __future__ import annotations

import re

from flask import current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app import get_session
from app.api.bukti_dukung import download_response, max_bytes, storage
from app.api.penilaian import ADMIN_ROLES, penilaian_json
from core.db import write_transaction
from core.errors import DomainError, NotFound
from app.kinerja import bukti_dukung as bd
from app.kinerja import skp_access
from app.kinerja.kuadran import predikat_table
from app.kinerja.pembukaan import kemajuan, minta_pembukaan
from app.kinerja.penilaian import (JENIS_PERIODE, PREDIKAT_LABEL, RATING, RATING_LABEL, Penilaian, Periode,
                                   buat_periode, cabut_finalisasi_awal, ditetapkan_mulai, get_penilaian,
                                   izinkan_finalisasi_awal)
from app.kinerja.perilaku import CORE_VALUES
from app.request_input import as_year
from workflows import clock
from workflows.instances import may_complete

from . import web
from .common import parse_id, render_error
from .kegiatan_harian import kegiatan_harian_aktif, realisasi_dari_kegiatan
from .tasks import DONE_MESSAGE, FORM_PAGES

RHK_FIELD = re.compile(r"^rhk-(\d{1,12})-(rencana_aksi|realisasi|bukti_dukung_url)$")
STATUS_LABEL = {"BELUM_DIISI": "Belum diisi", "DIISI_PEGAWAI": "Diisi pegawai", "DINILAI": "Dinilai",
                "FINAL": "Final", "TERKUNCI": "Terkunci"}
HASIL_LABEL = {"dibuka": "Dibuka", "sudah_ada": "Sudah ada", "dilewati": "Dilewati", "gagal": "Gagal"}
PEMBUKAAN_LABEL = {"MENUNGGU": "Menunggu penjadwal", "BERJALAN": "Berjalan", "SELESAI": "Selesai"}
JENIS_LABEL = {"BULANAN": "Bulanan", "TRIWULANAN": "Triwulanan", "SEMESTERAN": "Semesteran", "TAHUNAN": "Tahunan"}
LABELS = {"status_penilaian": STATUS_LABEL, "predikat": PREDIKAT_LABEL, "rating": RATING_LABEL,
          "jenis_periode": JENIS_LABEL, "hasil": HASIL_LABEL, "pembukaan": PEMBUKAAN_LABEL}


def _penilaian_of_task(db, task) -> Penilaian:
    return get_penilaian(db, task.instance.business_key.split(":", 1)[1])


def _page_context(db, penilaian: Penilaian) -> dict:
    return {"p": penilaian_json(penilaian), "penilaian": penilaian, "labels": LABELS, "core_values": CORE_VALUES,
            "ekspektasi": {x.kode: x.ekspektasi_khusus for x in penilaian.skp.perilaku},
            "iki": {r.id: r.iki for r in penilaian.skp.rhk}, "max_mb": current_app.config["BUKTI_DUKUNG_MAX_MB"],
            "allowed": bd.ALLOWED_TEXT}


# ---------------------------------------------------------------- the pegawai's realisasi task

def realisasi_page(db, task, ctx: dict, posted: dict | None):
    penilaian = _penilaian_of_task(db, task)
    page = _page_context(db, penilaian)
    data = posted if posted is not None else {"rhk": {str(r["id"]): r for r in page["p"]["rhk"]}}
    diambil = None  # "Ambil dari kegiatan harian": the period's activities as the draft (saved by Simpan draf)
    if posted is None and request.args.get("ambil") == "kegiatan-harian" and kegiatan_harian_aktif():
        data, diambil = realisasi_dari_kegiatan(db, penilaian, data)
    return render_template("task_realisasi.html", **ctx, **page, data=data, diambil=diambil)


def realisasi_data_from_form(db, task, form) -> dict:
    rhk: dict[str, dict] = {}
    for key in form.keys():
        if m := RHK_FIELD.match(key):
            rhk.setdefault(m.group(1), {})[m.group(2)] = form.get(key, "")
    return {"rhk": rhk, "kirim": form.get("kirim") == "1"}


# ---------------------------------------------------------------- the penilai's penilaian task

def penilaian_page(db, task, ctx: dict, posted: dict | None):
    penilaian = _penilaian_of_task(db, task)
    page = _page_context(db, penilaian)
    p = page["p"]
    data = posted if posted is not None else {
        "rating_hasil_kerja": p["rating_hasil_kerja"], "rating_perilaku": p["rating_perilaku"], "catatan": p["catatan"],
        "umpan_balik_rhk": {str(r["id"]): r["umpan_balik"] for r in p["rhk"]},
        "umpan_balik_perilaku": p["umpan_balik_perilaku"]}
    # penilaian_json carries the leader's rating from his unit's capaian and the kurva (app/kinerja/kurva.py)
    extra = {k: p[k] for k in ("rating_pimpinan", "kurva", "kurva_override")}
    pimpinan = extra["rating_pimpinan"]
    if pimpinan and pimpinan["rating_hasil_kerja"] and not data.get("rating_hasil_kerja"):
        data = {**data, "rating_hasil_kerja": pimpinan["rating_hasil_kerja"]}
    return render_template("task_penilaian.html", **ctx, **page, data=data, ratings=RATING,
                           kuadran=predikat_table(task.instance),
                           ditetapkan_mulai=ditetapkan_mulai(penilaian.periode), **extra)


def penilaian_data_from_form(db, task, form) -> dict:
    penilaian = _penilaian_of_task(db, task)
    data = {"umpan_balik_rhk": {str(r.id): form.get(f"umpan_balik-{r.id}", "") for r in penilaian.skp.rhk},
            "umpan_balik_perilaku": {kode: form.get(f"perilaku-{kode}", "") for kode, _, _ in CORE_VALUES
                                     if form.get(f"perilaku-{kode}", "").strip()},
            "catatan": form.get("catatan", "")}
    for name in ("rating_hasil_kerja", "rating_perilaku", "alasan_kurva"):
        if form.get(name, "").strip():
            data[name] = form.get(name)
    return data


FORM_PAGES.update({"realisasi": (realisasi_page, realisasi_data_from_form),
                   "penilaian": (penilaian_page, penilaian_data_from_form)})
DONE_MESSAGE.update({"realisasi": "Realisasi dikirim ke pejabat penilai", "penilaian": "Penilaian tersimpan"})


# ---------------------------------------------------------------- read-only penilaian page, SKP page list

@web.app_template_global()
def penilaian_labels() -> dict:
    return LABELS


@web.get("/penilaian/<penilaian_id>")
def penilaian_detail(penilaian_id):
    db = get_session()
    penilaian = get_penilaian(db, parse_id(penilaian_id))
    skp_access.visible(db, g.actor, penilaian.skp_id)
    return render_template("penilaian_detail.html", **_page_context(db, penilaian),
                           may_download=bd.may_download(g.actor, penilaian))


# ---------------------------------------------------------------- bukti dukung from the realisasi page

def _back_to_task(penilaian_id: int):
    """The pegawai's open realisasi task page, else the read-only page."""
    db = get_session()
    task = bd.open_realisasi_task(db, get_penilaian(db, penilaian_id))
    if task is not None and may_complete(db, task, g.actor.id):
        return redirect(url_for("web.task_page", task_id=task.id))
    return redirect(url_for("web.penilaian_detail", penilaian_id=penilaian_id))


@web.post("/penilaian/<penilaian_id>/bukti-dukung")
def upload_bukti(penilaian_id):
    db = get_session()
    pid = parse_id(penilaian_id)
    upload = request.files.get("berkas")
    try:
        row = bd.unggah(db, g.actor, pid, request.form.get("rhk_id"), upload.stream if upload else None,
                        upload.filename if upload else None, storage(), max_bytes())
    except DomainError as exc:
        db.rollback()
        if exc.status in (403, 404):
            return render_error(exc.status, exc.message)
        detail = "; ".join(exc.details.get("fields", {}).values())
        flash(f"{exc.message}: {detail}" if detail else exc.message, "error")
        return _back_to_task(pid)
    flash(f"Bukti dukung '{row.nama_asli}' tersimpan", "success")
    return _back_to_task(pid)


@web.post("/bukti-dukung/<bukti_id>/hapus")
def delete_bukti(bukti_id):
    db = get_session()
    try:
        penilaian_id = bd.hapus(db, g.actor, parse_id(bukti_id), storage())
    except DomainError as exc:
        db.rollback()
        if exc.status in (403, 404):
            return render_error(exc.status, exc.message)
        flash(exc.message, "error")
        return redirect(url_for("web.home"))
    flash("Bukti dukung dihapus", "success")
    return _back_to_task(penilaian_id)


@web.get("/bukti-dukung/<bukti_id>")
def download_bukti(bukti_id):
    return download_response(*bd.untuk_unduh(get_session(), g.actor, parse_id(bukti_id), storage()))


# ---------------------------------------------------------------- periods (admin kinerja)

def _admin_or_403():
    if not g.actor.has(*ADMIN_ROLES):
        return render_error(403, "Hanya admin kinerja yang dapat mengelola periode penilaian.")
    return None


def _periode_rows(db, tahun: int) -> list[dict]:
    """The year's periods with their counts of penilaian (all, final) and the state of their opening."""
    periods = list(db.scalars(select(Periode).where(Periode.instansi_id == g.actor.pegawai.instansi_id,
                                                    Periode.tahun == tahun)
                              .order_by(Periode.periode_awal, Periode.id)))
    counts = dict(((pid, status), n) for pid, status, n in db.execute(
        select(Penilaian.periode_id, Penilaian.status, func.count()).where(
            Penilaian.periode_id.in_([p.id for p in periods])).group_by(Penilaian.periode_id, Penilaian.status)))
    return [{"periode": p, "jumlah": sum(n for (pid, _), n in counts.items() if pid == p.id),
             "final": counts.get((p.id, "FINAL"), 0), "pembukaan": kemajuan(db, p.id, dengan_hasil=False)}
            for p in periods]


def _periode_page(tahun: int, form: dict | None = None, error: str | None = None, fields: dict | None = None,
                  status: int = 200):
    db = get_session()
    return render_template("periode.html", tahun=tahun, rows=_periode_rows(db, tahun), jenis=JENIS_PERIODE,
                           labels=LABELS, form=form or {"jenis": "BULANAN"}, error=error, fields=fields or {},
                           today=clock.today()), status


def _tahun_arg() -> int:
    value = request.values.get("tahun", "").strip()
    return as_year(value) or clock.today().year


@web.get("/periode")
def periode_page():
    return _admin_or_403() or _periode_page(_tahun_arg())


@web.post("/periode")
def periode_create():
    if (denied := _admin_or_403()) is not None:
        return denied
    form = {k: request.form.get(k, "").strip() for k in ("nama", "jenis", "periode_awal", "periode_akhir",
                                                          "batas_pengisian")}
    data = {**form, "buka_otomatis": request.form.get("buka_otomatis") == "1"}
    db = get_session()
    try:
        with write_transaction(db):
            periode = buat_periode(db, g.actor.pegawai.instansi_id, data)
    except DomainError as exc:
        tahun = as_year(form["periode_awal"][:4]) or _tahun_arg()
        return _periode_page(tahun, {**data}, exc.message, exc.details.get("fields"), status=exc.status)
    flash(f"Periode {periode.nama} {periode.tahun} dibuat", "success")
    return redirect(url_for("web.periode_page", tahun=periode.tahun))


def _own_periode(periode_id: str) -> Periode:
    periode = get_session().get(Periode, parse_id(periode_id))
    if periode is None or periode.instansi_id != g.actor.pegawai.instansi_id:
        raise NotFound(f"Periode {periode_id} tidak ditemukan.")
    return periode


@web.post("/periode/<periode_id>/buka")
def periode_open(periode_id):
    """Record the opening (the scheduler does it in batches) and show its progress."""
    if (denied := _admin_or_403()) is not None:
        return denied
    db = get_session()
    periode = _own_periode(periode_id)
    with write_transaction(db):
        minta_pembukaan(db, periode.id, g.actor.id)
    flash(f"Pembukaan periode {periode.nama} dicatat; penjadwal membukanya bertahap.", "success")
    return redirect(url_for("web.periode_opening", periode_id=periode.id))


@web.post("/periode/<periode_id>/finalisasi-awal")
def periode_early_finalisation(periode_id):
    """Allow (alasan given) or withdraw (``cabut=1``) finalising the period's penilaian before periode_akhir."""
    if (denied := _admin_or_403()) is not None:
        return denied
    db = get_session()
    periode = _own_periode(periode_id)
    try:
        with write_transaction(db):
            if request.form.get("cabut") == "1":
                cabut_finalisasi_awal(db, periode)
                message = f"Izin penetapan sebelum akhir periode {periode.nama} dicabut"
            else:
                izinkan_finalisasi_awal(db, periode, request.form.get("alasan", ""), g.actor.id)
                message = f"Penilaian periode {periode.nama} boleh ditetapkan sebelum akhir periode"
    except DomainError as exc:
        fields = exc.details.get("fields") or {}
        flash(f"{exc.message}{': ' + fields['alasan'] if 'alasan' in fields else ''}", "error")
        return redirect(url_for("web.periode_page", tahun=periode.tahun, _anchor=f"periode-{periode.id}"))
    flash(message, "success")
    return redirect(url_for("web.periode_page", tahun=periode.tahun, _anchor=f"periode-{periode.id}"))


@web.get("/periode/<periode_id>/pembukaan")
def periode_opening(periode_id):
    if (denied := _admin_or_403()) is not None:
        return denied
    db = get_session()
    periode = _own_periode(periode_id)
    progress = kemajuan(db, periode.id)
    if progress is None:
        return render_error(404, f"Periode {periode.nama} belum pernah diminta dibuka.")
    return render_template("periode_pembukaan.html", periode=periode, kemajuan=progress, labels=LABELS)


@web.get("/periode/<periode_id>/pembukaan.json")
def periode_opening_json(periode_id):
    """The progress for the page's polling (no per-pegawai rows)."""
    if (denied := _admin_or_403()) is not None:
        return denied
    progress = kemajuan(get_session(), _own_periode(periode_id).id, dengan_hasil=False)
    if progress is None:
        return render_error(404)
    return progress
