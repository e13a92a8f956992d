"""What an admin sees of one instance: diagram marks, task history, current data, events, error.

This is the one place of the admin console that loads the workflow (for one instance only):
the diagram's completed, active and failed elements and the current data come from its
state; who did what and when comes from the append-only event log.
"""
from __future__ import annotations

import json
import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.util.task import TaskState


from . import directory
from .instances import Run, events_of, load, open_tasks_of
from .models import Instance, ProcessDefinition
from .repair import rewind_targets


def diagram_xml(definition: ProcessDefinition) -> str:
    """The BPMN file of the definition that holds its process (what the viewer draws)."""
    pattern = re.compile(r'<(?:\w+:)?process\b[^>]*\bid="%s"' % re.escape(definition.process_id))
    for name, text in sorted((definition.sources or {}).items()):
        if name.endswith(".bpmn") and pattern.search(text):
            return text
    return ""


def marks(workflow) -> dict:
    """Diagram element ids by what happened there: completed, active (ready/waiting/started), failed."""
    result = {"completed": set(), "active": set(), "error": set()}
    for task in workflow.get_tasks():
        bpmn_id = task.task_spec.bpmn_id
        if not bpmn_id:
            continue
        if task.state == TaskState.ERROR:
            result["error"].add(bpmn_id)
        elif task.state & (TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            result["active"].add(bpmn_id)
        elif task.state == TaskState.COMPLETED:
            result["completed"].add(bpmn_id)
    result["completed"] -= result["active"] | result["error"]
    return {k: sorted(v) for k, v in result.items()}


def _plain(value):
    return json.loads(json.dumps(value, default=str))


def current_data(workflow) -> dict:
    """The data of the task the instance stands at (the failed or open one), else the workflow's."""
    for state in (TaskState.ERROR, TaskState.READY, TaskState.WAITING):
        tasks = [t for t in workflow.get_tasks(state=state) if t.task_spec.bpmn_id]
        if tasks:
            return {"task_id": str(tasks[0].id), "bpmn_id": tasks[0].task_spec.bpmn_id, "data": _plain(tasks[0].data)}
    last = workflow.last_task
    return {"task_id": None, "bpmn_id": None, "data": _plain(last.data if last is not None else workflow.data)}


def detail(session: Session, instance: Instance) -> dict:
    Pegawai = directory.person()
    workflow = load(Run(session, None, instance))
    events = events_of(session, instance.id)
    people = {p.id: p for p in session.scalars(select(Pegawai).where(
        Pegawai.id.in_({e.actor_id for e in events if e.actor_id} | {instance.subject_pegawai_id or 0})))}
    tasks = open_tasks_of(session, instance.id)
    for task in tasks:
        for c in task.candidates:
            people.setdefault(c.pegawai_id, session.get(Pegawai, c.pegawai_id))

    def who(pegawai_id):
        p = people.get(pegawai_id)
        return {"id": p.id, "nip": p.nip, "nama": p.nama_lengkap} if p else None

    return {
        "id": instance.id, "process_id": instance.process_id, "business_key": instance.business_key,
        "status": instance.status, "definition_id": instance.definition_id,
        "definition_version": instance.definition.version, "definition_name": instance.definition.name,
        "pegawai": who(instance.subject_pegawai_id), "created_at": instance.created_at,
        "updated_at": instance.updated_at, "waiting_since": instance.waiting_since,
        "error": instance.last_error, "marks": marks(workflow), "data": current_data(workflow),
        "open_tasks": [{"id": t.id, "bpmn_id": t.bpmn_id, "name": t.name, "lane": t.lane, "created_at": t.created_at,
                        "due_at": t.due_at, "candidates": [who(c.pegawai_id) for c in t.candidates]} for t in tasks],
        "history": [{"at": e.at, "actor": who(e.actor_id), "task_id": e.task_id, "bpmn_id": e.bpmn_id,
                     "task_name": e.task_name, "data": e.data} for e in events if e.kind == "task_completed"],
        "events": [{"id": e.id, "at": e.at, "kind": e.kind, "actor": who(e.actor_id), "bpmn_id": e.bpmn_id,
                    "task_name": e.task_name, "reason": e.reason, "from_status": e.from_status,
                    "to_status": e.to_status,
                    "data": {k: v for k, v in (e.data or {}).items() if k != "undo"} if e.data else None}
                   for e in events],
        "rewind_targets": rewind_targets(workflow),
        "migration_undoable": bool(events) and events[-1].kind == "admin_migrate",
    }
