"""The ``notification`` table: one message to one pegawai, shown in the app and optionally e-mailed."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime

if TYPE_CHECKING:  # app.kinerja imports this package (its reminders notify): no import at run time
    from app.kinerja.org import Pegawai

# email_status: no e-mail for this row, waiting in the queue, handed to the SMTP server, given up.
EMAIL_OFF, EMAIL_QUEUED, EMAIL_SENT, EMAIL_FAILED = "tidak", "antri", "terkirim", "gagal"
EMAIL_STATUS = (EMAIL_OFF, EMAIL_QUEUED, EMAIL_SENT, EMAIL_FAILED)


class Notification(Base):
    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed through ix_notification_pegawai_read (pegawai_id leads it).
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"))
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[Optional[str]] = mapped_column(String(255))  # app-relative, e.g. "/skp/12"
    # "<caller's key>:<pegawai_id>"; one row per key (191 characters fit a utf8mb4 index, too).
    dedup_key: Mapped[Optional[str]] = mapped_column(String(191), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    email_to: Mapped[Optional[str]] = mapped_column(String(255))
    email_status: Mapped[str] = mapped_column(String(16), default=EMAIL_OFF, index=True)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    # After a failed attempt: not before this time (backoff, so that an SMTP outage of some
    # minutes does not use up the attempts). None = as soon as possible.
    email_next_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    email_error: Mapped[str] = mapped_column(Text, default="")

    pegawai: Mapped["Pegawai"] = relationship("Pegawai")

    __table_args__ = (Index("ix_notification_pegawai_read", "pegawai_id", "read_at"),)
