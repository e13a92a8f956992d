"""Admin console pages: find stuck instances, where they wait, one instance in detail, repairs, batches."""
from __future__ import annotations

import json

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app import get_session
from app.api.admin import scoped_definition, visible_definitions
from app.auth import admin_scope
from app.documents import process_documents
from core.errors import DomainError, NotFound, ValidationFailed
from app.kinerja.org import Unor
from workflows import batch, inspection, migration, repair, search  # noqa: F401 - migration registers actions
from workflows.models import INSTANCE_STATUS, Instance, ProcessDefinition

from . import web
from .common import parse_id

STATUS_LABEL = {"running": "Berjalan", "waiting": "Menunggu", "error": "Error", "suspended": "Ditangguhkan",
                "completed": "Selesai", "terminated": "Dihentikan"}
EVENT_LABEL = {"started": "Dimulai", "task_completed": "Tugas diselesaikan", "draft_saved": "Draf disimpan",
               "error": "Error", "timer_fired": "Timer berjalan", "status_changed": "Status berubah",
               "rerouted": "Dialihkan setelah perubahan organisasi",
               "notification_skipped": "Notifikasi tidak terkirim",
               "message_sent": "Pesan dikirim", "message_received": "Pesan diterima",
               "predikat_ditetapkan": "Predikat ditetapkan",
               "message_unmatched": "Pesan tanpa penerima",
               **{f"admin_{k}": f"Admin: {v}" for k, v in repair.ACTION_LABEL.items()}}


@web.app_template_filter("status_proses")
def status_proses(status: str) -> str:
    return STATUS_LABEL.get(status, status)


def _scope() -> int | None:
    return admin_scope(g.actor)


def _instance(instance_id: str, scope: int | None) -> Instance:
    instance = get_session().get(Instance, parse_id(instance_id))
    if instance is None or not search.in_scope(instance, scope):
        raise NotFound("Instance proses tidak ditemukan")
    return instance


def _viewer(config: dict) -> str:
    """The viewer's configuration as JSON that is safe inside a <script> element."""
    return json.dumps(config).replace("</", "<\\/")


def _choices(session, scope):
    processes = session.execute(select(ProcessDefinition.process_id, func.max(ProcessDefinition.name))
                                .where(*visible_definitions(scope)).group_by(ProcessDefinition.process_id)
                                .order_by(ProcessDefinition.process_id)).all()
    versions = session.scalars(select(ProcessDefinition).where(*visible_definitions(scope))
                               .order_by(ProcessDefinition.process_id, ProcessDefinition.version)).all()
    unors = session.scalars(select(Unor).where(*([Unor.instansi_id == scope] if scope else []))
                            .order_by(Unor.nama)).all()
    return {"processes": processes, "versions": versions, "unors": unors, "statuses": INSTANCE_STATUS,
            "actions": repair.ACTION_LABEL}


@web.get("/admin/instance")
def admin_instances():
    scope = _scope()
    session = get_session()
    try:
        f = search.parse_filter(request.args, scope)
        result, fields = search.find(session, f), {}
    except ValidationFailed as exc:
        f, result, fields = search.Filter(instansi_id=scope), {"items": [], "total": 0}, exc.fields
    pages = min(max(1, -(-result["total"] // f.per_halaman)), search.MAX_HALAMAN)  # further: the cursor
    return render_template("admin_instances.html", f=f, result=result, fields=fields, pages=pages,
                           args=f.as_args(), **_choices(session, scope))


@web.get("/admin/instance/<instance_id>")
def admin_instance(instance_id):
    scope = _scope()
    session = get_session()
    instance = _instance(instance_id, scope)
    detail = inspection.detail(session, instance)
    precheck = migration.precheck(session, instance)
    viewer = {"xml": inspection.diagram_xml(instance.definition), "marks": detail["marks"], "counts": {}}
    return render_template("admin_instance.html", d=detail, precheck=precheck, viewer=_viewer(viewer),
                           event_label=EVENT_LABEL, data_json=json.dumps(detail["data"]["data"], indent=2,
                                                                         ensure_ascii=False, sort_keys=True),
                           documents=process_documents.listing(session, instance.id))


@web.post("/admin/instance/<instance_id>/tindakan/<action_name>")
def admin_instance_action(instance_id, action_name):
    scope = _scope()
    instance = _instance(instance_id, scope)
    form = request.form
    params = {k: form[k].strip() for k in ("task_id", "nip", "dari_nip") if form.get(k, "").strip()}
    try:
        if form.get("data", "").strip():
            try:
                params["data"] = json.loads(form["data"])
            except ValueError as exc:
                raise ValidationFailed({"data": f"JSON tidak valid: {exc}"}) from None
        result = repair.perform(get_session(), instance.id, action_name, g.actor.id, form.get("reason"), params, scope)
        flash(f"{repair.ACTION_LABEL.get(action_name, action_name)}: berhasil; status sekarang "
              f"{status_proses(result['status'])}.", "success")
    except DomainError as exc:
        fields = exc.details.get("fields") or {}
        problems = exc.details.get("problems") or []
        detail = "; ".join([f"{k}: {v}" for k, v in fields.items()] + problems)
        flash(f"{repair.ACTION_LABEL.get(action_name, action_name)} gagal: {exc.message}"
              + (f" ({detail})" if detail and detail not in exc.message else ""), "error")
    return redirect(url_for("web.admin_instance", instance_id=instance.id))


@web.get("/admin/definisi")
def admin_definitions():
    scope = _scope()
    session = get_session()
    query = (select(Instance.definition_id, Instance.status, func.count()).group_by(Instance.definition_id,
                                                                                  Instance.status))
    if scope is not None:
        query = query.where(Instance.instansi_id == scope)
    counts: dict[int, dict] = {}
    for definition_id, status, n in session.execute(query):
        counts.setdefault(definition_id, {})[status] = n
    definitions = session.scalars(select(ProcessDefinition).where(*visible_definitions(scope))
                                  .order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc())).all()
    return render_template("admin_definitions.html", definitions=definitions, counts=counts, statuses=INSTANCE_STATUS)


@web.get("/admin/definisi/<definition_id>")
def admin_definition(definition_id):
    scope = _scope()
    session = get_session()
    definition = scoped_definition(session, parse_id(definition_id), scope)
    days = search.parse_filter({"lebih_dari_hari": request.args.get("lebih_dari_hari", "7")}, scope).lebih_dari_hari
    counts = search.element_counts(session, definition.id, days, scope)
    viewer = {"xml": inspection.diagram_xml(definition), "marks": {}, "counts": counts,
              "list_url": url_for("web.admin_instances", definition_id=definition.id), "days": days}
    return render_template("admin_definition.html", definition=definition, counts=counts, days=days,
                           viewer=_viewer(viewer))


@web.post("/admin/massal")
def admin_batch_start():
    """Step 1 (``konfirmasi`` absent): show the count; step 2: run and show the result per instance."""
    scope = _scope()
    session = get_session()
    form = request.form
    f = search.parse_filter({k[7:]: v for k, v in form.items() if k.startswith("filter_")}, scope)
    action_name, reason = form.get("action", ""), form.get("reason", "")
    params = {k: form[k].strip() for k in ("nip", "dari_nip") if form.get(k, "").strip()}
    if not form.get("konfirmasi"):
        return render_template("admin_batch.html", preview=batch.preview(session, f), f=f, action=action_name,
                               reason=reason, params=params, label=repair.ACTION_LABEL, batch=None)
    started = batch.start(session, f, action_name, params, reason, g.actor.id)
    return redirect(url_for("web.admin_batch", batch_id=started.id))


@web.get("/admin/massal/<batch_id>")
def admin_batch(batch_id):
    scope = _scope()
    found = batch.get(get_session(), parse_id(batch_id), scope)
    return render_template("admin_batch.html", batch=batch.view(found), label=repair.ACTION_LABEL, preview=None)


@web.post("/admin/massal/<batch_id>/jalankan")
def admin_batch_run(batch_id):
    scope = _scope()
    found = batch.get(get_session(), parse_id(batch_id), scope)
    batch.run(get_session(), found.id)
    return redirect(url_for("web.admin_batch", batch_id=found.id))


@web.get("/admin/massal/<batch_id>/kemajuan")
def admin_batch_progress(batch_id):
    scope = _scope()
    found = batch.get(get_session(), parse_id(batch_id), scope)
    return {"status": found.status, "done": found.done, "total": found.total, "failed": found.failed}


@web.get("/admin/tugas-latar")
def admin_jobs():
    """Background jobs (the outbox): the ones failed and waiting first, with their last error."""
    from app import jobs

    scope = _scope()
    session = get_session()
    rows = [*jobs.listing(session, jobs.FAILED, scope), *jobs.listing(session, jobs.PENDING, scope),
            *jobs.listing(session, jobs.DONE, scope, limit=20)]
    return render_template("admin_jobs.html", rows=rows, status_label=jobs.STATUS_LABEL,
                           max_attempts=jobs.MAX_ATTEMPTS)


@web.post("/admin/tugas-latar/<job_id>/ulangi")
def admin_job_retry(job_id):
    from app import jobs
    from core.db import write_transaction

    scope = _scope()
    session = get_session()
    with write_transaction(session):
        row = jobs.requeue(session, jobs.scoped(session, parse_id(job_id), scope))
    flash(f"Tugas latar {row.id} diantrekan ulang; dijalankan oleh penjadwal dalam beberapa detik.", "success")
    return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                    else url_for("web.admin_jobs"))
