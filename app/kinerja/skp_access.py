"""Who may see an SKP, the SKP lists people see, and the status rollback request."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workflows.instances import by_business_key, complete_task, may_complete, open_tasks_of

from . import org
from core.errors import Conflict, Forbidden, NotFound
from .org import Pegawai, Unor
from .skp import Skp, business_key, get_skp

ROLLBACK_FORM = "skp-rollback"


def _subtree_unor_ids(session: Session, root_id: int) -> set[int]:
    ids, frontier = {root_id}, [root_id]
    while frontier:
        children = list(session.scalars(select(Unor.id).where(Unor.parent_id.in_(frontier))))
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


def can_view(session: Session, actor, skp: Skp) -> bool:
    if skp.pegawai_id == actor.id or actor.id in (skp.pejabat_penilai_id, skp.atasan_pejabat_penilai_id):
        return True
    if actor.has("superadmin") or (actor.has("admin_kinerja") and actor.pegawai.instansi_id == skp.instansi_id):
        return True
    if actor.has("jpt"):
        return any(j.id == actor.id for j in org.jpt_over(session, skp.unor))
    penilai = org.pejabat_penilai(session, skp.pegawai)
    return penilai is not None and penilai.id == actor.id


def visible(session: Session, actor, skp_id: int) -> Skp:
    skp = session.get(Skp, skp_id)
    if skp is None or not can_view(session, actor, skp):
        raise NotFound(f"SKP {skp_id} tidak ditemukan")
    return skp


def list_visible(session: Session, actor, tahun: int | None = None, nip: str | None = None) -> list[Skp]:
    query = select(Skp).join(Pegawai, Skp.pegawai_id == Pegawai.id)
    if tahun:
        query = query.where(Skp.tahun == tahun)
    if nip:
        query = query.where(Pegawai.nip == nip)
    if actor.has("superadmin"):
        pass
    elif actor.has("admin_kinerja"):
        query = query.where(Skp.instansi_id == actor.pegawai.instansi_id)
    else:
        scope = [Skp.pegawai_id == actor.id, Skp.pejabat_penilai_id == actor.id,
                 Skp.atasan_pejabat_penilai_id == actor.id]
        if actor.has("jpt") and actor.pegawai.jabatan is not None:
            led = [j.unor_id for j in [actor.pegawai.jabatan] if j.is_pimpinan_unor]
            for unor_id in led:
                scope.append(Skp.unor_id.in_(_subtree_unor_ids(session, unor_id)))
        query = query.where(or_(*scope))
    return list(session.scalars(query.order_by(Skp.tahun.desc(), Pegawai.nama)))


def actions_for(session: Session, actor, skp: Skp) -> list:
    """Open tasks of this SKP's process that the actor may complete (shown as buttons on its page)."""
    instance = by_business_key(session, business_key(skp))
    if instance is None:
        return []
    return [t for t in open_tasks_of(session, instance.id) if may_complete(session, t, actor.id)]


def rollback(session: Session, actor, skp_id: int, reason: str) -> dict:
    """Complete the diagram's rollback task for this SKP (403 if the actor is not in its lane)."""
    skp = visible(session, actor, skp_id)
    instance = by_business_key(session, business_key(skp))
    task = next((t for t in open_tasks_of(session, instance.id) if t.form_key == ROLLBACK_FORM), None) \
        if instance else None
    if task is None:
        raise Conflict(f"SKP berstatus {skp.status} tidak dapat dikembalikan ke draf")
    if not may_complete(session, task, actor.id):
        raise Forbidden("Hanya JPT atas unit pegawai atau admin kinerja yang dapat mengembalikan status SKP")
    session.rollback()
    return complete_task(session, task.id, actor.id, {"alasan": reason} if reason is not None else {})


__all__ = ["can_view", "visible", "list_visible", "actions_for", "rollback", "get_skp"]
