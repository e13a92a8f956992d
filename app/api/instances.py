from flask import Response, g, jsonify

from app import get_session
from app.documents import process_documents
from app.instance_access import may_see, may_see_documents
from core.errors import NotFound
from app.kinerja.views import iso, task_summary
from workflows.instances import events_of, open_tasks_of
from workflows.models import Instance

from . import api, login_required


def instance_view(session, instance: Instance) -> dict:
    return {"id": instance.id, "status": instance.status, "process_id": instance.process_id,
            "definition_id": instance.definition_id, "definition_version": instance.definition.version,
            "business_key": instance.business_key, "last_error": instance.last_error and {
                k: v for k, v in instance.last_error.items() if k != "traceback"},
            "open_tasks": [task_summary(t) for t in open_tasks_of(session, instance.id)]}


@api.get("/instances/<int:instance_id>")
@login_required
def get_instance(instance_id):
    session = get_session()
    instance = session.get(Instance, instance_id)
    if instance is None or not may_see(session, g.actor, instance):
        raise NotFound(f"Instance {instance_id} tidak ditemukan")
    view = instance_view(session, instance)
    view["events"] = [{"at": iso(e.at), "kind": e.kind, "actor_id": e.actor_id, "task_id": e.task_id,
                       "bpmn_id": e.bpmn_id, "task_name": e.task_name, "reason": e.reason,
                       "from_status": e.from_status, "to_status": e.to_status} for e in events_of(session, instance.id)]
    return jsonify(view)


def _documents_instance(session, instance_id: int) -> Instance:
    instance = session.get(Instance, instance_id)
    if instance is None or not may_see_documents(session, g.actor, instance):
        raise NotFound(f"Instance {instance_id} tidak ditemukan")
    return instance


@api.get("/instances/<int:instance_id>/documents")
@login_required
def instance_documents(instance_id):
    """Documents the instance made from templates (``buat_dokumen``) and the ones still being made."""
    session = get_session()
    instance = _documents_instance(session, instance_id)
    return jsonify(process_documents.listing(session, instance.id))


@api.get("/instances/<int:instance_id>/documents/<int:dokumen_id>")
@login_required
def instance_document(instance_id, dokumen_id):
    session = get_session()
    instance = _documents_instance(session, instance_id)
    row = process_documents.get(session, instance.id, dokumen_id)
    return Response(row.content, headers=process_documents.download_headers(row))
