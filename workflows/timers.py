"""Firing due BPMN timers, exactly once, from any number of scheduler processes.

The ``timer`` table (rewritten from the workflow at every save) says which timer events
wait and when they are due. ``fire_due`` takes one due timer at a time, in its own write
transaction: on PostgreSQL the timer row and its instance row are locked with
``FOR UPDATE SKIP LOCKED`` (another scheduler skips them, a request working on the
instance makes the scheduler skip it until the next round, and nobody waits on anybody),
on SQLite the transaction holds the database's write lock. The workflow fires the timer,
runs until it waits, and the save removes (or, for a cycle, moves) the timer row in the
same transaction, so a fired timer is never seen as due again, and a scheduler that
crashes half-way leaves nothing behind but an untouched due timer.

A scheduler started after downtime finds the timers that fell due meanwhile and fires
each once. A cycle timer that missed several repetitions fires once and continues from
the next repetition after now (missed repetitions are counted as spent, like
APScheduler's ``coalesce``), so a week offline does not send a week of reminders at once.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from core.db import is_postgresql, write_transaction

from . import clock, event_log, store
from .instances import Run, advance, load
from .models import Instance, Timer

log = logging.getLogger("ekinerja.timers")

SKIPPED_STATUS = ("suspended", "terminated", "completed", "error")


@dataclass
class FireReport:
    fired: int = 0
    stale: int = 0
    failed: int = 0
    instances: list[int] = field(default_factory=list)


def _coalesce_cycle(task, now: dt.datetime) -> None:
    """Skip the repetitions of a cycle timer that fell due while nobody was firing."""
    value = task.internal_data.get("event_value")
    if not isinstance(value, dict) or value.get("cycles") == 0 or not value.get("duration"):
        return
    step = dt.timedelta(seconds=value["duration"])
    due = dt.datetime.fromisoformat(value["next"])
    while due + step <= now and value["cycles"] != 1:
        due += step
        if value["cycles"] > 0:
            value["cycles"] -= 1
    task.internal_data["event_value"] = {**value, "next": due.isoformat()}


def _claim(session: Session, now: dt.datetime, skip: set[str]):
    query = (select(Timer, Instance).join(Instance, Instance.id == Timer.instance_id)
             .where(Timer.due_at <= now, Instance.status.not_in(SKIPPED_STATUS))
             .order_by(Timer.due_at, Timer.id).limit(1))
    if skip:
        query = query.where(Timer.id.not_in(skip))
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=[Timer, Instance])
    return session.execute(query.execution_options(populate_existing=True)).first()


def fire_one(session: Session, timer: Timer, instance: Instance, worker: str) -> bool:
    """Fire one claimed timer inside the caller's transaction; False when it was stale."""
    run = Run(session, None, instance)
    workflow = load(run)
    task = workflow.get_task_from_id(store.task_uuid(timer.id))
    if task is None or task.state != TaskState.WAITING:
        store.save(session, instance, workflow)  # rewrites the timer table from the state
        return False
    if isinstance(getattr(task.task_spec, "event_definition", None), CycleTimerEventDefinition):
        _coalesce_cycle(task, clock.now())
    before = instance.status
    workflow.refresh_timers()
    fired = task.state != TaskState.WAITING or _cycle_moved(task, timer)
    with event_log.held(session, instance):  # the save writes the events with its other rows
        store.log_event(session, instance, "timer_fired", None, task=task,
                        data={"due_at": store.utc(timer.due_at).isoformat(), "worker": worker,
                              "event_type": timer.event_type})
        advance(run, workflow)
        store.save(session, instance, workflow)
    if instance.status != before:
        store.log_event(session, instance, "status_changed", None, from_status=before, to_status=instance.status)
    return fired


def _cycle_moved(task, timer: Timer) -> bool:
    value = task.internal_data.get("event_value")
    return isinstance(value, dict) and store.as_datetime(value.get("next")) != store.utc(timer.due_at)


def fire_due(session_factory: sessionmaker, worker: str = "scheduler", limit: int | None = None) -> FireReport:
    """Fire every timer that is due now (by ``clock.now()``), one transaction per timer."""
    report = FireReport()
    skip: set[str] = set()
    while limit is None or report.fired + report.stale + report.failed < limit:
        session = session_factory()
        began = None
        try:
            with write_transaction(session):
                began = time.monotonic()  # the write lock is ours from here (SQLite)
                row = _claim(session, clock.now(), skip)
                if row is None:
                    break
                timer, instance = row
                skip.add(timer.id)  # never twice in one round, even if it stays due
                if fire_one(session, timer, instance, worker):
                    report.fired += 1
                    report.instances.append(instance.id)
                else:
                    report.stale += 1
        except StaleDataError:
            report.failed += 1  # a request saved the instance meanwhile; the next round retries
        except Exception:  # noqa: BLE001 - one bad instance must not stop the others
            report.failed += 1
            log.exception("firing a timer failed")
        finally:
            sqlite = not is_postgresql(session)
            session.close()
        if sqlite and began is not None:
            # SQLite has one write lock and its waiters poll with growing sleeps; giving the
            # lock up for as long as we held it lets web requests in between timers.
            time.sleep(min(max(time.monotonic() - began, 0.002), 0.2))
    return report


def timer_start_events(spec) -> list:
    """The timer start events of a process spec (top level only)."""
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

    return [ts for ts in spec.task_specs.values()
            if isinstance(ts, StartEvent) and isinstance(getattr(ts, "event_definition", None), TimerEventDefinition)]


def arm_timer_starts(session_factory: sessionmaker) -> list[int]:
    """Give each newest definition with a timer start event one instance waiting on that event: the
    newest national default and the newest version of each instansi that has its own.

    A process whose start event is a timer cannot be started by a person; the scheduler
    starts one instance per deployed version (business key ``jadwal:<process>:v<version>``),
    which waits on its start event until the timer fires. A cycle start event then runs the
    process body once per repetition inside that instance (SpiffWorkflow's semantics); a new
    deploy arms the new version, and the old version's waiting instance keeps its schedule
    until an admin terminates it.
    """
    from sqlalchemy import func

    from .definitions import specs_of
    from .instances import start_instance
    from .models import ProcessDefinition

    started = []
    session = session_factory()
    try:
        newest = session.execute(select(ProcessDefinition.process_id, ProcessDefinition.instansi_id,
                                        func.max(ProcessDefinition.version))
                                 .group_by(ProcessDefinition.process_id, ProcessDefinition.instansi_id)).all()
        for process_id, instansi_id, version in newest:
            definition = session.scalar(select(ProcessDefinition).where(
                ProcessDefinition.process_id == process_id, ProcessDefinition.version == version))
            if not timer_start_events(specs_of(definition)[0]):
                continue
            key = f"jadwal:{process_id}:v{version}"  # version numbers are unique per process over every instansi
            with write_transaction(session):
                if is_postgresql(session):  # two schedulers arm it once
                    session.execute(text("select pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})
                if session.scalar(select(Instance.id).where(Instance.business_key == key).limit(1)) is None:
                    data = {} if instansi_id is None else {"instansi_id": instansi_id}
                    started.append(start_instance(session, process_id, key, data, None).id)
    finally:
        session.close()
    return started
