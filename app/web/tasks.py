"""The task page: the SKP editor, the penilai's review, and a generic form built from a task's schema."""
from __future__ import annotations

import re

from flask import flash, g, redirect, render_template, request, url_for

from app import get_session
from app.api.tasks import task_view
from core.errors import DomainError, Forbidden, ValidationFailed
from app.kinerja.penilai import diwakili
from app.kinerja.perilaku import CORE_VALUES
from app.kinerja.cascade import provisional_rhk_atasan
from app.kinerja.skp import ASPEK, JENIS_RHK, KLASIFIKASI, LAMPIRAN, PERSPEKTIF, get_skp
from app.request_input import as_id
from workflows.instances import check_candidate, complete_task, open_task

from . import web
from .common import render_error
from .dialog import dialog_of_task
from .pages import LABEL, skp_context
from .schema_form import FileStore, field_labels, generic_data_from_form, generic_fields, schema_problems, shown_data

RHK_FIELD = re.compile(r"^rhk-(\d{1,6})-(id|jenis|deskripsi|rhk_atasan_id|rhk_atasan_text|klasifikasi|penugasan_dari)$")
# Form keys with a page of their own registered by another page module:
# key -> (render(db, task, ctx, posted) -> response, parse(db, task, form) -> task data)
FORM_PAGES: dict[str, tuple] = {}
DONE_MESSAGE = {"skp-editor": "SKP diajukan", "skp-review": "Keputusan tersimpan"}
IKI_FIELD = re.compile(r"^rhk-(\d{1,6})-iki-(\d{1,6})-(id|aspek|perspektif|indikator|target)$")


def _int_or_none(value: str | None):
    value = (value or "").strip()
    return as_id(value)


def editor_data_from_form(form, is_jpt: bool) -> dict:
    """The posted editor fields in exactly the ``skp-editor`` task data shape (blank rows are left out)."""
    rhk: dict[str, dict] = {}
    for key in form.keys():
        if m := RHK_FIELD.match(key):
            rhk.setdefault(m.group(1), {"fields": {}, "iki": {}})["fields"][m.group(2)] = form.get(key, "")
        elif m := IKI_FIELD.match(key):
            row = rhk.setdefault(m.group(1), {"fields": {}, "iki": {}})
            row["iki"].setdefault(m.group(2), {})[m.group(3)] = form.get(key, "")
    items = []
    for row in rhk.values():
        f = row["fields"]
        iki = []
        for i in row["iki"].values():
            if not any((i.get(k) or "").strip() for k in ("indikator", "target")) and not i.get("id"):
                continue
            item = {"id": _int_or_none(i.get("id")), "indikator": i.get("indikator", ""), "target": i.get("target", "")}
            if is_jpt:
                item["perspektif"] = i.get("perspektif") or None
            else:
                item["aspek"] = i.get("aspek") or None
            iki.append(item)
        if not (f.get("deskripsi") or "").strip() and not iki and not f.get("id"):
            continue
        item = {"id": _int_or_none(f.get("id")), "jenis": f.get("jenis") or "UTAMA",
                "deskripsi": f.get("deskripsi", "")}
        if is_jpt:
            item.update(klasifikasi=f.get("klasifikasi") or None, penugasan_dari=f.get("penugasan_dari", ""))
        else:
            item.update(rhk_atasan_id=_int_or_none(f.get("rhk_atasan_id")),
                        rhk_atasan_text=f.get("rhk_atasan_text", ""))
        item["iki"] = iki
        items.append(item)
    lampiran = {k: [line.strip() for line in form.get(f"lampiran-{k}", "").splitlines() if line.strip()]
                for k in LAMPIRAN}
    return {"pendekatan": form.get("pendekatan") or "KUANTITATIF", "rhk": items, "lampiran": lampiran,
            "ajukan": form.get("ajukan") == "1"}


def review_data_from_form(form) -> dict:
    data = {"keputusan": form.get("keputusan", ""), "catatan": form.get("catatan", ""),
            "ekspektasi_khusus": {kode: form.get(f"ekspektasi-{kode}", "") for kode, _, _ in CORE_VALUES}}
    for key in ("nomor_keputusan", "tanggal_keputusan"):  # the PPK's decision, when an admin records it
        if form.get(key, "").strip():
            data[key] = form.get(key, "").strip()
    return data


def _page(db, task, posted: dict | None = None, error: str | None = None, fields: dict | None = None):
    """Render the task's form, from the stored data or from what was posted (after an error)."""
    view = task_view(db, task)
    key = task.form_key
    ctx = {"task": task, "view": view, "error": error, "fields": fields or {}, "label": LABEL}
    skp = get_skp(db, view["skp_id"]) if "skp_id" in view else None
    if skp is not None:
        ctx.update(skp_context(db, skp))
    if key in FORM_PAGES:
        return FORM_PAGES[key][0](db, task, ctx, posted)
    if key == "skp-editor" and skp is not None:
        data = posted if posted is not None else view["data"]
        if not data.get("rhk"):
            data = {**data, "rhk": [{"jenis": "UTAMA", "deskripsi": "", "iki": [{"indikator": "", "target": ""}]}]}
        options = [] if skp.is_jpt else [{"id": r.id, "text": r.deskripsi, "owner": r.skp.pegawai.nama_lengkap,
                                          "approved": r.skp.status in ("DISETUJUI", "SELESAI")}
                                         for r in provisional_rhk_atasan(db, skp)]
        return render_template("task_editor.html", **ctx, data=data, rhk_options=options, jenis=JENIS_RHK,
                               klasifikasi=KLASIFIKASI, aspek=ASPEK, perspektif=PERSPEKTIF)
    if key == "skp-review" and skp is not None:
        current = {p.kode: p.ekspektasi_khusus for p in skp.perilaku}
        data = posted if posted is not None else {"keputusan": "", "catatan": "", "ekspektasi_khusus": current}
        return render_template("task_review.html", **ctx, data=data, core_values=CORE_VALUES,
                               ppk_diwakili=diwakili(db, skp.pejabat_penilai))
    schema = (view.get("form") or {}).get("schema")
    if not schema:
        return render_error(409, "Tugas ini tidak memiliki formulir yang dapat diisi di halaman ini.")
    form_fields = generic_fields(schema)
    data = shown_data(form_fields, posted if posted is not None else {}, view["data"])
    return render_template("task_generic.html", **ctx, schema=schema, form_fields=form_fields, data=data,
                           labels=field_labels(form_fields, ctx["fields"]))


class _TaskFiles(FileStore):
    """Files posted with a generic task form: stored as the task's berkas (app/kinerja/berkas_formulir.py);
    a refused file becomes a message at its field."""

    def __init__(self, db, task_id: str):
        self.db, self.task_id, self.errors = db, task_id, {}

    def save(self, storage, path: str):
        from app.api.bukti_dukung import max_bytes, storage as folder
        from app.kinerja.berkas_formulir import simpan

        try:
            return simpan(self.db, g.actor.id, self.task_id, path, storage.stream, storage.filename, folder(),
                          max_bytes()).id
        except ValidationFailed as exc:
            self.errors.update(exc.fields)
            return None

    def known(self, reference) -> bool:
        from app.kinerja.berkas_formulir import of_task

        return of_task(self.db, reference, self.task_id, g.actor.id)


def _own_task(db, task_id: str):
    task = open_task(db, task_id)
    try:
        check_candidate(db, task, g.actor.id)  # a task completed meanwhile is a 409, not "not yours"
    except Forbidden:
        return None
    return task


@web.get("/tugas/<task_id>")
def task_page(task_id):
    db = get_session()
    task = _own_task(db, task_id)
    if task is None:
        return render_error(403, "Tugas ini bukan untuk Anda.")
    if (dialog_id := dialog_of_task(task)) is not None:  # the dialog page holds its own form
        return redirect(url_for("web.dialog_page", dialog_id=dialog_id))
    return _page(db, task)


@web.post("/tugas/<task_id>")
def task_submit(task_id):
    db = get_session()
    task = _own_task(db, task_id)
    if task is None:
        return render_error(403, "Tugas ini bukan untuk Anda.")
    key = task.form_key
    skp_id, files = None, None
    if key == "skp-editor":
        view = task_view(db, task)
        data = editor_data_from_form(request.form, get_skp(db, view["skp_id"]).is_jpt)
        skp_id = view["skp_id"]
    elif key == "skp-review":
        data = review_data_from_form(request.form)
        skp_id = task_view(db, task).get("skp_id")
    elif key in FORM_PAGES:
        data = FORM_PAGES[key][1](db, task, request.form)
        skp_id = task_view(db, task).get("skp_id")
    else:
        view = task_view(db, task)
        files = _TaskFiles(db, task_id)
        data = generic_data_from_form(request.form, generic_fields((view.get("form") or {}).get("schema")),
                                      request.files, view["data"], files)
        skp_id = view.get("skp_id")
    try:
        problems = schema_problems(key, data)
        if files is not None:
            problems.update(files.errors)
        if problems:
            raise ValidationFailed(problems)
        result = complete_task(db, task_id, g.actor.id, data)
    except DomainError as exc:
        db.rollback()
        if exc.status in (403, 404):
            return render_error(exc.status, exc.message)
        try:
            task = open_task(db, task_id)
        except DomainError:
            return render_error(exc.status, exc.message, exc.details.get("fields"))
        return _page(db, task, posted=data, error=exc.message, fields=exc.details.get("fields") or {}), exc.status
    if not result["completed"]:  # a form that saves drafts kept the task open
        flash("Draf tersimpan", "success")
        return redirect(url_for("web.task_page", task_id=task_id))
    flash(DONE_MESSAGE.get(key, "Tugas selesai"), "success")
    if skp_id is not None:
        return redirect(url_for("web.skp_page", skp_id=skp_id))
    return redirect(url_for("web.home"))


@web.get("/berkas-formulir/<berkas_id>")
def berkas_formulir(berkas_id):
    """A file uploaded through a form: for whoever uploaded it and whoever may see its instance."""
    from app.api.bukti_dukung import download_response, storage
    from app.instance_access import may_see
    from app.kinerja.berkas_formulir import get_berkas
    from workflows.models import Instance

    from .common import parse_id

    db = get_session()
    try:
        row = get_berkas(db, parse_id(berkas_id))
    except DomainError as exc:
        return render_error(exc.status, exc.message)
    if row.diunggah_oleh_id != g.actor.id and not may_see(db, g.actor, db.get(Instance, row.instance_id)):
        return render_error(404, f"Berkas {berkas_id} tidak ditemukan")
    path = storage() / row.nama_simpan
    if not path.is_file():
        return render_error(404, f"Berkas {berkas_id} tidak ada di penyimpanan")
    return download_response(row, path)
