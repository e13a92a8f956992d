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

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
    The e-mail is queued when SMTP is configured and the pegawai has an address. Returns the new rows.
    """
    _check(kind, link)
    ids = list(dict.fromkeys(i for i in pegawai_ids if i is not None))
    if not ids:
        return []
    pegawai = _recipients(session, ids)
    keys = _keys(ids, dedup_key)
    existing = _existing_keys(session, list(keys.values())) if keys else set()
    now, email_on = clock.now(), mail.settings.enabled
    created = []
    for pegawai_id in ids:
        key = keys.get(pegawai_id)
        if key is not None and key in existing:
            continue
        row = Notification(**_values(pegawai[pegawai_id], kind, context, link, key, now, email_on))
        if key is None:
            session.add(row)
        else:
            try:
                with session.begin_nested():  # a duplicate inserted meanwhile undoes this row only
                    session.add(row)
            except IntegrityError:
                continue
        created.append(row)
    session.flush()
    return created


def notify_many(session: Session, notices: list[dict]) -> int:
    """``notify`` for many notices (each a dict of its keyword arguments: pegawai_ids, kind, context,
    link, dedup_key) with one look-up of the recipients, one of the dedup keys and one multi-row INSERT
    (a row whose dedup key another transaction inserted meanwhile is skipped by the database:
    ON CONFLICT DO NOTHING). Returns how many rows were created."""
    wanted = []
    for notice in notices:
        _check(notice["kind"], notice.get("link"))
        ids = list(dict.fromkeys(i for i in notice["pegawai_ids"] if i is not None))
        wanted += [(notice, pegawai_id, key) for pegawai_id, key in
                   ((i, _keys([i], notice.get("dedup_key")).get(i)) for i in ids)]
    if not wanted:
        return 0
    pegawai = _recipients(session, list({pegawai_id for _, pegawai_id, _ in wanted}))
    existing = _existing_keys(session, [key for _, _, key in wanted if key is not None])
    now, email_on = clock.now(), mail.settings.enabled
    rows, seen = [], set()
    for notice, pegawai_id, key in wanted:
        if key is not None and (key in existing or key in seen):
            continue
        seen.add(key)
        rows.append(_values(pegawai[pegawai_id], notice["kind"], notice.get("context") or {}, notice.get("link"),
                            key, now, email_on))
    if not rows:
        return 0
    session.flush()  # the caller's pending rows (the pegawai, the tasks) before ours
    dialect = session.get_bind().dialect.name
    table = Notification.__table__
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table).on_conflict_do_nothing(index_elements=[table.c.dedup_key]).returning(table.c.id)
        return len(session.execute(statement, rows).all())
    session.add_all([Notification(**values) for values in rows])  # other databases: no conflict clause
    session.flush()
    return len(rows)


def _check(kind: str, link: str | None) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; known kinds: {', '.join(KINDS)}")
    if link is not None and (not is_app_link(link) or len(link) > 255):
        raise ValueError(f"link must be an app-relative URL of at most 255 characters, not {link!r}")


def _recipients(session: Session, ids: list[int]) -> dict:
    from app.kinerja.org import Pegawai  # here: app.kinerja imports this package

    pegawai = {p.id: p for p in session.scalars(select(Pegawai).where(Pegawai.id.in_(ids)))}
    missing = [i for i in ids if i not in pegawai]
    if missing:
        raise ValueError(f"no pegawai with id {', '.join(map(str, missing))}")
    return pegawai


def _keys(ids: list[int], dedup_key: str | None) -> dict[int, str]:
    keys = {i: f"{dedup_key}:{i}" for i in ids} if dedup_key is not None else {}
    if any(len(k) > DEDUP_KEY_MAX for k in keys.values()):
        raise ValueError(f"dedup_key too long: {dedup_key!r} (with ':<pegawai_id>' at most {DEDUP_KEY_MAX})")
    return keys


def _values(recipient, kind: str, context: dict, link: str | None, key: str | None, now, email_on: bool) -> dict:
    """The column values of one new notification to ``recipient``."""
    subject, body = render(kind, {**context, "nama": recipient.nama_lengkap})
    address = (recipient.email or "").strip() or None
    return dict(pegawai_id=recipient.id, kind=kind, subject=subject, body=body, link=link,
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
