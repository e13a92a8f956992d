"""Admin repairs of one instance: retry, edit data, suspend/resume, terminate, rewind, skip, reassign.

Every repair runs like a task completion (``instances.complete_task``): one write
transaction, the instance row locked, the workflow loaded, the action, the engine run
until it waits, state and derived tables saved. Each needs a reason and appends an
``admin_<action>`` event with the instance's state before and after. An engine error
during the repair leaves the instance in the error state again, data intact; a refused
repair (DomainError) writes nothing. Migration to a new version is in ``migration.py``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from core.db import write_transaction
from core.errors import Conflict, NotFound, ValidationFailed

from . import directory, store
from .instances import Run, _lock, advance, load
from .models import HumanTask, HumanTaskCandidate, Instance, InstanceElement

ACTION_LABEL = {
    "retry": "Coba lagi tugas yang gagal", "edit_data": "Ubah data", "suspend": "Tangguhkan",
    "resume": "Lanjutkan", "terminate": "Hentikan", "rewind": "Kembalikan ke tugas sebelumnya",
    "skip": "Lewati / selesaikan tugas", "reassign": "Alihkan tugas", "migrate": "Migrasikan ke versi terbaru",
    "undo_migration": "Batalkan migrasi",
}
FINISHED = ("completed", "terminated")


@dataclass
class Repair:
    """What one action gets: the run (session, actor, instance), the loaded workflow and its parameters."""

    run: Run
    workflow: BpmnWorkflow
    params: dict
    details: dict


Action = Callable[[Repair], None]
ACTIONS: dict[str, Action] = {}


def action(name: str):
    def decorate(fn: Action) -> Action:
        ACTIONS[name] = fn
        return fn
    return decorate


def _reason(reason: Any) -> str:
    text = str(reason or "").strip()
    if not text:
        raise ValidationFailed({"reason": "wajib diisi: tulis alasan tindakan ini"})
    if len(text) > 2000:
        raise ValidationFailed({"reason": "paling banyak 2000 karakter"})
    return text


def snapshot(session: Session, instance: Instance) -> dict:
    """The instance as the event log records it before and after an action."""
    session.flush()
    elements = session.execute(select(InstanceElement.bpmn_id, InstanceElement.state)
                               .where(InstanceElement.instance_id == instance.id)
                               .order_by(InstanceElement.bpmn_id)).all()
    tasks = session.execute(select(HumanTask.bpmn_id, HumanTaskCandidate.pegawai_id)
                            .join(HumanTaskCandidate, HumanTaskCandidate.human_task_id == HumanTask.id)
                            .where(HumanTask.instance_id == instance.id).order_by(HumanTask.bpmn_id)).all()
    return {"status": instance.status, "definition_id": instance.definition_id,
            "elements": [f"{b}:{s}" for b, s in elements],
            "candidates": [f"{b}:{p}" for b, p in tasks]}


def perform(session: Session, instance_id: int, action_name: str, actor_id: int | None, reason: Any,
            params: dict | None = None, instansi_id: int | None = None) -> dict:
    """Run one repair on one instance in its own transaction; ``instansi_id`` limits the scope (None = all)."""
    if action_name not in ACTIONS:
        raise ValidationFailed({"action": f"harus salah satu dari: {', '.join(sorted(ACTIONS))}"})
    if not isinstance(params or {}, dict):
        raise ValidationFailed({"params": "harus objek"})
    reason = _reason(reason)
    try:
        with write_transaction(session):
            instance = _lock(session, instance_id)
            if instansi_id is not None and instance.instansi_id != instansi_id:
                raise NotFound(f"Instance {instance_id} tidak ditemukan")
            before = snapshot(session, instance)
            run = Run(session, actor_id, instance)
            repair = Repair(run, load(run), dict(params or {}), {})
            ACTIONS[action_name](repair)
            instance = run.instance
            store.save(session, instance, repair.workflow, actor_id)
            after = snapshot(session, instance)
            store.log_event(session, instance, f"admin_{action_name}", actor_id, reason=reason,
                            from_status=before["status"], to_status=after["status"],
                            data={"before": before, "after": after, **_plain(repair.details)})
            shown = {k: v for k, v in repair.details.items() if k != "undo"}  # the stored previous state
            return {"instance_id": instance.id, "action": action_name, "status": instance.status,
                    "before": before, "after": after, "details": _plain(shown)}
    except StaleDataError:
        raise Conflict("Proses diubah oleh permintaan lain pada saat yang sama; muat ulang dan coba lagi") from None


def _plain(value):
    return json.loads(json.dumps(value, default=str))


def _task(repair: Repair, states: int, what: str, param: str = "task_id"):
    """The task named by ``params[param]`` in one of ``states``, or the first such task when none is named."""
    task_id = repair.params.get(param)
    if task_id:
        uuid = store.task_uuid(str(task_id))
        task = repair.workflow.get_task_from_id(uuid) if uuid else None
        if task is None:
            raise ValidationFailed({param: f"tugas {task_id} tidak ada pada instance ini"})
        if not task.state & states:
            raise Conflict(f"Tugas '{task.task_spec.bpmn_name or task.task_spec.bpmn_id}' berstatus "
                           f"{TaskState.get_name(task.state)}; {what}")
        return task
    tasks = [t for t in repair.workflow.get_tasks(state=states) if t.task_spec.bpmn_id]
    if not tasks:
        raise Conflict(f"Tidak ada tugas yang dapat diproses: {what}")
    return tasks[0]


def _reopen(repair: Repair) -> None:
    """Let the engine decide the status again (it stays error, suspended or terminated otherwise)."""
    repair.run.instance.status = "running"
    repair.run.instance.last_error = None


def _not_finished(repair: Repair) -> None:
    if repair.run.instance.status in FINISHED:
        raise Conflict(f"Instance sudah berstatus {repair.run.instance.status}; tindakan ini tidak berlaku")


@action("retry")
def retry(repair: Repair) -> None:
    """Run the failed element again from where it stopped, with the (possibly corrected) data."""
    if repair.run.instance.status != "error":
        raise Conflict("Instance tidak dalam status error; tidak ada yang perlu dicoba lagi")
    failed = repair.workflow.get_tasks(state=TaskState.ERROR)
    if failed:
        task = _task(repair, TaskState.ERROR, "hanya tugas yang gagal dapat dicoba lagi")
        task._set_state(TaskState.READY)
        repair.run.retried = task.id
        repair.details["task"] = {"id": str(task.id), "bpmn_id": task.task_spec.bpmn_id}
    _reopen(repair)
    advance(repair.run, repair.workflow)


def _data_param(repair: Repair, name: str = "data", required: bool = True) -> dict | None:
    data = repair.params.get(name)
    if data is None and not required:
        return None
    if not isinstance(data, dict):
        raise ValidationFailed({name: "harus objek JSON"})
    return data


def data_diff(old: dict, new: dict) -> dict:
    changed = {k: {"lama": old[k], "baru": new[k]} for k in old if k in new and old[k] != new[k]}
    return {"diubah": changed, "ditambah": {k: new[k] for k in new if k not in old},
            "dihapus": {k: old[k] for k in old if k not in new}}


@action("edit_data")
def edit_data(repair: Repair) -> None:
    """Replace the data of a ready, waiting or failed task; the diff goes to the event log."""
    _not_finished(repair)
    task = _task(repair, TaskState.READY | TaskState.ERROR | TaskState.WAITING,
                 "hanya data tugas yang terbuka atau gagal dapat diubah")
    new = _plain(_data_param(repair))
    old = _plain(task.data)
    diff = data_diff(old, new)
    if not any(diff.values()):
        raise ValidationFailed({"data": "tidak ada perubahan"})
    task.data = dict(new)
    repair.details.update(task={"id": str(task.id), "bpmn_id": task.task_spec.bpmn_id}, diff=diff)


@action("suspend")
def suspend(repair: Repair) -> None:
    """Nobody can complete its tasks and its timers do not fire until it is resumed."""
    _not_finished(repair)
    if repair.run.instance.status == "suspended":
        raise Conflict("Instance sudah ditangguhkan")
    repair.run.instance.status = "suspended"


@action("resume")
def resume(repair: Repair) -> None:
    if repair.run.instance.status != "suspended":
        raise Conflict("Instance tidak sedang ditangguhkan")
    repair.run.instance.status = "running"
    advance(repair.run, repair.workflow)


@action("terminate")
def terminate(repair: Repair) -> None:
    """Cancel every unfinished task; the instance ends as terminated."""
    _not_finished(repair)
    cancelled = repair.workflow.cancel()
    repair.details["cancelled"] = sorted({t.task_spec.bpmn_id for t in cancelled if t.task_spec.bpmn_id})
    _reopen(repair)


def rewind_targets(workflow: BpmnWorkflow) -> list[dict]:
    """Completed diagram tasks an admin may go back to (newest first)."""
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id and (t.task_spec.manual or t.task_spec.__class__.__name__.endswith("Task"))]
    done.sort(key=lambda t: t.last_state_change, reverse=True)
    return [{"id": str(t.id), "bpmn_id": t.task_spec.bpmn_id, "name": t.task_spec.bpmn_name or t.task_spec.bpmn_id,
             "manual": bool(t.task_spec.manual)} for t in done]


@action("rewind")
def rewind(repair: Repair) -> None:
    """Go back to an earlier task: it opens again with the data it had, everything after it is dropped."""
    if repair.run.instance.status in ("terminated", "suspended"):
        raise Conflict(f"Instance berstatus {repair.run.instance.status}; lanjutkan dulu sebelum dikembalikan")
    if not repair.params.get("task_id"):
        raise ValidationFailed({"task_id": "wajib diisi: pilih tugas tujuan"})
    task = _task(repair, TaskState.COMPLETED | TaskState.ERROR | TaskState.READY | TaskState.WAITING,
                 "hanya tugas yang sudah dilalui dapat menjadi titik kembali")
    removed = repair.workflow.reset_from_task_id(task.id)
    repair.workflow.completed = False  # SpiffWorkflow leaves it set on a finished workflow (pitfall P4)
    repair.details.update(task={"id": str(task.id), "bpmn_id": task.task_spec.bpmn_id},
                          removed=sorted({t.task_spec.bpmn_id for t in removed if t.task_spec.bpmn_id}))
    _reopen(repair)
    advance(repair.run, repair.workflow)


@action("skip")
def skip(repair: Repair) -> None:
    """Complete a ready or failed task as admin without running its body, with optional data."""
    _not_finished(repair)
    task = _task(repair, TaskState.READY | TaskState.ERROR, "hanya tugas yang terbuka atau gagal dapat dilewati")
    data = _data_param(repair, required=False)
    if data:
        task.data.update(_plain(data))
    task._set_state(TaskState.READY)
    task.complete()
    repair.details.update(task={"id": str(task.id), "bpmn_id": task.task_spec.bpmn_id}, data=data or {})
    _reopen(repair)
    advance(repair.run, repair.workflow)


@action("reassign")
def reassign(repair: Repair) -> None:
    """Give open human tasks to another pegawai (of the instance's instansi): the task named by
    ``task_id``, or every open task waiting on ``dari_nip`` (what a batch uses when a penilai moved)."""
    Pegawai = directory.person()
    _not_finished(repair)
    session, instance = repair.run.session, repair.run.instance
    task_id, nip = str(repair.params.get("task_id") or ""), str(repair.params.get("nip") or "").strip()
    dari = str(repair.params.get("dari_nip") or "").strip()
    errors = {}
    if task_id:
        row = session.get(HumanTask, task_id) if store.task_uuid(task_id) else None
        rows = [row] if row is not None and row.instance_id == instance.id else []
        if not rows:
            errors["task_id"] = "bukan tugas terbuka pada instance ini"
    elif dari:
        rows = list(session.scalars(select(HumanTask).join(HumanTaskCandidate).join(
            Pegawai, Pegawai.id == HumanTaskCandidate.pegawai_id).where(
            HumanTask.instance_id == instance.id, Pegawai.nip == dari)))
        if not rows:
            errors["dari_nip"] = "tidak ada tugas terbuka pada instance ini yang menunggu pegawai ini"
    else:
        errors["task_id"] = "wajib diisi (atau dari_nip: NIP pegawai yang ditunggu)"
    pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == nip)) if nip else None
    if pegawai is None or (instance.instansi_id is not None and pegawai.instansi_id != instance.instansi_id):
        errors["nip"] = "pegawai dengan NIP ini tidak ada di instansi proses ini"
    elif pegawai.status_kepegawaian != "AKTIF":
        errors["nip"] = f"pegawai berstatus {pegawai.status_kepegawaian}"
    if errors:
        raise ValidationFailed(errors)
    moved = []
    for row in rows:
        previous = [c.pegawai_id for c in row.candidates]
        if previous == [pegawai.id]:
            raise ValidationFailed({"nip": "tugas ini sudah untuk pegawai tersebut"})
        row.candidates = [HumanTaskCandidate(pegawai_id=pegawai.id)]
        row.assignee_id = pegawai.id
        row.assigned_by_admin = True  # automatic re-routing (workflows/rerouting.py) leaves it here
        moved.append({"task_id": row.id, "bpmn_id": row.bpmn_id, "dari": previous, "ke": pegawai.id})
    session.flush()
    store.tell_new_tasks(session, instance, [(row, repair.workflow.get_task_from_id(store.task_uuid(row.id)))
                                             for row in rows], repair.run.actor_id)
    repair.details["tasks"] = moved


def reindex(session: Session) -> int:
    """Rewrite the derived columns and tables of every unfinished instance (after an upgrade that added
    them): who it is about (from its first task's data) and where it stands. One transaction each."""
    ids = list(session.scalars(select(Instance.id).where(Instance.status.notin_(FINISHED)).order_by(Instance.id)))
    for instance_id in ids:
        try:
            with write_transaction(session):
                instance = _lock(session, instance_id)
                run = Run(session, None, instance)
                workflow = load(run)
                if instance.subject_pegawai_id is None:
                    store.set_subject(session, instance, dict(workflow.task_tree.data))
                store.save(session, instance, workflow)
        except StaleDataError:
            continue  # saved meanwhile by a request, which rewrote the same tables
    return len(ids)
