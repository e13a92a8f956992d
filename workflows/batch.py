"""Batch repairs: one action on every instance a filter matches, each in its own transaction.

A preview gives the count first; ``start`` records the batch (status ``siap``) with the ids it
matched; ``run`` (once) records its progress and a result per instance in the ``admin_batch``
row, committed after each instance, so the page polling it shows the progress; a failure on
one instance is written down and does not stop or undo the others.
"""
from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.db import write_transaction
from core.errors import Conflict, DomainError, NotFound, ValidationFailed

from . import clock, repair, search
from .models import AdminBatch

MAX_INSTANCES = 5000


def preview(session: Session, f: search.Filter) -> dict:
    total = search.count(session, f)
    return {"total": total, "limit": MAX_INSTANCES, "sample": search.matching_ids(session, f, limit=20)}


def start(session: Session, f: search.Filter, action_name: str, params: dict, reason: str,
          actor_id: int | None) -> AdminBatch:
    """Record the batch (validated, with the ids it will touch) without running it yet."""
    if not isinstance(action_name, str) or action_name not in repair.ACTIONS:
        raise ValidationFailed({"action": f"harus salah satu dari: {', '.join(sorted(repair.ACTIONS))}"})
    if not isinstance(params, dict):
        raise ValidationFailed({"params": "harus objek"})
    reason = repair._reason(reason)
    ids = search.matching_ids(session, f, limit=MAX_INSTANCES + 1)
    if not ids:
        raise ValidationFailed({"filter": "tidak ada instance yang cocok dengan filter ini"})
    if len(ids) > MAX_INSTANCES:
        raise ValidationFailed({"filter": f"lebih dari {MAX_INSTANCES} instance cocok; persempit filternya"})
    with write_transaction(session):
        batch = AdminBatch(actor_id=actor_id, instansi_id=f.instansi_id, action=action_name,
                           filter=f.as_args(), params=params, reason=reason, status="siap", total=len(ids),
                           done=0, failed=0, results=[{"instance_id": i, "hasil": "menunggu"} for i in ids],
                           created_at=clock.now())
        session.add(batch)
    return batch


def run(session: Session, batch_id: int) -> AdminBatch:
    """Apply the batch's action to each instance still waiting its turn; one transaction each.
    Only one run per batch: a second request is refused while or after it runs."""
    with write_transaction(session):
        claimed = session.execute(update(AdminBatch).where(AdminBatch.id == batch_id, AdminBatch.status == "siap")
                                  .values(status="berjalan")).rowcount
    if not claimed:
        raise Conflict(f"Batch {batch_id} sedang atau sudah dijalankan")
    batch = get(session, batch_id, None)
    results = [dict(r) for r in batch.results]
    for result in results:
        if result["hasil"] != "menunggu":
            continue
        try:
            outcome = repair.perform(session, result["instance_id"], batch.action, batch.actor_id, batch.reason,
                                     batch.params, batch.instansi_id)
            result.update(hasil="berhasil", status=outcome["status"])
        except DomainError as exc:
            fields = exc.details.get("fields") if exc.details else None
            result.update(hasil="gagal", pesan=exc.message + (f" ({fields})" if fields else ""))
        except Exception as exc:  # noqa: BLE001 - one instance must not stop the batch
            session.rollback()
            logging.getLogger("ekinerja").exception("batch %s, instance %s", batch.id, result["instance_id"])
            result.update(hasil="gagal", pesan=f"kesalahan tak terduga: {exc.__class__.__name__}")
        with write_transaction(session):
            batch = session.get(AdminBatch, batch_id)
            batch.results = [dict(r) for r in results]
            batch.done = sum(1 for r in results if r["hasil"] != "menunggu")
            batch.failed = sum(1 for r in results if r["hasil"] == "gagal")
    with write_transaction(session):
        batch = session.get(AdminBatch, batch_id)
        batch.status = "selesai"
        batch.finished_at = clock.now()
    return batch


def get(session: Session, batch_id: int, instansi_id: int | None) -> AdminBatch:
    batch = session.get(AdminBatch, batch_id)
    if batch is None or (instansi_id is not None and batch.instansi_id != instansi_id):
        raise NotFound(f"Batch {batch_id} tidak ditemukan")
    return batch


def view(batch: AdminBatch) -> dict:
    return {"id": batch.id, "action": batch.action, "filter": batch.filter, "params": batch.params,
            "reason": batch.reason, "status": batch.status, "total": batch.total, "done": batch.done,
            "failed": batch.failed, "results": batch.results, "created_at": batch.created_at,
            "finished_at": batch.finished_at}
