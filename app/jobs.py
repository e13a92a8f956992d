"""The outbox: durable jobs that run after the transaction that asked for them has committed.

A use case calls ``enqueue`` inside its own transaction, so the job exists exactly when the
change that asked for it was committed. Workers (the scheduler's ``outbox`` job, and the web
worker right after the response) claim due jobs with a lease (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the write lock on SQLite), do the slow work outside any write transaction, and
store the result in one short write transaction that also marks the job done, but only if
the job is still pending and still theirs: a retried job, an expired lease or two workers
never store a result twice. A failure is retried with exponential backoff; after
``MAX_ATTEMPTS`` the job is ``failed`` and stays visible (``ekinerja jobs``, the admin
API) until an admin queues it again.

A handler is ``fn(session, payload) -> store`` where ``store(session)`` (or None) writes the
result; ``fn`` may read through ``session`` but must not write.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Callable, Iterable, Optional

from sqlalchemy import JSON, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.db import Base, UtcDateTime, insert_one_skipping_conflict, write_transaction
from app.scheduler import job as scheduled
from workflows import clock

log = logging.getLogger("ekinerja.jobs")

PENDING, DONE, FAILED = "pending", "done", "failed"
STATUS = (PENDING, DONE, FAILED)
STATUS_LABEL = {PENDING: "menunggu", DONE: "selesai", FAILED: "gagal"}
MAX_ATTEMPTS = 10
BACKOFF_FIRST = dt.timedelta(seconds=30)  # then doubled after each failure...
BACKOFF_MAX = dt.timedelta(hours=1)  # ...up to an hour: ten attempts span about three hours
LEASE = dt.timedelta(minutes=10)  # a worker that died holding a job gives it back after this

Store = Callable[[Session], None]
Handler = Callable[[Session, dict], Optional[Store]]
HANDLERS: dict[str, Handler] = {}


class Job(Base):
    __tablename__ = "job"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    # One job per key ("skp_arsip:<riwayat id>"): enqueueing the same work twice is a no-op.
    key: Mapped[str] = mapped_column(String(191), unique=True)
    # What the job is about, to show its state next to it (a business key such as "skp:12").
    ref: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    instansi_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)  # whose admins see it
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_by: Mapped[Optional[str]] = mapped_column(String(191))
    claimed_until: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_job_status_next_attempt_at", "status", "next_attempt_at"),)


def handler(kind: str):
    """Register the handler of one kind of job."""
    def decorate(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn
    return decorate


def enqueue(session: Session, kind: str, key: str, payload: dict, ref: str | None = None,
            instansi_id: int | None = None) -> Job:
    """Add a job in the caller's transaction (it runs once that commits); the same key twice is one job:
    the one that exists is returned (also when another transaction inserted it meanwhile)."""
    now = clock.now()
    values = dict(kind=kind, key=key, ref=ref, instansi_id=instansi_id, payload=payload, status=PENDING, attempts=0,
                  next_attempt_at=now, last_error="", created_at=now)
    session.flush()  # the caller's pending rows (a job of the same key among them) before ours
    row = insert_one_skipping_conflict(session, Job, values, "key")
    if row is NotImplemented:  # a database without ON CONFLICT: look first
        row = session.scalar(select(Job).where(Job.key == key))
        if row is not None:
            return row
        row = Job(**values)
        session.add(row)
        session.flush()
    elif row is None:  # the key exists: one statement more, on the rare path only
        return session.scalar(select(Job).where(Job.key == key))
    session.info.setdefault("enqueued_jobs", []).append(row.id)
    return row


def latest(session: Session, kind: str, ref: str) -> Job | None:
    return session.scalar(select(Job).where(Job.kind == kind, Job.ref == ref).order_by(Job.id.desc()).limit(1))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: 30 s, 1 min, 2 min, … at most an hour."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


# ---------------------------------------------------------------- workers


def claim(session_factory: sessionmaker, worker: str, limit: int = 10, ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
    """Lease up to ``limit`` due jobs (only ``ids`` if given) to this worker; ``[(job id, lease token)]``."""
    token = f"{worker}/{uuid.uuid4().hex[:12]}"
    session = session_factory()
    try:
        with write_transaction(session):
            now = clock.now()
            query = select(Job).where(Job.status == PENDING, Job.next_attempt_at <= now,
                                      Job.claimed_until.is_(None) | (Job.claimed_until < now))
            if ids is not None:
                query = query.where(Job.id.in_(list(ids)))
            rows = session.scalars(query.order_by(Job.next_attempt_at, Job.id).limit(limit)
                                   .with_for_update(skip_locked=True)).all()
            for row in rows:
                row.claimed_by, row.claimed_until = token, now + LEASE
            return [(row.id, token) for row in rows]
    finally:
        session.close()


def execute(session_factory: sessionmaker, job_id: int, token: str) -> str:
    """Run one claimed job: ``"done"``, ``"retry"``, ``"failed"`` or ``"lost"`` (no longer ours)."""
    session = session_factory()
    try:
        row = session.get(Job, job_id)
        if row is None or row.status != PENDING or row.claimed_by != token:
            return "lost"
        kind, payload = row.kind, dict(row.payload or {})
        session.rollback()  # no transaction stays open while the handler works
        try:
            fn = HANDLERS.get(kind)
            if fn is None:
                raise LookupError(f"tidak ada penangan untuk jenis tugas {kind!r}")
            store = fn(session, payload)
            with write_transaction(session):
                # Mark done first: on PostgreSQL the row lock makes a second finisher wait and then
                # find the job no longer pending; on SQLite the write lock does the same.
                won = session.execute(
                    update(Job).where(Job.id == job_id, Job.status == PENDING, Job.claimed_by == token)
                    .values(status=DONE, done_at=clock.now(), attempts=Job.attempts + 1, last_error="",
                            claimed_by=None, claimed_until=None)).rowcount
                if not won:
                    session.rollback()
                    return "lost"
                if store is not None:
                    store(session)
            return DONE
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            session.rollback()
            return _failed(session, job_id, token, f"{exc.__class__.__name__}: {exc}"[:2000])
    finally:
        session.close()


def _failed(session: Session, job_id: int, token: str, error: str) -> str:
    with write_transaction(session):
        row = session.get(Job, job_id, with_for_update=True)
        if row is None or row.status != PENDING or row.claimed_by != token:
            return "lost"
        row.attempts = (row.attempts or 0) + 1
        row.last_error, row.claimed_by, row.claimed_until = error, None, None
        if row.attempts >= MAX_ATTEMPTS:
            row.status = FAILED
            log.error("job %s (%s) given up after %s attempts: %s", row.id, row.kind, row.attempts, error)
            return FAILED
        row.next_attempt_at = clock.now() + backoff(row.attempts)
        log.warning("job %s (%s) failed (attempt %s), next at %s: %s", row.id, row.kind, row.attempts,
                    row.next_attempt_at, error)
        return "retry"


def run_due(session_factory: sessionmaker, worker: str, limit: int = 100, ids: Iterable[int] | None = None) -> dict:
    """Claim and run due jobs (at most ``limit``); counts per outcome."""
    report = {DONE: 0, "retry": 0, FAILED: 0, "lost": 0}
    ids = list(ids) if ids is not None else None
    while limit > 0:
        claimed = claim(session_factory, worker, min(10, limit), ids)
        if not claimed:
            break
        limit -= len(claimed)
        for job_id, token in claimed:
            report[execute(session_factory, job_id, token)] += 1
    return report


def run_after_response(session_factory: sessionmaker, ids: list[int]) -> None:
    """Run the jobs a request enqueued, in its web worker after the response; never raises."""
    from app.scheduler import worker_name

    try:
        run_due(session_factory, worker_name(), len(ids), ids)
    except Exception:  # noqa: BLE001 - the scheduler runs what is left
        log.exception("jobs %s after the response", ids)


@scheduled("outbox", 10)
def outbox_job(session_factory: sessionmaker, worker: str) -> dict:
    """``ekinerja scheduler`` runs due jobs every 10 s (EKINERJA_JOB_OUTBOX_SECONDS changes it)."""
    report = run_due(session_factory, worker)
    return {"selesai": report[DONE], "diulang": report["retry"], "gagal": report[FAILED]}


# ---------------------------------------------------------------- admin


def listing(session: Session, status: str | None = None, instansi_id: int | None = None, limit: int = 100) -> list[Job]:
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    if instansi_id is not None:
        query = query.where(Job.instansi_id == instansi_id)
    return list(session.scalars(query))


def scoped(session: Session, job_id: int, instansi_id: int | None) -> Job:
    """The job an admin of ``instansi_id`` (None: superadmin) may see, or 404."""
    from core.errors import NotFound

    row = session.get(Job, job_id)
    if row is None or (instansi_id is not None and row.instansi_id != instansi_id):
        raise NotFound(f"Tugas latar {job_id} tidak ditemukan")
    return row


def requeue(session: Session, row: Job) -> Job:
    """Queue a failed (or waiting) job to run now, with a fresh count of attempts (caller's transaction)."""
    from core.errors import Conflict

    if row.status == DONE:
        raise Conflict(f"Tugas {row.id} sudah selesai; tidak diulang")
    row.status, row.attempts, row.next_attempt_at = PENDING, 0, clock.now()
    row.claimed_by = row.claimed_until = None
    session.flush()
    return row


def view(row: Job) -> dict:
    from app.kinerja.views import iso

    return {"id": row.id, "kind": row.kind, "key": row.key, "ref": row.ref, "instansi_id": row.instansi_id,
            "status": row.status, "status_label": STATUS_LABEL[row.status], "attempts": row.attempts,
            "next_attempt_at": iso(row.next_attempt_at) if row.status == PENDING else None,
            "last_error": row.last_error, "created_at": iso(row.created_at), "done_at": iso(row.done_at)}
