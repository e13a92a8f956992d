"""E-mail of notifications over SMTP: settings, the message, and the queue worker.

``notify`` queues a row (``email_status = "antri"``); ``send_queued_email`` (run by the
scheduler process) claims queued rows in small batches and hands them to the SMTP server.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import is_postgresql, write_transaction
from app.scheduler import job
from workflows import clock

from .models import EMAIL_FAILED, EMAIL_QUEUED, EMAIL_SENT, Notification

log = logging.getLogger("ekinerja.notifications")

DEFAULT_FROM = "e-Kinerja Flow <noreply@localhost>"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
MAX_ATTEMPTS = 5
# Wait after the 1st, 2nd, 3rd and 4th failed attempt: the 5th comes some 80 minutes after the 1st.
RETRY_AFTER = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=15), dt.timedelta(hours=1))
TIMEOUT_SECONDS = 20
FOOTER = "Pesan ini dikirim otomatis oleh e-Kinerja Flow; mohon tidak membalas e-mail ini."


@dataclass(frozen=True)
class MailSettings:
    host: str = ""  # empty: e-mail is off
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    ssl: bool = False
    mail_from: str = DEFAULT_FROM
    public_url: str = DEFAULT_PUBLIC_URL

    @property
    def enabled(self) -> bool:
        return bool(self.host)


settings = MailSettings()


def flag(value) -> bool:
    """A boolean setting: True/False, or text such as 1, true, yes, ya, on."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "ya", "on")
    return bool(value)


def configure(config: Mapping) -> MailSettings:
    """Keep the SMTP settings of a Flask config (or any mapping) for this process."""
    global settings
    port = config.get("SMTP_PORT") or 25
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise ValueError(f"SMTP_PORT harus berupa angka, bukan {port!r}") from None
    new = MailSettings(
        host=str(config.get("SMTP_HOST") or "").strip(), port=port,
        user=str(config.get("SMTP_USER") or ""), password=str(config.get("SMTP_PASSWORD") or ""),
        starttls=flag(config.get("SMTP_STARTTLS", False)), ssl=flag(config.get("SMTP_SSL", False)),
        mail_from=str(config.get("MAIL_FROM") or DEFAULT_FROM),
        public_url=str(config.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"))
    if new.starttls and new.ssl:
        raise ValueError("SMTP_SSL dan SMTP_STARTTLS tidak dapat dipakai bersamaan; pilih salah satu")
    settings = new
    return new


def absolute_link(link: str | None, public_url: str | None = None) -> str | None:
    if not link:
        return None
    return (public_url or settings.public_url).rstrip("/") + link


def message_of(row: Notification, config: MailSettings) -> EmailMessage:
    """The plain-text UTF-8 e-mail of one notification row."""
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = config.mail_from
    msg["To"] = row.email_to
    # The transport's real time (a moved application clock is for the process, not for mail servers).
    msg["Date"] = formatdate(localtime=True)
    domain = parseaddr(config.mail_from)[1].rpartition("@")[2] or "localhost"
    # The same Message-ID if a row is ever sent twice, so that mail clients can drop the copy.
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.timezone.utc)
    msg["Message-ID"] = f"<notifikasi-{row.id}-{int(created.timestamp())}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    text = row.body.rstrip()
    link = absolute_link(row.link, config.public_url)
    if link:
        text += f"\n\nBuka: {link}"
    msg.set_content(f"{text}\n\n-- \n{FOOTER}\n", charset="utf-8")
    return msg


class ServerUnavailable(Exception):
    """Could not connect to, secure or log in to the SMTP server: no point trying more rows now."""


class _Connection:
    """One SMTP connection for a run, opened on first use and again after the server dropped it."""

    def __init__(self, config: MailSettings):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.ssl:
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=TIMEOUT_SECONDS,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=TIMEOUT_SECONDS)
            try:
                if c.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if c.user:
                    smtp.login(c.user, c.password)
            except BaseException:
                smtp.close()
                raise
        except (smtplib.SMTPException, OSError) as exc:
            raise ServerUnavailable(f"server SMTP {c.host}:{c.port} tidak dapat dipakai: {_describe(exc)}") from exc
        return smtp

    def send(self, msg: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(msg)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()  # the next row connects again
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _describe(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def _failed(row: Notification, error: str, report: dict) -> None:
    row.email_attempts = (row.email_attempts or 0) + 1
    row.email_error = error
    report["failed"] += 1
    if row.email_attempts >= MAX_ATTEMPTS:
        row.email_status, row.email_next_at = EMAIL_FAILED, None
        report["gave_up"] += 1
        log.error("e-mail of notification %s given up after %s attempts: %s", row.id, row.email_attempts, error)
    else:
        row.email_next_at = clock.now() + RETRY_AFTER[min(row.email_attempts, len(RETRY_AFTER)) - 1]
        log.warning("e-mail of notification %s failed (attempt %s): %s", row.id, row.email_attempts, error)


def send_queued_email(session_factory: Callable[[], Session], limit: int = 100) -> dict:
    """Send up to ``limit`` queued e-mails; returns ``{"sent", "failed", "gave_up"}`` counts.

    Rows are claimed in small batches, each in its own write transaction: on PostgreSQL with
    ``SELECT … FOR UPDATE SKIP LOCKED`` (several scheduler processes share the queue, none waits
    for another), on SQLite under the database's write lock (one row per transaction, so that
    the lock is held for one SMTP exchange at most). A sent row is marked "terkirim" and is never
    claimed again; a failed one keeps "antri" with ``email_attempts`` + 1, the error and the time
    before which it is not tried again (``RETRY_AFTER``), and is marked "gagal" at the fifth
    failure. Each row is tried at most once per run. When the server cannot be reached
    (connection, TLS or login) the failure counts for the row being sent and the run ends there.
    One bad message never raises.

    Delivery is at-least-once: the row is marked in the same transaction that claimed it, so a
    crash after the SMTP server accepted a message and before that commit sends it again on the
    next run (with the same Message-ID).
    """
    report = {"sent": 0, "failed": 0, "gave_up": 0}
    config = settings
    if not config.enabled or limit <= 0:
        return report
    session = session_factory()
    connection = _Connection(config)
    batch = 10 if is_postgresql(session) else 1
    last_id, remaining, stop = 0, limit, False
    try:
        while remaining > 0 and not stop:
            with write_transaction(session):
                rows = session.scalars(
                    select(Notification)
                    .where(Notification.email_status == EMAIL_QUEUED, Notification.id > last_id)
                    .where(Notification.email_next_at.is_(None) | (Notification.email_next_at <= clock.now()))
                    .order_by(Notification.id).limit(min(batch, remaining))
                    .with_for_update(skip_locked=True)).all()
                if not rows:
                    break
                for row in rows:
                    last_id, remaining = row.id, remaining - 1
                    try:
                        connection.send(message_of(row, config))
                    except ServerUnavailable as exc:
                        _failed(row, str(exc), report)
                        stop = True
                        break
                    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
                        _failed(row, _describe(exc), report)
                        continue
                    row.email_status, row.email_sent_at, row.email_error = EMAIL_SENT, clock.now(), ""
                    row.email_next_at = None
                    row.email_attempts = (row.email_attempts or 0) + 1
                    report["sent"] += 1
    finally:
        connection.close()
        session.close()
    return report


@job("email", 60)
def email_job(session_factory, _worker: str) -> dict:
    """``ekinerja scheduler`` sends the queue every minute (EKINERJA_JOB_EMAIL_SECONDS changes it)."""
    report = send_queued_email(session_factory)
    return {"terkirim": report["sent"], "gagal": report["failed"], "dihentikan": report["gave_up"]}
