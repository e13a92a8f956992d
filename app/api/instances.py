from flask import g, jsonify
from sqlalchemy import select

from app import get_session
from core.errors import NotFound
from app.kinerja.views import iso, task_summary
from workflows.instances import events_of, open_tasks_of
from workflows.search import in_scope
from workflows.models import HumanTaskCandidate, Instance, InstanceEvent

from . import api, login_required


def instance_view(session, instance: Instance) -> dict:
    return {"id": instance.id, "status": instance.status, "process_id": instance.process_id,
            "definition_id": instance.definition_id, "definition_version": instance.definition.version,
            "business_key": instance.business_key, "last_error": instance.last_error and {
                k: v for k, v in instance.last_error.items() if k != "traceback"},
            "open_tasks": [task_summary(t) for t in open_tasks_of(session, instance.id)]}


def _may_see(session, actor, instance: Instance) -> bool:
    if actor.has("superadmin"):
        return True
    if actor.has("admin_kinerja") and in_scope(instance, actor.pegawai.instansi_id):
        return True
    if instance.started_by_id == actor.id:
        return True
    tasks = [t.id for t in open_tasks_of(session, instance.id)]
    if tasks and session.scalar(select(HumanTaskCandidate).where(
            HumanTaskCandidate.human_task_id.in_(tasks), HumanTaskCandidate.pegawai_id == actor.id).limit(1)):
        return True
    return session.scalar(select(InstanceEvent.id).where(InstanceEvent.instance_id == instance.id,
                                                         InstanceEvent.actor_id == actor.id).limit(1)) is not None


@api.get("/instances/<int:instance_id>")
@login_required
def get_instance(instance_id):
    session = get_session()
    instance = session.get(Instance, instance_id)
    if instance is None or not _may_see(session, g.actor, instance):
        raise NotFound(f"Instance {instance_id} tidak ditemukan")
    view = instance_view(session, instance)
    view["events"] = [{"at": iso(e.at), "kind": e.kind, "actor_id": e.actor_id, "task_id": e.task_id,
                       "bpmn_id": e.bpmn_id, "task_name": e.task_name, "reason": e.reason,
                       "from_status": e.from_status, "to_status": e.to_status} for e in events_of(session, instance.id)]
    return jsonify(view)
