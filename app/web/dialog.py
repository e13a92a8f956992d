"""Pages of the dialog kinerja: my dialogs and starting one; a dialog with the form of my open task."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from app import get_session
from core.db import write_transaction
from core.errors import DomainError
from app.kinerja import org
from app.kinerja.dialog import STATUS_LABEL, bawahan, buat_dialog, get_dialog, list_for
from app.request_input import as_id
from workflows.instances import by_business_key, complete_task, open_tasks_of
from workflows.models import HumanTaskCandidate

from . import web
from .common import parse_id

FORMS = ("dialog-pimpinan", "dialog-peserta")
BARIS_KESEPAKATAN = 3
MAX_BARIS = 100  # rows of kesepakatan a posted form may carry


def _list_page(error=None, fields=None, posted=None, status=200):
    db = get_session()
    pimpinan = "pejabat_penilai" in org.roles_of(db, g.actor.pegawai)
    return render_template("dialog_list.html", dialogs=list_for(db, g.actor, None), status_label=STATUS_LABEL,
                           bawahan=bawahan(db, g.actor.pegawai) if pimpinan else [], pimpinan=pimpinan,
                           error=error, fields=fields or {}, posted=posted or {}), status


@web.get("/dialog-kinerja")
def dialog_list():
    return _list_page()


@web.post("/dialog-kinerja")
def dialog_create():
    db = get_session()
    body = {"topik": request.form.get("topik", ""), "tanggal": request.form.get("tanggal", ""),
            "peserta": request.form.getlist("peserta")}
    try:
        with write_transaction(db):
            dialog = buat_dialog(db, g.actor.pegawai, body)
    except DomainError as exc:
        db.rollback()
        return _list_page(exc.message, exc.details.get("fields"), body, exc.status)
    flash("Dialog kinerja dimulai; pimpinan dan setiap peserta mencatat hasilnya", "success")
    return redirect(url_for("web.dialog_page", dialog_id=dialog.id))


def _my_task(db, dialog):
    instance = by_business_key(db, f"dialog:{dialog.id}")
    for task in open_tasks_of(db, instance.id) if instance else []:
        if db.get(HumanTaskCandidate, (task.id, g.actor.id)) is not None:
            return task
    return None


def _detail(dialog_id: str, error=None, fields=None, status=200):
    db = get_session()
    dialog = get_dialog(db, g.actor, parse_id(dialog_id))
    task = _my_task(db, dialog)
    mine = [c for c in dialog.catatan if c.penulis_id == g.actor.id]
    return render_template("dialog_detail.html", dialog=dialog, task=task, status_label=STATUS_LABEL,
                           catatan=next((c.teks for c in mine if c.jenis == "CATATAN"), ""),
                           kesepakatan=[c for c in mine if c.jenis == "KESEPAKATAN"], baris=BARIS_KESEPAKATAN,
                           error=error, fields=fields or {}), status


@web.get("/dialog-kinerja/<dialog_id>")
def dialog_page(dialog_id):
    return _detail(dialog_id)


@web.post("/dialog-kinerja/<dialog_id>/catat")
def dialog_record(dialog_id):
    db = get_session()
    dialog = get_dialog(db, g.actor, parse_id(dialog_id))
    task = _my_task(db, dialog)
    if task is None:
        return _detail(dialog_id, "Tidak ada tugas dialog yang menunggu Anda.", status=409)
    pimpinan = task.form_key == "dialog-pimpinan"
    kesepakatan = []
    for n in range(min(as_id(request.form.get("baris", BARIS_KESEPAKATAN)) or 0, MAX_BARIS)):
        teks = request.form.get(f"kesepakatan-{n}-teks", "").strip()
        if not teks:
            continue
        item = {"teks": teks}
        if pimpinan:
            item.update(peserta_nip=request.form.get(f"kesepakatan-{n}-peserta", ""),
                        ubah_skp=request.form.get(f"kesepakatan-{n}-ubah_skp") == "1")
        kesepakatan.append(item)
    data = {"catatan": request.form.get("catatan", ""), "kesepakatan": kesepakatan,
            "konfirmasi": request.form.get("konfirmasi") == "1"}
    try:
        result = complete_task(db, task.id, g.actor.id, data)
    except DomainError as exc:
        db.rollback()
        return _detail(dialog_id, exc.message, exc.details.get("fields"), exc.status)
    flash("Hasil dialog dikonfirmasi" if result["completed"] else "Draf tersimpan", "success")
    return redirect(url_for("web.dialog_page", dialog_id=dialog.id))


def dialog_of_task(task) -> int | None:
    """The dialog a task belongs to (the task page sends its forms here)."""
    key = task.instance.business_key or ""
    return int(key.split(":")[1]) if task.form_key in FORMS and key.startswith("dialog:") else None
