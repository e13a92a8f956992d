"""Mulai layanan: the processes the pegawai may start, a start form per process, and the start."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from app import get_session
from app.kinerja import layanan
from core.errors import DomainError

from . import web
from .schema_form import generic_data_from_form, generic_fields


@web.get("/layanan")
def layanan_page():
    return render_template("layanan_list.html", processes=layanan.startable(get_session(), g.actor))


def _form_page(process: dict, data: dict, error: str | None = None, fields: dict | None = None):
    return render_template("layanan_mulai.html", process=process, form_fields=generic_fields(process["schema"]),
                           data=data, error=error, fields=fields or {})


@web.get("/layanan/<process_id>")
def layanan_form(process_id):
    return _form_page(layanan.describe(get_session(), g.actor, process_id), {})


@web.post("/layanan/<process_id>")
def layanan_start(process_id):
    session = get_session()
    process = layanan.describe(session, g.actor, process_id)
    data = generic_data_from_form(request.form, generic_fields(process["schema"]))
    try:
        instance = layanan.start(session, g.actor, process_id, {"data": data})
    except DomainError as exc:
        session.rollback()
        if exc.status in (403, 404):
            raise
        return _form_page(process, data, exc.message, exc.details.get("fields")), exc.status
    if instance.status == "error":
        flash(f"Layanan {process['name']} dimulai (nomor {instance.business_key}) tetapi tertahan: "
              f"{(instance.last_error or {}).get('message', '')}. Admin kinerja telah dapat melihatnya.", "error")
        return redirect(url_for("web.layanan_page"))
    mine = layanan.tasks_for(session, instance.id, g.actor.id)
    if mine:
        flash(f"Layanan {process['name']} dimulai (nomor {instance.business_key}); lanjutkan langkah berikutnya.",
              "success")
        return redirect(url_for("web.task_page", task_id=mine[0].id))
    flash(f"Layanan {process['name']} dimulai (nomor {instance.business_key}) dan diteruskan kepada yang "
          f"berwenang; Anda akan diberi tahu bila ada langkah untuk Anda.", "success")
    return redirect(url_for("web.layanan_page"))
