"""Opening a period in the background: the request records it, the scheduler does it in groups.

Opening a period starts one evaluation per approved SKP: minutes of work for an instansi of 10,000
pegawai, too long for a request. ``POST /periode/{id}/buka`` therefore records a PembukaanPeriode
(answer 202) and the scheduler job ``pembukaan_periode`` works through it in groups of SKPs (``GROUP``),
one transaction per group, in which each pegawai's penilaian, instance and result row (PembukaanHasil)
are written together, so a crash loses nothing and the next round resumes with the SKPs that have no
result yet. A group claims its SKPs inside its transaction (row locks with SKIP LOCKED on PostgreSQL),
reads them with pegawai and jabatan once and starts their instances together
(``workflows.bulk_start.start_many``: a few multi-row statements for the whole group); when one
pegawai of a group fails, the group is rolled back and redone one transaction per pegawai, so the
failure is that pegawai's own ``gagal`` result and the others open. A worker holds a lease on the
opening (claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) so two schedulers never take it over
from each other; a lease left by a crashed worker expires. For a large opening on PostgreSQL the lease
holder spawns helper processes (``EKINERJA_PEMBUKAAN_PROSES``) that claim groups of the same opening
beside it, so every core works. Asking again while an opening is under way changes nothing; asking
after it is done runs it again (everything already opened then reports ``sudah_ada``).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.db import Base, UtcDateTime, is_postgresql, write_transaction
from core.errors import NotFound
from app.scheduler import job
from workflows import clock

from .penilaian import Periode, buka_untuk_skp, buka_untuk_skps, proses_periode, skp_untuk_periode
from .skp import Skp

log = logging.getLogger(__name__)
STATUS = ("MENUNGGU", "BERJALAN", "SELESAI")
HASIL = ("dibuka", "sudah_ada", "dilewati", "gagal")
LEASE = dt.timedelta(seconds=120)
BATCH = 200          # SKPs per claim
GROUP = {"postgresql": 50, "sqlite": 10}  # SKPs per transaction (SQLite: shorter, web requests wait for its lock)
ROUND_SECONDS = 50   # a scheduler round stops taking new batches after this
HELPER_MIN = 1000    # SKPs still to open from which helper processes are worth their start (about 2 s)


class PembukaanPeriode(Base):
    __tablename__ = "pembukaan_periode"
    id: Mapped[int] = mapped_column(primary_key=True)
    periode_id: Mapped[int] = mapped_column(ForeignKey("periode.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="MENUNGGU", index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    diminta_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    diminta_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    selesai_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    diklaim_oleh: Mapped[Optional[str]] = mapped_column(String(120))
    diklaim_sampai: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())


class PembukaanHasil(Base):
    """The result of opening the period for one SKP; written in the transaction that opened it."""

    __tablename__ = "pembukaan_hasil"
    id: Mapped[int] = mapped_column(primary_key=True)
    pembukaan_id: Mapped[int] = mapped_column(ForeignKey("pembukaan_periode.id", ondelete="CASCADE"), index=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id"))
    nip: Mapped[str] = mapped_column(String(18))
    nama: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    alasan: Mapped[str] = mapped_column(Text, default="")
    penilaian_id: Mapped[Optional[int]] = mapped_column(ForeignKey("penilaian.id", ondelete="SET NULL"))
    __table_args__ = (UniqueConstraint("pembukaan_id", "skp_id"),)


def _of(session: Session, periode_id: int) -> PembukaanPeriode | None:
    return session.scalar(select(PembukaanPeriode).where(PembukaanPeriode.periode_id == periode_id))


def minta_pembukaan(session: Session, periode_id: int, actor_id: int | None) -> PembukaanPeriode:
    """Inside the caller's write transaction: record that the period is to be opened."""
    periode = session.get(Periode, periode_id)
    if periode is None:
        raise NotFound(f"Periode {periode_id} tidak ditemukan")
    proses_periode(session, periode)  # 409 now, not later in the background, when the diagram is missing
    total = session.scalar(select(func.count()).select_from(skp_untuk_periode(session, periode).subquery()))
    row = _of(session, periode_id)
    if row is None:
        row = PembukaanPeriode(periode_id=periode_id)
        session.add(row)
    elif row.status != "SELESAI":
        return row  # under way: asking again changes nothing
    else:
        session.execute(delete(PembukaanHasil).where(PembukaanHasil.pembukaan_id == row.id))
    row.status, row.total, row.selesai_at = "MENUNGGU", total, None
    row.diminta_oleh_id, row.diminta_at = actor_id, clock.now()
    row.diklaim_oleh = row.diklaim_sampai = None
    session.flush()
    return row


def _claim(session: Session, worker: str, periode_id: int | None) -> PembukaanPeriode | None:
    now = clock.now()
    query = (select(PembukaanPeriode).where(PembukaanPeriode.status != "SELESAI",
                                            or_(PembukaanPeriode.diklaim_sampai.is_(None),
                                                PembukaanPeriode.diklaim_sampai < now))
             .order_by(PembukaanPeriode.diminta_at, PembukaanPeriode.id).limit(1))
    if periode_id is not None:
        query = query.where(PembukaanPeriode.periode_id == periode_id)
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    row = session.scalar(query.execution_options(populate_existing=True))
    if row is not None:
        row.status, row.diklaim_oleh, row.diklaim_sampai = "BERJALAN", worker, now + LEASE
    return row


def _pending(session: Session, pembukaan_id: int, periode: Periode, limit: int, claim: bool = False) -> list[int]:
    """The next SKPs without a result: what a resumed opening still has to do. ``claim`` (inside the
    group's write transaction): lock them on PostgreSQL, skipping the SKPs another process is opening
    now (``FOR NO KEY UPDATE SKIP LOCKED``), so several processes share one opening group by group;
    SQLite's one write lock serialises the groups anyway."""
    done = select(PembukaanHasil.skp_id).where(PembukaanHasil.pembukaan_id == pembukaan_id)
    query = skp_untuk_periode(session, periode).where(Skp.id.not_in(done)).order_by(Skp.id).limit(limit)
    if not (claim and is_postgresql(session)):
        return list(session.scalars(query))
    locked = list(session.scalars(query.with_for_update(skip_locked=True, key_share=True)))
    # The lock was taken after the statement's snapshot: another process may have opened some of these SKPs
    # and committed in between (their lock was released then). A new statement, with the locks now held,
    # sees its result rows; those SKPs are not ours.
    opened = set(session.scalars(done.where(PembukaanHasil.skp_id.in_(locked)))) if locked else set()
    return [skp_id for skp_id in locked if skp_id not in opened]


def _open_group(session_factory: sessionmaker, pembukaan_id: int, periode_id: int, size: int,
                actor_id: int | None) -> tuple[list[int], bool]:
    """Claim the next ``size`` SKPs without a result and open them in one transaction: their penilaian,
    instances (``workflows.bulk_start``) and result rows together, with the organisation slice read
    once per group. Returns (the SKPs claimed, True), or (them, False) with nothing written when one of
    them failed: the caller then opens them one SKP per transaction, so a failure stays that pegawai's
    own ``gagal`` result."""
    session = session_factory()
    began, claimed = time.monotonic(), []
    try:
        with write_transaction(session):
            periode = session.get(Periode, periode_id)
            claimed = _pending(session, pembukaan_id, periode, size, claim=True)
            if claimed:
                for result in buka_untuk_skps(session, periode, claimed, actor_id):
                    session.add(PembukaanHasil(pembukaan_id=pembukaan_id, skp_id=result["skp_id"], nip=result["nip"],
                                               nama=result["nama"], status=result["status"],
                                               alasan=result.get("alasan", ""),
                                               penilaian_id=result.get("penilaian_id")))
        return claimed, True
    except Exception:  # noqa: BLE001 - rolled back whole; the caller retries one SKP per transaction
        return claimed, False
    finally:
        sqlite = not is_postgresql(session)
        session.close()
        if sqlite:
            _yield_lock(began)


def _open_groups(session_factory: sessionmaker, pembukaan_id: int, periode_id: int, actor_id: int | None,
                 group: int, limit: int | None, deadline: float | None = None) -> int:
    """Open group after group until ``limit`` SKPs are done, nothing is left to claim or ``deadline``
    (``time.time()``) has passed; returns how many SKPs this process claimed."""
    done = 0
    while (limit is None or done < limit) and (deadline is None or time.time() < deadline):
        size = group if limit is None else min(group, limit - done)
        claimed, ok = _open_group(session_factory, pembukaan_id, periode_id, size, actor_id)
        if not ok:
            for skp_id in claimed:
                _open_one(session_factory, pembukaan_id, periode_id, skp_id, actor_id)
        if not claimed:
            break
        done += len(claimed)
    return done


def _yield_lock(began: float) -> None:
    """Give SQLite's one write lock to waiting web requests for half as long as we held it (as workflows.timers)."""
    time.sleep(min(max(time.monotonic() - began, 0.002), 0.2) / 2)


def _open_one(session_factory: sessionmaker, pembukaan_id: int, periode_id: int, skp_id: int,
              actor_id: int | None) -> None:
    """One SKP in one transaction: the penilaian, its instance and the result row together."""
    session = session_factory()
    began = time.monotonic()
    try:
        try:
            with write_transaction(session):
                if session.scalar(select(PembukaanHasil.id).where(PembukaanHasil.pembukaan_id == pembukaan_id,
                                                                  PembukaanHasil.skp_id == skp_id)):
                    return
                result = buka_untuk_skp(session, session.get(Periode, periode_id), skp_id, actor_id)
                session.add(PembukaanHasil(pembukaan_id=pembukaan_id, skp_id=skp_id, nip=result["nip"],
                                           nama=result["nama"], status=result["status"],
                                           alasan=result.get("alasan", ""), penilaian_id=result.get("penilaian_id")))
        except IntegrityError:
            return  # another worker opened this SKP at the same moment; its result row stands
        except Exception as exc:  # noqa: BLE001 - one pegawai's failure is reported, the others go on
            with write_transaction(session):
                pegawai = session.get(Skp, skp_id).pegawai
                session.add(PembukaanHasil(pembukaan_id=pembukaan_id, skp_id=skp_id, nip=pegawai.nip,
                                           nama=pegawai.nama_lengkap, status="gagal",
                                           alasan=f"{exc.__class__.__name__}: {str(exc)[:300]}"))
    finally:
        sqlite = not is_postgresql(session)
        session.close()
    if sqlite:
        _yield_lock(began)


def processes() -> int:
    """How many processes open one period on PostgreSQL (``EKINERJA_PEMBUKAAN_PROSES``, default 2)."""
    raw = os.environ.get("EKINERJA_PEMBUKAAN_PROSES", "2").strip()
    return max(1, min(int(raw) if raw.isdigit() else 2, 16))


def _result_count(session: Session, pembukaan_id: int) -> int:
    return session.scalar(select(func.count()).select_from(PembukaanHasil).where(
        PembukaanHasil.pembukaan_id == pembukaan_id))


def _helper(url: str, now: str, pembukaan_id: int, periode_id: int, actor_id: int | None, group: int,
            deadline: float) -> None:
    """A helper process (spawned): open groups of this opening until none is left or the deadline."""
    from core.db import make_engine, make_sessionmaker
    from app.scheduler import load_jobs

    clock.set(now)
    clock.install()
    load_jobs()  # the domain's services, roles, forms and listeners, as in the scheduler
    engine = make_engine(url)
    try:
        _open_groups(make_sessionmaker(engine), pembukaan_id, periode_id, actor_id, group, None, deadline)
    finally:
        engine.dispose()


def _open_with_helpers(session_factory: sessionmaker, pembukaan_id: int, periode_id: int, actor_id: int | None,
                       group: int, count: int) -> list[int | None]:
    """This process and ``count`` spawned helpers open groups of one opening side by side until nothing is
    left or ROUND_SECONDS pass; each group is claimed with row locks, so no SKP is opened twice. Returns
    the helpers' exit codes (a helper that failed leaves its SKPs pending for the next round)."""
    import multiprocessing

    session = session_factory()
    try:
        url = session.get_bind().url.render_as_string(hide_password=False)
    finally:
        session.close()
    deadline = time.time() + ROUND_SECONDS
    context = multiprocessing.get_context("spawn")  # not fork: this process has threads and open connections
    helpers = [context.Process(target=_helper, daemon=True, name=f"pembukaan-{pembukaan_id}-{i + 1}",
                               args=(url, clock.now().isoformat(), pembukaan_id, periode_id, actor_id, group, deadline))
               for i in range(count)]
    for helper in helpers:
        helper.start()
    try:
        _open_groups(session_factory, pembukaan_id, periode_id, actor_id, group, None, deadline)
    finally:
        for helper in helpers:
            helper.join(max(deadline - time.time(), 0) + LEASE.total_seconds() / 2)
            if helper.is_alive():
                helper.terminate()  # its open group is rolled back; the SKPs stay pending
                helper.join()
            if helper.exitcode:
                log.warning("pembukaan %s: helper %s ended with exit code %s", pembukaan_id, helper.name,
                            helper.exitcode)
    return [helper.exitcode for helper in helpers]


def proses_pembukaan(session_factory: sessionmaker, worker: str, batch: int = BATCH,
                     periode_id: int | None = None, helpers: int = 0) -> dict:
    """Claim one opening that is due and open up to ``batch`` SKPs of it; returns counts.

    With ``helpers`` on PostgreSQL and at least HELPER_MIN SKPs to go, that many spawned processes
    share the work for up to ROUND_SECONDS (instead of ``batch``) under this worker's lease."""
    session = session_factory()
    try:
        with write_transaction(session):
            row = _claim(session, worker, periode_id)
            if row is None:
                return {"diproses": 0, "selesai": 0}
            pembukaan_id, pid, actor_id = row.id, row.periode_id, row.diminta_oleh_id
            periode = session.get(Periode, pid)
            group = GROUP.get(session.get_bind().dialect.name, 10)
            if helpers and (not is_postgresql(session)
                            or len(_pending(session, pembukaan_id, periode, HELPER_MIN)) < HELPER_MIN):
                helpers = 0  # SQLite has one writer; a small opening is done before helpers have started
            before = _result_count(session, pembukaan_id)
        if helpers:
            _open_with_helpers(session_factory, pembukaan_id, pid, actor_id, group, helpers)
        else:
            _open_groups(session_factory, pembukaan_id, pid, actor_id, group, batch)
        with write_transaction(session):
            row = session.get(PembukaanPeriode, pembukaan_id, populate_existing=True)
            periode = session.get(Periode, pid)
            results = _result_count(session, pembukaan_id)
            finished = not _pending(session, pembukaan_id, periode, 1)
            if finished:
                row.status, row.selesai_at = "SELESAI", clock.now()
                row.total = max(row.total, results)
                if periode.dibuka_at is None:
                    periode.dibuka_at, periode.dibuka_oleh_id = clock.now(), actor_id
            row.diklaim_oleh = row.diklaim_sampai = None
        return {"diproses": results - before, "selesai": int(finished)}
    finally:
        session.close()


def buka_periode(session_factory: sessionmaker, periode_id: int, actor_id: int | None) -> list[dict]:
    """Open a period now, to the end, in this process (the scheduler's automatic opening, the benchmark);
    requests record the opening and let the scheduler do it in batches."""
    session = session_factory()
    try:
        with write_transaction(session):
            minta_pembukaan(session, periode_id, actor_id)
    finally:
        session.close()
    while proses_pembukaan(session_factory, "langsung", periode_id=periode_id, helpers=processes() - 1)["diproses"]:
        pass
    session = session_factory()
    try:
        return hasil_pembukaan(session, periode_id)
    finally:
        session.close()


@job("buka_periode", 3600)
def open_due_periods(session_factory: sessionmaker, worker: str) -> dict:
    """Open the periods an admin marked ``buka_otomatis`` once their first day has come."""
    session = session_factory()
    try:
        due = list(session.scalars(select(Periode.id).where(
            Periode.buka_otomatis.is_(True), Periode.dibuka_at.is_(None), Periode.periode_awal <= clock.today())))
    finally:
        session.close()
    opened = 0
    for periode_id in due:
        opened += sum(1 for r in buka_periode(session_factory, periode_id, None) if r["status"] == "dibuka")
    return {"periode": len(due), "dibuka": opened}


@job("pembukaan_periode", 5)
def run_openings(session_factory: sessionmaker, worker: str) -> dict:
    """Work through recorded openings in batches for up to ROUND_SECONDS."""
    started, total = time.monotonic(), {"diproses": 0, "selesai": 0}
    while time.monotonic() - started < ROUND_SECONDS:
        done = proses_pembukaan(session_factory, worker, helpers=processes() - 1)
        total = {k: total[k] + done[k] for k in total}
        if not done["diproses"] and not done["selesai"]:
            break
    return total


# ------------------------------------------------------------------ reading the progress

def hasil_pembukaan(session: Session, periode_id: int) -> list[dict]:
    row = _of(session, periode_id)
    if row is None:
        return []
    return [{"skp_id": h.skp_id, "nip": h.nip, "nama": h.nama, "status": h.status,
             **({"alasan": h.alasan} if h.alasan else {}),
             **({"penilaian_id": h.penilaian_id} if h.penilaian_id else {})}
            for h in session.scalars(select(PembukaanHasil).where(PembukaanHasil.pembukaan_id == row.id)
                                     .order_by(PembukaanHasil.id))]


def kemajuan(session: Session, periode_id: int, dengan_hasil: bool = True) -> dict | None:
    """The progress of a period's opening: status, total, done, a count per result, and the results."""
    row = _of(session, periode_id)
    if row is None:
        return None
    counts = dict(session.execute(select(PembukaanHasil.status, func.count())
                                  .where(PembukaanHasil.pembukaan_id == row.id).group_by(PembukaanHasil.status)).all())
    out = {"periode_id": periode_id, "status": row.status, "total": row.total,
           "diproses": sum(counts.values()), "ringkasan": {k: counts.get(k, 0) for k in HASIL},
           "diminta_at": row.diminta_at.isoformat() if row.diminta_at else None,
           "selesai_at": row.selesai_at.isoformat() if row.selesai_at else None}
    if dengan_hasil:
        out["hasil"] = hasil_pembukaan(session, periode_id)
    return out
