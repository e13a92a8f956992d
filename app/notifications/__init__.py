"""Notifications: a message to a pegawai in the app (the bell, /notifikasi, the API) and by e-mail.

Callers create them with ``notify`` inside their own transaction; the text comes from
``templates/<kind>.txt``. Kinds and their context keys (every key optional; ``nama``, the
recipient's full name, is added by ``notify``):

==================== ===========================================================================
tugas_baru           judul (task title), nama_pegawai (whose SKP/matter), tenggat (due date)
pengingat_tugas      judul, tenggat, hari (days left until the tenggat; 0 = today)
eskalasi_tugas       judul, nama_penilai (who has not acted), nama_pegawai, hari (days past the tenggat)
tenggat_terlewat     judul, tenggat, nama_pegawai
skp_belum_dibuat     tahun, tenggat
skp_disetujui        tahun
skp_dikembalikan     tahun, catatan (the penilai's note)
skp_atasan_disetujui tahun, nama_atasan (whose SKP was approved; drafts linking to it may be submitted)
pemberitahuan        judul (the subject line), isi (the text): anything a diagram tells, e.g. a decision
==================== ===========================================================================

Dates may be ``date``/``datetime`` objects or ISO strings; they print as "31 Januari 2027".
E-mail is off unless ``SMTP_HOST`` is set; then each new row for a pegawai with an e-mail
address is queued, and ``send_queued_email`` (the scheduler) delivers the queue.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from core.db import insert_rows_skipping_conflict
from core.errors import NotFound
from workflows import clock

from . import mail
from .mail import send_queued_email
from .models import EMAIL_OFF, EMAIL_QUEUED, Notification
from .render import render

__all__ = ["KINDS", "Notification", "configure", "notify", "notify_many", "unread_count", "list_for", "mark_read",
           "mark_all_read", "send_queued_email"]

KINDS = ("tugas_baru", "pengingat_tugas", "eskalasi_tugas", "tenggat_terlewat", "skp_belum_dibuat", "penilaian_final",
         "skp_disetujui", "skp_dikembalikan", "skp_atasan_disetujui", "pemberitahuan")
DEDUP_KEY_MAX = 191
_RECIPIENT_COLUMNS = frozenset({"nama", "gelar_depan", "gelar_belakang", "email"})  # nama_lengkap and email


def configure(config: Mapping) -> None:
    """Take the SMTP settings (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS,
    SMTP_SSL, MAIL_FROM, PUBLIC_URL) from the Flask config; called by create_app and the scheduler."""
    mail.configure(config)


def is_app_link(link: str | None) -> bool:
    """An app-relative URL ("/skp/12"), never one that leaves the app ("//host", "https://…")."""
    return (isinstance(link, str) and link.startswith("/") and not link.startswith("//")
            and "\\" not in link and not any(ch in link for ch in "\r\n\t"))


def notify(session: Session, pegawai_ids: Iterable[int | None], kind: str, context: dict,
           link: str | None = None, dedup_key: str | None = None) -> list[Notification]:
    """Create one notification per recipient (None and repeated ids skipped) in the caller's transaction.

    With ``dedup_key`` a recipient gets the row ``f"{dedup_key}:{pegawai_id}"`` once: a recipient
    who already has it gets nothing new, also when another transaction inserts it at the same time.
    The e-mail is queued when SMTP is configured and the pegawai has an address. Returns the new rows
    (in the order of ``pegawai_ids``), persistent in ``session``.
    """
    return _create(session, [dict(pegawai_ids=pegawai_ids, kind=kind, context=context, link=link,
                                  dedup_key=dedup_key)], entities=True)


def notify_many(session: Session, notices: list[dict]) -> int:
    """``notify`` for many notices (each a dict of its keyword arguments: pegawai_ids, kind, context,
    link, dedup_key) with one look-up of the recipients and one multi-row INSERT. Returns how many rows
    were created."""
    return len(_create(session, notices, entities=False))


def _create(session: Session, notices: list[dict], entities: bool) -> list:
    """One multi-row ``INSERT … ON CONFLICT (dedup_key) DO NOTHING RETURNING`` of the notices: a row whose
    dedup key exists, or that another transaction inserts meanwhile, is skipped by the database (no
    look-up of the keys before, no savepoint). Returns the new rows (``entities``) or their ids."""
    wanted = []
    for notice in notices:
        _check(notice["kind"], notice.get("link"))
        ids = list(dict.fromkeys(i for i in notice["pegawai_ids"] if i is not None))
        keys = _keys(ids, notice.get("dedup_key"))
        wanted += [(notice, pegawai_id, keys.get(pegawai_id)) for pegawai_id in ids]
    if not wanted:
        return []
    order = {pegawai_id: n for n, (_, pegawai_id, _) in reversed(list(enumerate(wanted)))}
    recipients = _recipients(session, list(order))
    now, email_on = clock.now(), mail.settings.enabled
    rows, seen = [], set()
    for notice, pegawai_id, key in wanted:
        if key is not None and key in seen:
            continue
        seen.add(key)
        rows.append(_values((pegawai_id, recipients[pegawai_id]), notice["kind"], notice.get("context") or {},
                            notice.get("link"), key, now, email_on))
    session.flush()  # the caller's pending rows (the pegawai, the tasks) before ours
    created = insert_rows_skipping_conflict(session, Notification, rows, "dedup_key", ids_only=not entities)
    if created is NotImplemented:
        return _create_one_by_one(session, rows)
    return sorted(created, key=lambda row: order[row.pegawai_id]) if entities else created


def _create_one_by_one(session: Session, rows: list[dict]) -> list[Notification]:
    """A database without ON CONFLICT: skip the keys that exist, insert each keyed row in a savepoint
    (a duplicate another transaction inserted meanwhile undoes that row only)."""
    existing = _existing_keys(session, [r["dedup_key"] for r in rows if r["dedup_key"] is not None])
    created = []
    for values in rows:
        row = Notification(**values)
        if values["dedup_key"] is None:
            session.add(row)
        elif values["dedup_key"] in existing:
            continue
        else:
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                continue
        created.append(row)
    session.flush()
    return created


def _check(kind: str, link: str | None) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; known kinds: {', '.join(KINDS)}")
    if link is not None and (not is_app_link(link) or len(link) > 255):
        raise ValueError(f"link must be an app-relative URL of at most 255 characters, not {link!r}")


def _recipients(session: Session, ids: list[int]) -> dict:
    """Per id the recipient's ``(nama_lengkap, email)``: from the pegawai the session holds loaded
    (``core.memo.keep_loaded``: no statement), the others with one query. A held pegawai whose columns
    are expired (after a rollback) is read whole, so that it is fresh again for the caller; when none
    is, only the columns needed are read."""
    from app.kinerja.org import Pegawai  # here: app.kinerja imports this package

    found, missing, stale = {}, [], False
    for pegawai_id in ids:
        held = session.identity_map.get(identity_key(Pegawai, pegawai_id))
        if held is not None and not (inspect(held).unloaded & _RECIPIENT_COLUMNS):
            found[pegawai_id] = (held.nama_lengkap, held.email)
        else:
            missing.append(pegawai_id)
            stale = stale or held is not None
    if stale:
        for pegawai in session.scalars(select(Pegawai).where(Pegawai.id.in_(missing))):
            found[pegawai.id] = (pegawai.nama_lengkap, pegawai.email)
    elif missing:
        columns = [getattr(Pegawai, name) for name in ("id", *sorted(_RECIPIENT_COLUMNS))]
        for row in session.execute(select(*columns).where(Pegawai.id.in_(missing))):
            found[row.id] = (Pegawai.nama_lengkap.fget(row), row.email)  # the property reads these columns
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise ValueError(f"no pegawai with id {', '.join(map(str, unknown))}")
    return found


def _keys(ids: list[int], dedup_key: str | None) -> dict[int, str]:
    keys = {i: f"{dedup_key}:{i}" for i in ids} if dedup_key is not None else {}
    if any(len(k) > DEDUP_KEY_MAX for k in keys.values()):
        raise ValueError(f"dedup_key too long: {dedup_key!r} (with ':<pegawai_id>' at most {DEDUP_KEY_MAX})")
    return keys


def _values(recipient: tuple[int, tuple[str, str | None]], kind: str, context: dict, link: str | None,
            key: str | None, now, email_on: bool) -> dict:
    """The column values of one new notification to ``recipient`` (its id, and its name and e-mail)."""
    pegawai_id, (nama, email) = recipient
    subject, body = render(kind, {**context, "nama": nama})
    address = (email or "").strip() or None
    return dict(pegawai_id=pegawai_id, kind=kind, subject=subject, body=body, link=link,
                dedup_key=key, created_at=now, read_at=None,
                email_to=address if email_on and address else None,
                email_status=EMAIL_QUEUED if email_on and address else EMAIL_OFF,
                email_attempts=0, email_error="")


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    return set(session.scalars(select(Notification.dedup_key).where(Notification.dedup_key.in_(keys))))


def unread_count(session: Session, pegawai_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.pegawai_id == pegawai_id, Notification.read_at.is_(None))) or 0


def count_for(session: Session, pegawai_id: int, unread_only: bool = False) -> int:
    query = select(func.count()).select_from(Notification).where(Notification.pegawai_id == pegawai_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return session.scalar(query) or 0


def list_for(session: Session, pegawai_id: int, unread_only: bool = False, limit: int = 50,
             offset: int = 0) -> list[Notification]:
    """The pegawai's notifications, newest first."""
    query = select(Notification).where(Notification.pegawai_id == pegawai_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def mark_read(session: Session, pegawai_id: int, notification_id: int) -> Notification:
    """Mark one of the pegawai's notifications read (kept as first read); NotFound for anyone else's."""
    row = session.get(Notification, notification_id) if 0 < notification_id < 2**31 else None
    if row is None or row.pegawai_id != pegawai_id:
        raise NotFound("Notifikasi tidak ditemukan")
    if row.read_at is None:
        row.read_at = clock.now()
        session.flush()
    return row


def mark_all_read(session: Session, pegawai_id: int) -> int:
    """Mark every unread notification of the pegawai read; returns how many were unread."""
    result = session.execute(update(Notification)
                             .where(Notification.pegawai_id == pegawai_id, Notification.read_at.is_(None))
                             .values(read_at=clock.now()))
    return result.rowcount or 0
