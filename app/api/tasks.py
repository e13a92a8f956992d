from uuid import UUID

from flask import g, jsonify

from app import get_session
from app.kinerja.skp import get_skp
from app.kinerja.views import form_of, skp_detail, skp_editor_data, task_summary
from workflows import inbox
from workflows.instances import check_candidate, load, open_task, Run, complete_task

from . import api, json_body, login_required


@api.get("/tasks")
@login_required
def list_tasks():
    return jsonify([task_summary(t) for t in inbox.tasks_for(get_session(), g.actor.id)])


def task_view(session, task) -> dict:
    """One task with its form and current data (for the SKP forms: the SKP as it stands)."""
    workflow = load(Run(session, g.actor.id, task.instance))
    data = dict(workflow.get_task_from_id(UUID(task.id)).data)
    extra = {}
    if "skp_id" in data:
        skp = get_skp(session, data["skp_id"])
        extra = {"skp_id": skp.id, "skp": skp_detail(session, skp)}
        # what the form is completed with starts from the SKP as it stands
        data = skp_editor_data(skp) if task.form_key == "skp-editor" else {}
    return {**task_summary(task), "form": form_of(task), "data": data, **extra}


@api.get("/tasks/<task_id>")
@login_required
def get_task(task_id):
    session = get_session()
    task = open_task(session, task_id)
    check_candidate(session, task, g.actor.id)
    return jsonify(task_view(session, task))


@api.post("/tasks/<task_id>/complete")
@login_required
def complete(task_id):
    body = json_body()
    data = body.get("data")
    session = get_session()
    result = complete_task(session, task_id, g.actor.id, data)
    from .instances import instance_view
    return jsonify({"completed": result["completed"], "instance": instance_view(session, result["instance"])})
