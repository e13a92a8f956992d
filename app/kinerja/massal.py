"""Bulk completion (persetujuan massal): a pejabat penilai approves several submitted SKP (or completes
several tasks) at once. Each item is completed by ``workflows.instances.complete_task``, exactly like a
single completion: its own transaction under its instance's lock, its form validated and applied by the
same handlers, its own ``task_completed`` event. An item that fails is rolled back alone and reported
with the reason; the others are kept.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import DomainError, ValidationFailed
from workflows import inbox
from workflows.instances import complete_task

from .penilai import diwakili
from .skp import Skp

MAX_ITEMS = 200
SKP_REVIEW = "skp-review"


def _items(body) -> list[dict]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ValidationFailed({"items": "wajib berisi daftar tugas: [{\"task_id\", \"data\"}]"})
    if len(items) > MAX_ITEMS:
        raise ValidationFailed({"items": f"paling banyak {MAX_ITEMS} tugas per permintaan"})
    fields = {}
    for i, item in enumerate(items):
        task_id = item.get("task_id") if isinstance(item, dict) else None
        if not isinstance(task_id, str) or not task_id.strip() or len(task_id) > 64 or not task_id.isprintable():
            fields[f"items[{i}].task_id"] = "wajib diisi dengan id tugas (teks)"
        elif not isinstance(item.get("data", {}), dict):
            fields[f"items[{i}].data"] = "harus berupa objek JSON"
    if fields:
        raise ValidationFailed(fields)
    return items


def selesaikan(session: Session, actor_id: int, body) -> dict:
    """Complete each item as ``actor_id``; a result per item (``berhasil`` or ``gagal`` with the reason)."""
    hasil = []
    for item in _items(body):
        task_id = item["task_id"].strip()
        try:
            result = complete_task(session, task_id, actor_id, item.get("data") or {})
        except DomainError as exc:  # complete_task's transaction was rolled back: nothing of this item stays
            session.rollback()
            row = {"task_id": task_id, "status": "gagal", "kode": exc.code, "http_status": exc.status,
                   "pesan": exc.message}
            if exc.details.get("fields"):
                row["fields"] = exc.details["fields"]
            hasil.append(row)
            continue
        instance = result["instance"]
        hasil.append({"task_id": task_id, "status": "berhasil" if result["completed"] else "draf",
                      "instance_id": instance.id, "business_key": instance.business_key,
                      "status_proses": instance.status})
    return {"hasil": hasil, "berhasil": sum(r["status"] == "berhasil" for r in hasil),
            "gagal": sum(r["status"] == "gagal" for r in hasil)}


def skp_menunggu(session: Session, actor_id: int) -> list[dict]:
    """The submitted SKP whose review waits on this pegawai (Tugas Saya's "Periksa SKP"), for the bulk page."""
    rows = []
    for task in inbox.tasks_for(session, actor_id):
        if task.form_key != SKP_REVIEW:
            continue
        key = task.instance.business_key or ""
        skp = session.get(Skp, int(key.split(":", 1)[1])) if key.startswith("skp:") and key[4:].isdigit() else None
        if skp is None:
            continue
        rows.append({"task": task, "skp": skp, "ppk": diwakili(session, skp.pejabat_penilai)})
    return rows
