"""Moving a running instance to the newest version of its process, and back.

The pre-check compares the instance's tree with the new spec (SpiffWorkflow's
``diff_workflow``): a task that is completed or running and changed or removed in the new
version, or a task that waits (ready, waiting, failed) and is missing or of another type
there, makes the migration unsafe and it is refused. The migration event keeps the
previous definition and state, so "batalkan migrasi" restores them exactly as long as
nothing else happened to the instance since.
"""
from __future__ import annotations

import base64

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from core.errors import Conflict, NotFound

from . import store
from .definitions import latest, specs_of
from .instances import Run, advance, load
from .models import HumanTask, HumanTaskCandidate, Instance, InstanceEvent, ProcessDefinition
from .repair import FINISHED, Repair, action
from .scripting import Engine

WAITS = TaskState.READY | TaskState.WAITING | TaskState.ERROR
DONE = TaskState.COMPLETED | TaskState.STARTED


def _refresh_open_tasks(session: Session, instance: Instance) -> None:
    """Open tasks are written again from the new version at save (names, lanes and forms may differ)."""
    session.execute(delete(HumanTaskCandidate).where(HumanTaskCandidate.human_task_id.in_(
        select(HumanTask.id).where(HumanTask.instance_id == instance.id))))
    session.execute(delete(HumanTask).where(HumanTask.instance_id == instance.id))


def _label(task) -> str:
    spec = task.task_spec
    return f"{spec.bpmn_name or spec.bpmn_id} ({spec.bpmn_id})"


def _check(workflow_diff, new_ids: set[str], problems: list[str], changes: list[str]) -> None:
    for task in [*workflow_diff.alignment, *workflow_diff.removed]:
        if task.state & WAITS and task.task_spec.bpmn_id and task.task_spec.bpmn_id not in new_ids:
            problems.append(f"{_label(task)} sedang menunggu dan tidak ada di versi baru")
    for task in workflow_diff.removed:
        if task.task_spec.bpmn_id is None:
            continue
        if task.state & DONE:
            problems.append(f"{_label(task)} sudah dilalui dan tidak ada di versi baru")
        elif not task.state & WAITS:
            changes.append(f"{_label(task)} dihapus di versi baru")
    for task in workflow_diff.changed:
        if task.task_spec.bpmn_id is None:
            continue
        if task.state & DONE:
            problems.append(f"{_label(task)} sudah dilalui dan berubah di versi baru")
        else:
            changes.append(f"{_label(task)} berubah di versi baru")
    for task, new_spec in workflow_diff.alignment.items():
        if new_spec is not None and task.state & WAITS and type(new_spec) is not type(task.task_spec):
            problems.append(f"{_label(task)} sedang menunggu dan jenisnya berbeda di versi baru "
                            f"({type(task.task_spec).__name__} → {type(new_spec).__name__})")


def compare(workflow: BpmnWorkflow, current: ProcessDefinition, target: ProcessDefinition) -> dict:
    """What migrating this workflow to ``target`` would change, and why it would be unsafe."""
    new_spec, new_subs = specs_of(target)
    workflow_diff, sub_diffs = diff_workflow(store.SERIALIZER.registry, workflow, new_spec, new_subs)
    problems: list[str] = []
    changes: list[str] = []
    new_ids = {s.bpmn_id for spec in (new_spec, *new_subs.values()) for s in spec.task_specs.values() if s.bpmn_id}
    _check(workflow_diff, new_ids, problems, changes)
    for sub_id, sub_diff in sub_diffs.items():
        if sub_diff is None:
            problems.append(f"subproses yang sedang berjalan ({sub_id}) tidak ada di versi baru")
        else:
            _check(sub_diff, new_ids, problems, changes)
    old_ids = {s.bpmn_id for s in workflow.spec.task_specs.values() if s.bpmn_id}
    for spec in new_spec.task_specs.values():
        if spec.bpmn_id and spec.bpmn_id not in old_ids:
            changes.append(f"{spec.bpmn_name or spec.bpmn_id} ({spec.bpmn_id}) ditambahkan di versi baru")
    return {"from_version": current.version, "to_version": target.version, "to_definition_id": target.id,
            "safe": not problems, "problems": problems, "changes": sorted(set(changes)),
            "diffs": (workflow_diff, sub_diffs, new_spec, new_subs)}


def precheck(session: Session, instance: Instance) -> dict:
    """The pre-check shown before a migration (read only)."""
    target = latest(session, instance.process_id, instance.instansi_id or instance.definition.instansi_id)
    if instance.status in FINISHED:
        return {"from_version": instance.definition.version, "to_version": target.version, "safe": False,
                "problems": [f"instance sudah berstatus {instance.status}"], "changes": []}
    if target.id == instance.definition_id:
        return {"from_version": instance.definition.version, "to_version": target.version, "safe": False,
                "problems": ["instance sudah memakai versi terbaru"], "changes": []}
    result = compare(load(Run(session, None, instance)), instance.definition, target)
    result.pop("diffs")
    return result


@action("migrate")
def migrate(repair: Repair) -> None:
    run = repair.run
    instance, session = run.instance, run.session
    if instance.status in FINISHED:
        raise Conflict(f"Instance sudah berstatus {instance.status}; tidak dapat dimigrasikan")
    target = latest(session, instance.process_id, instance.instansi_id or instance.definition.instansi_id)
    if target.id == instance.definition_id:
        raise Conflict("Instance sudah memakai versi terbaru")
    result = compare(repair.workflow, instance.definition, target)
    if not result["safe"]:
        raise Conflict("Migrasi tidak aman dan ditolak: " + "; ".join(result["problems"]),
                       {"problems": result["problems"]})
    workflow_diff, sub_diffs, new_spec, new_subs = result["diffs"]
    repair.details["undo"] = {"definition_id": instance.definition_id, "status": instance.status,
                              "state": base64.b64encode(instance.state).decode("ascii")}
    repair.details.update(from_version=result["from_version"], to_version=result["to_version"],
                          changes=result["changes"])
    workflow = repair.workflow
    migrate_workflow(workflow_diff, workflow, new_spec)
    for sub_id, sub in workflow.subprocesses.items():
        migrate_workflow(sub_diffs[sub_id], sub, new_subs.get(sub.spec.name))
    workflow.subprocess_specs = new_subs
    instance.definition_id = target.id
    instance.definition = target
    _refresh_open_tasks(session, instance)
    advance(run, workflow)


@action("undo_migration")
def undo_migration(repair: Repair) -> None:
    run = repair.run
    instance, session = run.instance, run.session
    last = session.scalar(select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
                          .order_by(InstanceEvent.id.desc()).limit(1))
    if last is None or last.kind != "admin_migrate" or not (last.data or {}).get("undo"):
        raise Conflict("Tidak ada migrasi yang dapat dibatalkan: tindakan terakhir pada instance ini bukan migrasi")
    undo = last.data["undo"]
    previous = session.get(ProcessDefinition, undo["definition_id"])
    if previous is None:
        raise NotFound("Versi definisi sebelum migrasi tidak ditemukan")
    state = base64.b64decode(undo["state"])
    spec, subs = specs_of(previous)
    repair.workflow = store.load_state(state, spec, subs, Engine(run))
    instance.definition_id = previous.id
    instance.definition = previous
    instance.status = undo["status"]
    _refresh_open_tasks(session, instance)
    repair.details.update(kembali_ke_versi=previous.version, migrasi_event_id=last.id)
