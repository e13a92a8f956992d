"""Reads of the open human tasks (the inbox never touches engine state)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .models import HumanTask, HumanTaskCandidate


def tasks_for(session: Session, pegawai_id: int, inbox_only: bool = True) -> list[HumanTask]:
    query = (select(HumanTask).join(HumanTaskCandidate, HumanTaskCandidate.human_task_id == HumanTask.id)
             .where(HumanTaskCandidate.pegawai_id == pegawai_id).options(joinedload(HumanTask.instance))
             .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at))
    if inbox_only:
        query = query.where(HumanTask.in_inbox.is_(True))
    return list(session.scalars(query))
