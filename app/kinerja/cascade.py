"""Cascading of RHK through a change of leader (domain §1.2 "RHK organisasi", §3.6).

Organisational RHK (``klasifikasi = ORGANISASI``) belong to the leader *position*, not to the
person: a subordinate's link to one stays valid when the leader changes, as long as it is an
RHK of an approved SKP of that position in the same year. The successor's new SKP is seeded
with copies of them (``inherited_from_rhk_id``); once the successor's SKP is approved the
subordinates' links that are still open to change follow to the copies.

Parallel drafting: a subordinate may draft against the leader's draft RHK or write the
intervened RHK as text; submission is held until the link points to an approved RHK, and the
approval of the leader's SKP tells the waiting subordinates to re-link. ``who_waits`` lists,
per unit, whose SKP waits on whom (the review, or the atasan's SKP), the oldest wait first.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.notifications import notify
from core.errors import Forbidden
from core.memo import remember, remembered, watch
from workflows import clock
from workflows.instances import by_business_key, open_tasks_of
from workflows.store import utc

from . import org
from .mph import prefill
from .org import Instansi, Jabatan, Pegawai, PenugasanPltPlh, Unor
from .skp import STATUS_LABEL, Iki, Rhk, Skp, business_key
from .tim_kerja import AnggotaTim, TimKerja, TimKerjaRhk, rhk_ids_for

APPROVED = ("DISETUJUI", "SELESAI")
# A submission asks which RHK the SKP may intervene in the editor, in its guard and again in the service
# step that follows: the session remembers the answers until it writes what they are read from (core.memo).
TEAM_MEMO, ALLOWED_MEMO = "cascade.team_rhk", "cascade.allowed_rhk_atasan"
watch(TEAM_MEMO, TimKerja, TimKerjaRhk, AnggotaTim)
watch(ALLOWED_MEMO, Skp, Rhk, Instansi, Unor, Jabatan, Pegawai, PenugasanPltPlh, TimKerja, TimKerjaRhk, AnggotaTim)
FOLLOWING = ("DRAFT", "DIKEMBALIKAN", "DIAJUKAN", "DISETUJUI")


def leader_positions(session: Session, skp: Skp) -> list[int]:
    """Leader positions whose organisational RHK this SKP may intervene: that of the unit through
    which the penilai evaluates it, and that of the SKP's own unit (for its members)."""
    pegawai: Pegawai = skp.pegawai
    unor = None
    if pegawai.jabatan is not None and not pegawai.penilai_override_id:
        _penilai, unor = org._penilai_at(session, pegawai, clock.today())
    found = []
    for node in [unor, skp.unor if not skp.jabatan.is_pimpinan_unor else None]:
        position = org.leader_position(session, node.id) if node is not None else None
        if position is not None and position.id != skp.jabatan_id and position.id not in found:
            found.append(position.id)
    return found


def periode_awal_baru(session: Session, pegawai: Pegawai, tahun: int) -> dt.date:
    """A new SKP starts on 1 January, or after a mutasi the day after the previous position's SKP ended."""
    ended = session.scalar(select(func.max(Skp.periode_akhir)).where(
        Skp.pegawai_id == pegawai.id, Skp.tahun == tahun, Skp.jabatan_id != pegawai.jabatan_id,
        Skp.status != "DIBATALKAN", Skp.periode_akhir < dt.date(tahun, 12, 31)))
    return ended + dt.timedelta(days=1) if ended else dt.date(tahun, 1, 1)


def seed_new_skp(session: Session, skp: Skp) -> int:
    """A new SKP starts from what the organisation already decided: a leader's from the organisational RHK
    of the predecessor, a subordinate's from the leader's matriks peran hasil."""
    from .tim_kerja import prefill as prefill_tim

    return seed_organisational_rhk(session, skp) or prefill(session, skp, leaders_of(session, skp)) + \
        prefill_tim(session, skp)


def seed_organisational_rhk(session: Session, skp: Skp) -> int:
    """Copy the organisational RHK of the predecessor in this leader position (same year) into a new SKP."""
    if not skp.jabatan.is_pimpinan_unor or skp.rhk:
        return 0
    source = session.scalar(
        select(Skp).where(Skp.jabatan_id == skp.jabatan_id, Skp.tahun == skp.tahun, Skp.id != skp.id,
                          Skp.pegawai_id != skp.pegawai_id, Skp.status.in_(APPROVED + ("DIBATALKAN",)))
        .order_by(Skp.tanggal_penetapan.desc().nulls_last(), Skp.id.desc()).limit(1))
    if source is None:
        return 0
    copied = [r for r in source.rhk if r.klasifikasi == "ORGANISASI"]
    for i, rhk in enumerate(copied):
        skp.rhk.append(Rhk(
            urutan=i + 1, jenis=rhk.jenis, klasifikasi=rhk.klasifikasi, deskripsi=rhk.deskripsi,
            rhk_atasan_id=rhk.rhk_atasan_id, rhk_atasan_text=rhk.rhk_atasan_text, penugasan_dari=rhk.penugasan_dari,
            inherited_from_rhk_id=rhk.id,
            iki=[Iki(urutan=k.urutan, indikator=k.indikator, aspek=k.aspek, perspektif=k.perspektif,
                     target_text=k.target_text, target_nilai=k.target_nilai, target_satuan=k.target_satuan)
                 for k in rhk.iki]))
    session.flush()
    return len(copied)


def follow_successor(session: Session, skp: Skp) -> int:
    """After the successor's SKP is approved, re-point subordinates' links to its inherited copies."""
    moved = 0
    for rhk in skp.rhk:
        if rhk.inherited_from_rhk_id is None:
            continue
        users = session.scalars(select(Rhk).join(Skp, Rhk.skp_id == Skp.id)
                                .where(Rhk.rhk_atasan_id == rhk.inherited_from_rhk_id, Skp.tahun == skp.tahun,
                                       Skp.status.in_(FOLLOWING)))
        for user in users:
            user.rhk_atasan_id = rhk.id
            moved += 1
    session.flush()
    return moved


# ---------------------------------------------------------------- parallel drafting (domain §6.2)

DRAFTING = ("DRAFT", "DIKEMBALIKAN")


def leaders_of(session: Session, skp: Skp) -> set[int]:
    """The penilai of the SKP's pegawai and the leader of its unit (whose RHK it may intervene)."""
    people = set()
    penilai = org.pejabat_penilai(session, skp.pegawai)
    if penilai is not None:
        people.add(penilai.id)
    leader = org.leader_of(session, skp.unor_id, clock.today())
    if leader is not None and leader.id != skp.pegawai_id:
        people.add(leader.id)
    return people


def team_rhk_ids(session: Session, pegawai_id: int, tahun: int) -> list[int]:
    """RHK of the teams the pegawai belongs to that year (``tim_kerja.rhk_ids_for``), remembered."""
    return remembered(session, TEAM_MEMO, (pegawai_id, tahun), lambda: rhk_ids_for(session, pegawai_id, tahun))


def allowed_rhk_atasan(session: Session, skp: Skp) -> list[Rhk]:
    """RHK this SKP may intervene: approved SKP of the same year of the penilai or the unit's leader,
    the organisational RHK of the leader position (they stay valid when the leader changes) and the RHK
    of the tim kerja the pegawai belongs to that year."""
    if skp.id is None:
        return _allowed_rhk_atasan(session, skp)
    return list(remembered(session, ALLOWED_MEMO, (skp.id, clock.today()),
                           lambda: _allowed_rhk_atasan(session, skp)))


def _allowed_rhk_atasan(session: Session, skp: Skp) -> list[Rhk]:
    return _linkable(session, skp, provisional=False)[0]


def provisional_rhk_atasan(session: Session, skp: Skp) -> list[Rhk]:
    """RHK a draft may link to while the leader is still drafting: those of the penilai's or the
    unit leader's SKP of the same year in any status but cancelled (submission still needs an
    approved one), and the organisational RHK the approved ones of the position offer. The allowed ones
    (``allowed_rhk_atasan``) come first, read with the others in one statement and remembered."""
    allowed, pending = _linkable(session, skp, provisional=True)
    if skp.id is not None:
        remember(session, ALLOWED_MEMO, {(skp.id, clock.today()): allowed})
    return [*allowed, *pending]


def _linkable(session: Session, skp: Skp, provisional: bool) -> tuple[list[Rhk], list[Rhk]]:
    """(the RHK of approved SKP of the same year that this SKP may intervene: the leaders', the organisational
    ones of the leader positions and the teams'; with ``provisional`` the leaders' and the teams' RHK of SKP
    not approved yet, but not cancelled), in one statement, each list by pegawai and order."""
    people, positions = leaders_of(session, skp), leader_positions(session, skp)
    team = team_rhk_ids(session, skp.pegawai_id, skp.tahun)
    if not people and not positions and not team:
        return [], []
    status = Skp.status != "DIBATALKAN" if provisional else Skp.status.in_(APPROVED)
    rows = session.execute(
        select(Rhk, Skp.status, Skp.pegawai_id).join(Skp, Rhk.skp_id == Skp.id)
        .where(Skp.pegawai_id.in_(people) | (Skp.jabatan_id.in_(positions) & (Rhk.klasifikasi == "ORGANISASI"))
               | Rhk.id.in_(team), Skp.tahun == skp.tahun, status)
        .order_by(Skp.pegawai_id, Rhk.urutan, Rhk.id)).all()
    allowed = [rhk for rhk, rhk_status, _ in rows if rhk_status in APPROVED]
    pending = [rhk for rhk, rhk_status, pegawai_id in rows
               if rhk_status not in APPROVED and (pegawai_id in people or rhk.id in team)]
    return allowed, pending


def release_removed(session: Session, removed: Rhk) -> bool:
    """A leader removes a draft RHK that drafts link to: those links become text to re-link later.
    False when an SKP past drafting links to it (then it may not be removed)."""
    users = list(session.scalars(select(Rhk).where(Rhk.rhk_atasan_id == removed.id)))
    if any(u.skp.status not in DRAFTING for u in users):
        return False
    for user in users:
        user.rhk_atasan_id, user.rhk_atasan_text = None, user.rhk_atasan_text or removed.deskripsi
    return True


def offer_relinking(session: Session, skp: Skp) -> int:
    """The leader's SKP is approved: tell subordinates whose drafts link to it or wait with a text link."""
    ids = [r.id for r in skp.rhk]
    waiting = set(session.scalars(select(Skp.pegawai_id).join(Rhk, Rhk.skp_id == Skp.id).where(
        Skp.tahun == skp.tahun, Skp.status.in_(DRAFTING), Skp.pegawai_id != skp.pegawai_id,
        (Rhk.rhk_atasan_id.in_(ids) if ids else False)
        | (Rhk.rhk_atasan_id.is_(None) & (Skp.pejabat_penilai_id == skp.pegawai_id)))))
    rows = notify(session, sorted(waiting), "skp_atasan_disetujui",
                  {"tahun": skp.tahun, "nama_atasan": skp.pegawai.nama_lengkap}, link="/",
                  dedup_key=f"skp-atasan-disetujui:{skp.id}:{skp.tanggal_penetapan.isoformat()}"[:150])
    return len(rows)


# ---------------------------------------------------------------- who waits on whom (domain §6.2)

def _scope(session: Session, actor) -> list[int] | None:
    """Unor ids the actor may look at: None = the whole instansi (admin); a leader sees the units below
    the positions they lead, acting ones included; anyone else gets a 403."""
    if actor.has("admin_kinerja", "superadmin"):
        return None
    led = [u for u in session.scalars(select(org.Unor).where(org.Unor.instansi_id == actor.pegawai.instansi_id))
           if (leader := org.leader_of(session, u.id, clock.today())) is not None and leader.id == actor.id]
    if not led:
        raise Forbidden("Halaman ini untuk pimpinan unit kerja dan admin kinerja")
    every = list(session.scalars(select(org.Unor).where(org.Unor.instansi_id == actor.pegawai.instansi_id)))
    return [u.id for u in every if any(a in led for a in u.ancestors())]


def who_waits(session: Session, actor, tahun: int) -> list[dict]:
    """Per pegawai in scope whose SKP of the year cannot move on without someone else: the penilai
    who has to review it, or the atasan whose SKP is not approved yet; the oldest wait first."""
    units = _scope(session, actor)
    query = (select(Pegawai).join(org.Jabatan, Pegawai.jabatan_id == org.Jabatan.id)
             .where(Pegawai.instansi_id == actor.pegawai.instansi_id, Pegawai.status_kepegawaian == "AKTIF"))
    if units is not None:
        query = query.where(org.Jabatan.unor_id.in_(units))
    start = dt.datetime(tahun, 1, 1, tzinfo=dt.timezone.utc)
    rows = []
    for pegawai in session.scalars(query):
        skp = session.scalar(select(Skp).where(Skp.pegawai_id == pegawai.id, Skp.tahun == tahun,
                                               Skp.jabatan_id == pegawai.jabatan_id, Skp.status != "DIBATALKAN")
                             .order_by(Skp.id.desc()).limit(1))
        if skp is not None and skp.status == "DIAJUKAN":
            instance = by_business_key(session, business_key(skp))
            review = [t for t in open_tasks_of(session, instance.id) if t.form_key == "skp-review"] if instance else []
            waits = [session.get(Pegawai, c.pegawai_id) for t in review for c in t.candidates] or [skp.pejabat_penilai]
            reason, since = "Menunggu pemeriksaan SKP oleh pejabat penilai", utc(skp.tanggal_pengajuan)
        elif (skp is None or skp.status in DRAFTING) and not pegawai.jabatan.is_jpt:
            penilai = org.pejabat_penilai(session, pegawai)
            if penilai is None or (skp is not None and allowed_rhk_atasan(session, skp)):
                continue
            atasan_skp = session.scalar(select(Skp).where(Skp.pegawai_id == penilai.id, Skp.tahun == tahun,
                                                          Skp.status != "DIBATALKAN").order_by(Skp.id.desc()).limit(1))
            if atasan_skp is not None and atasan_skp.status in APPROVED:
                continue
            waits = [penilai]
            reason = "SKP atasan belum disetujui (" + (
                STATUS_LABEL[atasan_skp.status].lower() if atasan_skp else "belum dibuat") + ")"
            since = utc(skp.riwayat[0].at) if skp is not None and skp.riwayat else start
        else:
            continue
        rows.append({"unor": pegawai.jabatan.unor.nama, "nip": pegawai.nip, "nama": pegawai.nama_lengkap,
                     "jabatan": pegawai.jabatan.nama, "skp_id": skp.id if skp else None,
                     "status": skp.status if skp else None, "alasan": reason, "sejak": since,
                     "menunggu": [{"nip": w.nip, "nama": w.nama_lengkap,
                                   "jabatan": w.jabatan.nama if w.jabatan else ""} for w in waits if w is not None]})
    rows.sort(key=lambda r: (r["sejak"] or start, r["unor"], r["nama"]))
    return rows
