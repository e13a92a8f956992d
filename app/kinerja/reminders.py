"""Who is told what, and when: the notifications the process sends.

- service ``kirim_notifikasi`` lets a diagram send a message to the people of a role
  (``kepada="Pejabat Penilai"``, several separated by commas) at any point, typically
  after a timer (reminder, escalation, missed deadline); the diagram decides when.
- every human task that opens tells its candidates (``tugas_baru``), except the person
  whose own step opened it and tasks whose ``notifikasi`` property is ``false``.
- the ``pengingat_skp`` scheduler job reminds active pegawai who have no SKP yet for the
  year, at fixed days before the end-of-January deadline: before an SKP exists there is
  no process instance whose timer could do it.
"""
from __future__ import annotations

import datetime as dt
import logging
import os

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db import write_transaction
from core.errors import DomainError
from app.notifications import notify, notify_many
from app.scheduler import job
from workflows import clock, lanes, store
from workflows.scripting import register_service

from .org import Pegawai
from .skp import Skp

log = logging.getLogger("ekinerja.reminders")


def _plain(data: dict) -> dict:
    return {k: v for k, v in data.items() if isinstance(v, (str, int, float, bool)) and not k.startswith("_")}


def _link(data: dict) -> str | None:
    return f"/skp/{data['skp_id']}" if data.get("skp_id") else None


def reminder_kind_and_key(run, jenis: str, context: dict) -> tuple[str, str | None, dict]:
    """What a reminder becomes, and its once-only key.

    A ``pengingat_tugas`` whose tenggat has passed becomes the ``tenggat_terlewat`` sent once per
    instance and tenggat (the diagram's own missed-deadline step shares that key) (a timer set before an SKP existed fires at once; it must not ask to finish "before
    the tenggat"). A reminder goes out once per instance, element, tenggat and days left: a task
    that opens again (an SKP returned and redrafted) does not repeat a milestone already sent.
    """
    due = clock.local_date(store.as_datetime(context.get("tenggat")))  # the instansi's date of the tenggat
    if jenis not in ("pengingat_tugas", "tenggat_terlewat") or due is None:
        return jenis, None, context
    today = clock.today()
    if jenis == "tenggat_terlewat" or due < today:
        return "tenggat_terlewat", f"terlewat:{run.instance.id}:{due.isoformat()}", context
    days = (due - today).days
    element = getattr(getattr(run.step, "task_spec", None), "bpmn_id", "") or ""
    return jenis, f"ingat:{run.instance.id}:{element[:60]}:{due.isoformat()}:{days}", {**context, "hari": days}


@register_service("kirim_notifikasi")
def kirim_notifikasi(run, data: dict, jenis: str, kepada: str, **context) -> int:
    """Notify everyone the roles in ``kepada`` resolve to for this instance; returns how many."""
    jenis, dedup_key, context = reminder_kind_and_key(run, jenis, context)
    recipients: list[int] = []
    for role in (part.strip() for part in kepada.split(",")):
        if not role:
            continue
        try:
            recipients += [pid for pid in lanes.resolve(run.session, role, data) if pid not in recipients]
        except DomainError as exc:  # nobody holds the role now: note it, do not stop the process
            store.log_event(run.session, run.instance, "notification_skipped", reason=f"{role}: {exc.message}")
    rows = notify(run.session, recipients, jenis, {**_plain(data), **context}, link=_link(data), dedup_key=dedup_key)
    return len(rows)


def _task_notice(row, task, actor_id: int | None) -> dict | None:
    """The ``tugas_baru`` notice of a newly opened task to its candidates (but the actor), or None."""
    if not row.in_inbox or str(store.task_properties(task).get("notifikasi", "true")).lower() == "false":
        return None
    recipients = [c.pegawai_id for c in row.candidates if c.pegawai_id != actor_id]
    if not recipients:
        return None
    return dict(pegawai_ids=recipients, kind="tugas_baru",
                context={"judul": row.title or row.name,
                         "tenggat": clock.local_date(row.due_at).isoformat() if row.due_at else "",
                         "nama_pegawai": task.data.get("nama_pegawai", "")},
                link=f"/tugas/{row.id}", dedup_key=f"tugas:{row.id}")


@store.on_new_tasks
def tell_candidates(session: Session, instance, tasks, actor_id: int | None) -> None:
    for row, task in tasks:
        notice = _task_notice(row, task, actor_id)
        if notice is not None:
            notify(session, **notice)


@store.on_new_tasks_many(tell_candidates)
def tell_candidates_many(session: Session, told, actor_id: int | None) -> None:
    """``tell_candidates`` for the tasks of many new instances (opening a period) in one INSERT."""
    notify_many(session, [notice for _, tasks in told for row, task in tasks
                          if (notice := _task_notice(row, task, actor_id)) is not None])


def reminder_days() -> list[int]:
    raw = os.environ.get("EKINERJA_PENGINGAT_SKP_HARI", "14,7,3,1")
    return sorted({int(x) for x in raw.split(",") if x.strip().isdigit()}, reverse=True)


def batas_penetapan(tahun: int) -> dt.date:
    """End of January by default (``EKINERJA_BATAS_PENETAPAN_SKP=MM-DD`` changes it)."""
    month, day = os.environ.get("EKINERJA_BATAS_PENETAPAN_SKP", "01-31").split("-")
    return dt.date(tahun, int(month), int(day))


@job("pengingat_skp", 3600)
def remind_skp_not_started(session_factory: sessionmaker, worker: str) -> dict:
    """Remind active pegawai without an SKP for this year, once per milestone before the deadline."""
    today = clock.today()
    deadline = batas_penetapan(today.year)
    due = [d for d in reminder_days() if deadline - dt.timedelta(days=d) <= today <= deadline]
    if not due:
        return {"diingatkan": 0}
    milestone = min(due)  # the most recent milestone that has been reached
    session = session_factory()
    try:
        with write_transaction(session):
            have_skp = select(Skp.pegawai_id).where(Skp.tahun == today.year, Skp.status != "DIBATALKAN")
            pegawai = list(session.scalars(select(Pegawai.id).where(
                Pegawai.status_kepegawaian == "AKTIF", Pegawai.jabatan_id.is_not(None),
                Pegawai.id.not_in(have_skp))))
            rows = notify(session, pegawai, "skp_belum_dibuat",
                          {"tahun": today.year, "tenggat": deadline.isoformat(), "hari": (deadline - today).days},
                          link="/skp", dedup_key=f"skp-belum-dibuat:{today.year}:{milestone}")
    finally:
        session.close()
    return {"diingatkan": len(rows)}
