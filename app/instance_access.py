"""Who may see one process instance (its page, its data, the documents it made)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.instances import open_tasks_of
from workflows.models import HumanTaskCandidate, Instance, InstanceEvent
from workflows.search import in_scope


def may_see(session: Session, actor, instance: Instance) -> bool:
    """Superadmin, an admin kinerja of its instansi, its starter, a candidate of an open task, or anyone who acted on it."""
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


def may_see_documents(session: Session, actor, instance: Instance) -> bool:
    """The documents of an instance: whoever may see it, and the pegawai it is about."""
    return instance.subject_pegawai_id == actor.id or may_see(session, actor, instance)
