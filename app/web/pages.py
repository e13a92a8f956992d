"""Pages: login, Tugas Saya, the SKP lists and the SKP page (documents, status rollback)."""
from __future__ import annotations

import datetime as dt
import secrets

from flask import Response, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from app import get_session
from app.auth import authenticate, revoke_sessions, safe_next
from core.db import write_transaction
from app.documents.skp import MEDIA_TYPES
from app.documents import process_documents
from app.documents.skp import archive_state, archived_kode, document_bytes
from app.kinerja import skp_access
from core.errors import DomainError
from app.kinerja.perilaku import NAMA
from app.kinerja.skp import PENDEKATAN, STATUS_LABEL, Skp, business_key
from app.kinerja.skp_lifecycle import buat_skp
from app.kinerja.views import acting_as, skp_detail
from app.request_input import as_year
from workflows import clock, inbox
from workflows.instances import by_business_key, may_complete, open_tasks_of

from . import web
from .common import csrf_token, parse_id, render_error

ROLLBACK_FORM = skp_access.ROLLBACK_FORM
LABEL = {"UTAMA": "Utama", "TAMBAHAN": "Tambahan", "ORGANISASI": "Organisasi", "INDIVIDU": "Individu",
         "KUANTITAS": "Kuantitas", "KUALITAS": "Kualitas", "WAKTU": "Waktu", "BIAYA": "Biaya",
         "PENERIMA_LAYANAN": "Penerima Layanan", "PROSES_BISNIS": "Proses Bisnis",
         "PENGUATAN_INTERNAL": "Penguatan Internal", "ANGGARAN": "Anggaran",
         "KUANTITATIF": "Kuantitatif", "KUALITATIF": "Kualitatif"}
LAMPIRAN_LABEL = {"dukungan_sumber_daya": "Dukungan sumber daya",
                  "skema_pertanggungjawaban": "Skema pertanggungjawaban", "konsekuensi": "Konsekuensi"}
ACTION_LABEL = {"buat": "Dibuat", "ajukan": "Diajukan", "kembalikan": "Dikembalikan untuk perbaikan",
                "setujui": "Disetujui", "rollback": "Dikembalikan ke draf", "selesai": "Selesai",
                "batalkan": "Dibatalkan"}


@web.get("/healthz")
def healthz():
    return {"status": "ok"}


@web.get("/aset/<path:filename>")
def assets(filename):
    """The pages' CSS and JS (the app's own /static rule shadows the blueprint's)."""
    return web.send_static_file(filename)


@web.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico before they read the page's icon link."""
    return web.send_static_file("favicon.svg")


# ---------------------------------------------------------------- login


@web.route("/masuk", methods=["GET", "POST"])
def login():
    """Login; failed POSTs are throttled per NIP and per address (app/security.py)."""
    nip = ""
    if request.method == "POST":
        nip = request.form.get("nip", "").strip()
        actor = authenticate(get_session(), nip, request.form.get("kata_sandi", ""))
        if actor is not None:
            wanted = request.args.get("next") or request.form.get("next")
            # no page asked for: the beranda (profil with the people around him and his year)
            target = safe_next(wanted) if wanted else url_for("web.profil_page")
            session.clear()
            session["akun_id"] = actor.akun.id
            session["sesi_versi"] = actor.akun.session_version
            session["csrf_token"] = secrets.token_urlsafe(32)
            return redirect(target)
        return render_template("login.html", nip=nip, error="NIP atau kata sandi salah",
                               next=request.args.get("next", "")), 401
    if g.actor is not None:
        return redirect(url_for("web.home"))
    return render_template("login.html", nip=nip, error=None, next=request.args.get("next", ""))


@web.get("/keluar")
def logout_confirm():
    """Logging out changes state, so it is a POST with the CSRF token; this page only asks."""
    return render_template("logout.html")


@web.post("/keluar")
def logout():
    """Ends this session and every copy of its cookie (the akun's session version moves on)."""
    db = get_session()
    with write_transaction(db):
        revoke_sessions(g.actor.akun)
    session.clear()
    csrf_token()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("web.login"))


# ---------------------------------------------------------------- Tugas Saya


def _is_overdue(due) -> bool:
    if due is None:
        return False
    if due.tzinfo is None:
        due = due.replace(tzinfo=dt.timezone.utc)
    return due < clock.now()


def sees_others(actor) -> bool:
    return actor.has("pejabat_penilai", "jpt", "admin_kinerja", "superadmin", "process_owner")


@web.get("/")
def home():
    db = get_session()
    tasks = [{"task": t, "overdue": _is_overdue(t.due_at)} for t in inbox.tasks_for(db, g.actor.id)]
    mine = list(db.scalars(select(Skp).where(Skp.pegawai_id == g.actor.id).order_by(Skp.tahun.desc(), Skp.id)))
    documents = process_documents.of_pegawai(db, g.actor.id, 20)
    return render_template("home.html", tasks=tasks, mine=mine, documents=documents, status_label=STATUS_LABEL,
                           pendekatan=PENDEKATAN, tahun_default=clock.today().year, sees_others=sees_others(g.actor))


def _editor_task_of(db, skp: Skp, actor_id: int):
    instance = by_business_key(db, business_key(skp))
    if instance is None:
        return None
    return next((t for t in open_tasks_of(db, instance.id)
                 if t.form_key == "skp-editor" and may_complete(db, t, actor_id)), None)


@web.post("/skp/baru")
def create_skp():
    db = get_session()
    try:
        tahun = int(request.form.get("tahun", ""))
    except ValueError:
        flash("Tahun wajib diisi dengan angka tahun.", "error")
        return redirect(url_for("web.home"))
    pendekatan = request.form.get("pendekatan", "KUANTITATIF")
    try:
        with write_transaction(db):
            skp = buat_skp(db, g.actor.pegawai, tahun, pendekatan, g.actor.id)
    except DomainError as exc:
        fields = exc.details.get("fields") or {}
        detail = "; ".join(f"{k}: {v}" for k, v in fields.items())
        flash(exc.message + (f" ({detail})" if detail else ""), "error")
        return redirect(url_for("web.home"))
    flash(f"SKP tahun {tahun} dibuat.", "success")
    task = _editor_task_of(db, skp, g.actor.id)
    if task is not None:
        return redirect(url_for("web.task_page", task_id=task.id))
    return redirect(url_for("web.skp_page", skp_id=skp.id))


@web.get("/skp")
def skp_list():
    tahun = request.args.get("tahun", "").strip()
    tahun_value = as_year(tahun)
    rows = skp_access.list_visible(get_session(), g.actor, tahun_value)
    return render_template("skp_list.html", rows=rows, tahun=tahun_value, status_label=STATUS_LABEL)


# ---------------------------------------------------------------- the SKP page


def history_rows(skp: Skp) -> list[dict]:
    db = get_session()
    return [{"at": h.at, "nama": h.actor.nama_lengkap + acting_as(db, h, skp) if h.actor else "Sistem",
             "nip": h.actor.nip if h.actor else "", "action": ACTION_LABEL.get(h.action, h.action),
             "from": STATUS_LABEL.get(h.from_status, "—") if h.from_status else "—",
             "to": STATUS_LABEL.get(h.to_status, h.to_status or "—"), "note": h.note} for h in skp.riwayat]


def skp_context(db, skp: Skp) -> dict:
    return {"skp": skp, "detail": skp_detail(db, skp), "history": history_rows(skp), "nama_perilaku": NAMA,
            "status_label": STATUS_LABEL, "label": LABEL, "lampiran_label": LAMPIRAN_LABEL}


@web.get("/skp/<skp_id>")
def skp_page(skp_id):
    db = get_session()
    skp = skp_access.visible(db, g.actor, parse_id(skp_id))
    actions = skp_access.actions_for(db, g.actor, skp)
    rollback_task = next((t for t in actions if t.form_key == ROLLBACK_FORM), None)
    others = [t for t in actions if t.form_key != ROLLBACK_FORM]
    return render_template("skp_detail.html", **skp_context(db, skp), rollback_task=rollback_task,
                           other_tasks=others, archive=archive_state(db, skp),
                           kode_verifikasi=archived_kode(db, skp))


@web.get("/skp/<skp_id>/dokumen.<fmt>")
def skp_document(skp_id, fmt):
    db = get_session()
    skp = skp_access.visible(db, g.actor, parse_id(skp_id))
    content, etag = document_bytes(db, skp, fmt, request.args.get("arsip") in ("1", "true"))
    response = Response(content, mimetype=MEDIA_TYPES[fmt])
    suffix = "-arsip" if etag else ""
    # ?tampil=1 shows the PDF in the browser (the review page's preview frame) instead of downloading it
    disposition = "inline" if request.args.get("tampil") in ("1", "true") else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="SKP-{skp.pegawai.nip}-{skp.tahun}{suffix}.{fmt}"'
    if etag:
        response.headers["ETag"] = etag
    return response


def _rollback_allowed(db, skp: Skp):
    """The rollback task of this SKP the actor may complete, or the 403/409 page."""
    instance = by_business_key(db, business_key(skp))
    task = next((t for t in open_tasks_of(db, instance.id) if t.form_key == ROLLBACK_FORM), None) \
        if instance else None
    if task is None:
        return None, render_error(409, f"SKP berstatus {STATUS_LABEL[skp.status]} tidak dapat dikembalikan ke draf.")
    if not may_complete(db, task, g.actor.id):
        return None, render_error(403, "Hanya JPT atas unit pegawai atau admin kinerja yang dapat mengembalikan "
                                       "status SKP.")
    return task, None


@web.route("/skp/<skp_id>/kembalikan", methods=["GET", "POST"])
def skp_rollback(skp_id):
    db = get_session()
    skp = skp_access.visible(db, g.actor, parse_id(skp_id))
    task, problem = _rollback_allowed(db, skp)
    if problem is not None:
        return problem
    alasan = request.form.get("alasan", "") if request.method == "POST" else ""
    error, fields, status = None, {}, 200
    if request.method == "POST":
        if not alasan.strip():
            error, fields, status = "Alasan wajib diisi.", {"alasan": "wajib diisi"}, 422
        else:
            try:
                skp_access.rollback(db, g.actor, skp.id, alasan)
            except DomainError as exc:
                db.rollback()
                if exc.status in (403, 404):
                    return render_error(exc.status, exc.message)
                error, fields, status = exc.message, exc.details.get("fields") or {}, exc.status
            else:
                flash("SKP dikembalikan ke draf.", "success")
                return redirect(url_for("web.skp_page", skp_id=skp.id))
        skp = skp_access.visible(db, g.actor, skp.id)
    return render_template("rollback.html", **skp_context(db, skp), alasan=alasan, error=error,
                           fields=fields), status


from . import tasks  # noqa: E402,F401 - the task pages
