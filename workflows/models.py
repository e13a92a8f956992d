"""Tables of the engine: definitions, instances and the derived, indexed tables kept in step with them.

An instance row holds the engine state (gzip JSON without the spec). ``human_task``,
``timer`` and the instance's own columns are rewritten from the workflow in the same
transaction that saves it; ``instance_event`` is append-only.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import false as sa_false
from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint, func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime

INSTANCE_STATUS = ("running", "waiting", "error", "suspended", "completed", "terminated")


class ProcessDefinition(Base):
    """One version of one executable process: its sources, content hash and parsed spec."""

    __tablename__ = "process_definition"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    sources: Mapped[dict] = mapped_column(JSON)  # {file name: XML text} of every BPMN/DMN file used
    # serialized spec + subprocess specs; read only when a version's spec is not cached yet (definitions.specs_of)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))  # who deployed it (None: CLI)
    # The instansi this version is for; None: the national default (shipped in bpmn/). Version numbers
    # count per process over every instansi, so (process_id, version) names one version everywhere; the
    # same content is stored once per instansi (the coalesced index: NULLs would never collide).
    instansi_id: Mapped[Optional[int]] = mapped_column(ForeignKey("instansi.id"))
    __table_args__ = (UniqueConstraint("process_id", "version"),
                      Index("uq_process_definition_scope_hash", "process_id", func.coalesce(instansi_id, 0),
                            "content_hash", unique=True),
                      Index("ix_process_definition_process_instansi", "process_id", "instansi_id", "version"))


class Instance(Base):
    __tablename__ = "instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(128), index=True)
    business_key: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)  # optimistic lock, +1 at every save
    state: Mapped[bytes] = mapped_column(LargeBinary)
    serializer_version: Mapped[str] = mapped_column(String(16))
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[Optional[dict]] = mapped_column(JSON)
    started_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    # Who the instance is about (set once from the start data) and since when it waits where it
    # is: the admin console filters on these without deserializing anything.
    instansi_id: Mapped[Optional[int]] = mapped_column(ForeignKey("instansi.id"))
    unor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unor.id"))
    subject_pegawai_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    waiting_since: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())

    definition: Mapped[ProcessDefinition] = relationship()
    # SQLAlchemy adds "WHERE version = <read>" to every UPDATE and raises StaleDataError when
    # another transaction saved in between: the optimistic lock that works on every database.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_instance_instansi_status_waiting", "instansi_id", "status", "waiting_since"),
        Index("ix_instance_status_waiting", "status", "waiting_since"),
        Index("ix_instance_waiting", "waiting_since", "id"),
        Index("ix_instance_definition_status", "definition_id", "status"),
        Index("ix_instance_unor_status", "unor_id", "status"),
        Index("ix_instance_subject", "subject_pegawai_id"),
    )


class InstanceElement(Base):
    """Where an unfinished instance stands: one row per active diagram element (a task that is
    ready, waiting or started, or the element that failed), rewritten at every save."""

    __tablename__ = "instance_element"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task UUID
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    instansi_id: Mapped[Optional[int]] = mapped_column(ForeignKey("instansi.id"))  # copied from the instance
    bpmn_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))  # waiting | error
    since: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    __table_args__ = (Index("ix_instance_element_definition", "definition_id", "bpmn_id", "state", "since"),
                      Index("ix_instance_element_instansi", "instansi_id", "definition_id", "bpmn_id", "state",
                            "since"))


class HumanTask(Base):
    """An open user task: the inbox reads this, never the engine state."""

    __tablename__ = "human_task"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task UUID
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    lane: Mapped[str] = mapped_column(String(128), default="")
    form_key: Mapped[str] = mapped_column(String(128), default="")
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"), index=True)
    in_inbox: Mapped[bool] = mapped_column(Boolean, default=True)
    # given to someone by an admin (repair "alihkan"): automatic re-routing leaves it where the admin put it
    assigned_by_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    due_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    instance: Mapped[Instance] = relationship()
    candidates: Mapped[list["HumanTaskCandidate"]] = relationship(cascade="all, delete-orphan")


class HumanTaskCandidate(Base):
    """Who may complete an open task (one row per pegawai; the assignee is one of them)."""

    __tablename__ = "human_task_candidate"
    human_task_id: Mapped[str] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), primary_key=True, index=True)


class Timer(Base):
    """A waiting BPMN timer event and when it is due."""

    __tablename__ = "timer"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task UUID
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    claimed_by: Mapped[Optional[str]] = mapped_column(String(64))
    claimed_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())


class MessageSubscription(Base):
    """A BPMN message catch event an instance waits at (intermediate, boundary, after an event-based
    gateway, or a message start event), rewritten at every save: thrown messages and the message API
    find their receivers here without deserializing any instance."""

    __tablename__ = "message_subscription"
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task UUID
    # one row per message the task waits for (an event-based gateway waits for several)
    message_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    business_key: Mapped[str] = mapped_column(String(128))  # copied from the instance
    # the receiver's correlation property values, canonical JSON ({"nip": "1987…"}); None: by business key
    correlation: Mapped[Optional[str]] = mapped_column(String(512))
    bpmn_id: Mapped[str] = mapped_column(String(128))
    __table_args__ = (Index("ix_message_subscription_key", "message_name", "business_key"),
                      Index("ix_message_subscription_correlation", "message_name", "correlation"))


class InstanceEvent(Base):
    """Append-only log: task completions, status changes, errors, admin actions."""

    __tablename__ = "instance_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    task_id: Mapped[Optional[str]] = mapped_column(String(36))
    bpmn_id: Mapped[Optional[str]] = mapped_column(String(128))
    task_name: Mapped[Optional[str]] = mapped_column(String(255))
    from_status: Mapped[Optional[str]] = mapped_column(String(16))
    to_status: Mapped[Optional[str]] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[Optional[dict]] = mapped_column(JSON)
    __table_args__ = (Index("ix_instance_event_instance_at", "instance_id", "id"),)


class AdminBatch(Base):
    """One batch repair: the filter it matched, the action, and a result per instance as it goes."""

    __tablename__ = "admin_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    instansi_id: Mapped[Optional[int]] = mapped_column(ForeignKey("instansi.id"))  # the scope it ran in
    action: Mapped[str] = mapped_column(String(32))
    filter: Mapped[dict] = mapped_column(JSON)
    params: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # siap | berjalan | selesai
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())


class DefinitionDraft(Base):
    """A process owner's unsaved-to-production edit of one process: its files, who saved it and when."""

    __tablename__ = "definition_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(128))
    files: Mapped[dict] = mapped_column(JSON)  # {file name: text}
    instansi_id: Mapped[Optional[int]] = mapped_column(ForeignKey("instansi.id"))  # None: the national default
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    __table_args__ = (Index("uq_definition_draft_scope", "process_id", func.coalesce(instansi_id, 0), unique=True),)
