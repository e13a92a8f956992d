"""How an instance is written to and read from the database.

The row holds the runtime state only (its layout: ``workflows.state``). Saving also rewrites the derived
tables (open human tasks with their candidates, waiting timers, the instance status)
from the workflow, in the caller's transaction, so they never disagree with it.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable
from uuid import UUID

from sqlalchemy import inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import catalog, clock, lanes
from .derived_rows import Derived, derived_rows, kept
from .derived_writes import adding, collecting, deleting, write_derived
from .event_log import log_event, take as take_held_events  # log_event: also read as store.log_event
from .message_rows import sync_message_subscriptions, thrown_messages
from .models import HumanTask, HumanTaskCandidate, Instance, InstanceElement, Timer
# the stored state's layout, also read as store.* (instances, migration, tests, bench)
from .state import SCHEMA_VERSION, SERIALIZER, STATE_SERIALIZER, dump_state, load_state  # noqa: F401
from .task_walk import ACTIVE, one_walk, tasks_in

now = clock.now


def task_properties(task) -> dict:
    return ((getattr(task.task_spec, "extensions", None) or {}).get("properties") or {})


def _evaluate_property(workflow, task, expression: str | None):
    if not expression:
        return None
    try:
        return workflow.script_engine.evaluate(task, expression)
    except Exception:  # noqa: BLE001 - a bad title or due date must not block the process
        return None


def as_datetime(value) -> dt.datetime | None:
    """A due date from a diagram expression: ISO text, date or datetime; naive means local time (WIB)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(23, 59, 59))
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=clock.local_zone())
    return value.astimezone(dt.timezone.utc) if isinstance(value, dt.datetime) else None


utc = clock.utc  # also read as store.utc


def status_of(workflow: BpmnWorkflow, current: str | None) -> str:
    """Suspended, terminated and error stay until an admin acts (an error may sit outside any
    task, e.g. a timer expression that failed while the engine refreshed timers)."""
    if current in ("suspended", "terminated", "error"):
        return current
    if tasks_in(workflow, TaskState.ERROR):
        return "error"
    if tasks_in(workflow, TaskState.READY | TaskState.WAITING | TaskState.STARTED):
        return "waiting"  # (so not completed: asked first, it spares a walk of the tree)
    if workflow.is_completed():
        return "completed" if workflow.success else "terminated"
    return "running"


NewTasksListener = Callable[[Session, Instance, list, "int | None"], None]
_NEW_TASK_LISTENERS: list[NewTasksListener] = []


def on_new_tasks(fn: NewTasksListener) -> NewTasksListener:
    """Register ``fn(session, instance, [(human_task_row, spiff_task), …], actor_id)``, called in the
    saving transaction; the SpiffWorkflow task gives the diagram's properties and the task data."""
    _NEW_TASK_LISTENERS.append(fn)
    return fn


SubjectResolver = Callable[[Session, dict], dict]
_SUBJECT: list[SubjectResolver] = []


def subject_resolver(fn: SubjectResolver) -> SubjectResolver:
    """Register ``fn(session, start_data) -> {"instansi_id", "unor_id", "subject_pegawai_id"}``:
    who an instance is about, so that admins find it by instansi, unor and pegawai."""
    _SUBJECT.append(fn)
    return fn


def set_subject(session: Session, instance: Instance, data: dict) -> None:
    for fn in _SUBJECT:
        for key, value in (fn(session, data) or {}).items():
            if key in ("instansi_id", "unor_id", "subject_pegawai_id") and value is not None:
                setattr(instance, key, value)


def save(session: Session, instance: Instance, workflow: BpmnWorkflow, actor_id: int | None = None,
         fresh: bool = False) -> None:
    """Write the state and rewrite the derived tables; the version counter guards concurrent saves.

    ``fresh``: the instance was inserted in this transaction, so it has no derived rows to read back.

    Listeners hear about the human tasks that opened with this save (to notify the people
    who must act); ``actor_id`` is whoever caused it, so nobody is told about their own step.
    """
    thrown = thrown_messages(workflow)
    existing = Derived() if fresh else kept(session, instance)
    if existing is None:
        existing = derived_rows(session, instance.id)
    events = take_held_events(session, instance)
    # PostgreSQL: the instance's new values go in the save's one statement (write_derived), so they are set as
    # committed here and the instance is no work for the flush
    direct = session.get_bind().dialect.name == "postgresql" and inspect(instance).persistent
    with one_walk(workflow):
        written = _write_state(instance, workflow, direct)
        with session.no_autoflush:  # everything below is written by the one flush at the end
            new_tasks = _sync_derived(session, instance, workflow, existing, together=True, events=events,
                                      written=written)
        session.flush()
        _remember_open_tasks(session, instance, workflow, existing, new_tasks)
    tell_new_tasks(session, instance, new_tasks, actor_id)
    if thrown:
        from . import messages  # the delivery loads and saves other instances through this module
        messages.deliver_thrown(session, instance, thrown, actor_id)


_OPEN_TASKS = "ekinerja.open_tasks"


def _remember_open_tasks(session: Session, instance: Instance, workflow: BpmnWorkflow, existing: "Derived",
                         new_tasks: list[tuple]) -> None:
    """When every open human task of the instance was written by this save, keep their rows, so the
    answer to the request lists them without reading them back (``opened_by_last_save``); only the
    newest save of the session is kept."""
    session.info.pop(_OPEN_TASKS, None)
    kept = existing.human_tasks & {str(t.id) for t in tasks_in(workflow, TaskState.READY, manual=True)}
    if not kept:
        session.info[_OPEN_TASKS] = (instance.id, [row for row, _task in new_tasks])


def opened_by_last_save(session: Session, instance_id: int) -> "list[HumanTask] | None":
    """The open human tasks of ``instance_id`` when the session's newest ``save`` was of that instance
    and wrote all of them (taken once), else None."""
    found = session.info.get(_OPEN_TASKS)
    if found is None or found[0] != instance_id:
        return None
    del session.info[_OPEN_TASKS]
    if not all(inspect(row).persistent for row in found[1]):
        return None  # the transaction that wrote them was rolled back
    return sorted(found[1], key=lambda row: row.created_at)


def _write_state(instance: Instance, workflow: BpmnWorkflow, direct: bool = False) -> dict | None:
    """The instance row's state, versions and status from the workflow (only the values that change). With
    ``direct`` they are set as committed and returned, for the statement that writes them (``write_derived``);
    else set on the instance for the flush (returns None)."""
    status = status_of(workflow, instance.status)
    values = {"state": dump_state(workflow), "updated_at": now()}
    for name, value in (("serializer_version", STATE_SERIALIZER.VERSION), ("schema_version", SCHEMA_VERSION),
                        ("status", status), ("last_error", instance.last_error if status == "error" else None)):
        if getattr(instance, name) != value:
            values[name] = value
    written = values if direct else None
    for name, value in values.items():
        _set(instance, name, value, written)
    return written


def _set(instance: Instance, name: str, value, written: dict | None) -> None:
    """Set a column of the instance for the flush, or (``written`` given) as committed, noting it in ``written``
    for the statement that writes it."""
    if written is None:
        setattr(instance, name, value)
    else:
        set_committed_value(instance, name, value)
        written[name] = value


def _sync_derived(session: Session, instance: Instance, workflow: BpmnWorkflow, existing: "Derived",
                  together: bool = False, events: list | None = None, written: dict | None = None) -> list[tuple]:
    """Human tasks, timers, element rows and message subscriptions as the workflow has them (only what
    changed against ``existing`` is written), with ``together`` the instance's UPDATE (with the values
    ``written`` set as committed already) and its held ``events``; returns the human tasks that opened."""
    one_statement = session.get_bind().dialect.name == "postgresql"
    with collecting(session, adds_too=together and one_statement) as collected:
        new_tasks = _sync_human_tasks(session, instance, workflow, existing.human_tasks)
        _sync_timers(session, instance, workflow, existing.timers)
        _sync_elements(session, instance, workflow, existing.elements, written)
        sync_message_subscriptions(session, instance, workflow, existing.subscriptions)
    write_derived(session, collected, one_statement, instance if together else None, events or [], written or {})
    return new_tasks


def tell_new_tasks(session: Session, instance: Instance, new_tasks: list[tuple], actor_id: int | None) -> None:
    """Let the listeners know about tasks that are new to someone (opened, or given to another pegawai)."""
    if new_tasks:
        for listener in _NEW_TASK_LISTENERS:
            listener(session, instance, new_tasks, actor_id)


def save_new_many(session: Session, started: list[tuple[Instance, BpmnWorkflow]], actor_id: int | None = None) -> None:
    """``save(..., fresh=True)`` for many instances inserted in this transaction, with one flush for all:
    their state, human tasks with candidates, timers, elements and message subscriptions go to the
    database as one multi-row statement per table; then the listeners hear about all the new tasks at
    once (``on_new_tasks_many``) and thrown messages are delivered."""
    told, thrown = [], []
    with session.no_autoflush:  # everything below is written by the one flush at the end
        for instance, workflow in started:
            messages_out = thrown_messages(workflow)
            with one_walk(workflow):
                _write_state(instance, workflow)
                told.append((instance, _sync_derived(session, instance, workflow, Derived())))
            if messages_out:
                thrown.append((instance, messages_out))
    session.flush()
    tell_new_tasks_many(session, told, actor_id)
    if thrown:
        from . import messages
        for instance, messages_out in thrown:
            messages.deliver_thrown(session, instance, messages_out, actor_id)


NewTasksManyListener = Callable[[Session, list, "int | None"], None]
_MANY: dict[NewTasksListener, NewTasksManyListener] = {}


def on_new_tasks_many(listener: NewTasksListener):
    """Register ``fn(session, [(instance, [(human_task_row, spiff_task), …]), …], actor_id)`` as the
    batch form of the registered ``listener``: ``tell_new_tasks_many`` calls it instead of calling
    ``listener`` once per instance."""
    def register(fn: NewTasksManyListener) -> NewTasksManyListener:
        _MANY[listener] = fn
        return fn
    return register


def tell_new_tasks_many(session: Session, told: list[tuple[Instance, list]], actor_id: int | None) -> None:
    told = [(instance, tasks) for instance, tasks in told if tasks]
    if not told:
        return
    for listener in _NEW_TASK_LISTENERS:
        if listener in _MANY:
            _MANY[listener](session, told, actor_id)
        else:
            for instance, tasks in told:
                listener(session, instance, tasks, actor_id)


def _sync_human_tasks(session: Session, instance: Instance, workflow: BpmnWorkflow, existing: set[str]) -> list[tuple]:
    ready = {str(t.id): t for t in tasks_in(workflow, TaskState.READY, manual=True)}
    if instance.status == "suspended":
        ready = {}
    gone = existing - set(ready)
    if gone:  # their human_task_candidate rows go with them (ON DELETE CASCADE)
        deleting(session, HumanTask, gone)
    new_rows = []
    for task_id, task in ready.items():
        if task_id in existing:
            continue
        props = task_properties(task)
        try:
            candidates = candidates_of(session, instance, task)
        except lanes.LaneUnresolved as exc:
            lane_error(session, instance, task, exc)
            continue
        row = HumanTask(
            id=task_id, instance_id=instance.id, bpmn_id=task.task_spec.bpmn_id,
            name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
            title=str(_evaluate_property(workflow, task, props.get("judul")) or task.task_spec.bpmn_name or "")[:255],
            lane=(task.task_spec.lane or props.get("pelaksana") or "")[:128],  # outside lanes: its pelaksana
            form_key=props.get("formKey", ""), assignee_id=candidates[0] if len(candidates) == 1 else None,
            in_inbox=str(props.get("inbox", "true")).lower() != "false",
            due_at=as_datetime(_evaluate_property(workflow, task, props.get("tenggat"))),
            created_at=now())
        row.candidates = [HumanTaskCandidate(pegawai_id=pid) for pid in candidates]
        adding(session, row)
        new_rows.append((row, task))
    return new_rows


def candidates_of(session: Session, instance: Instance, task) -> list[int]:
    """Who may complete a user task of the instance: its lane's ``pelaksana`` (or the lane read by name,
    or the process's ``pelaksana_bawaan`` outside any lane); LaneUnresolved when nobody."""
    definition = instance.definition
    lane, expression = lanes.pelaksana_of(task.task_spec, catalog.lane_pelaksana(definition),
                                          catalog.default_pelaksana(definition))
    label = lane or f"(tanpa lane: {expression})"
    return lanes.resolve(session, label, task.data, expression)


def lane_error(session: Session, instance: Instance, task, exc: "lanes.LaneUnresolved") -> None:
    """A user task nobody can act on: the instance waits in ``error`` for an admin (retry after the
    organisation is fixed), instead of failing the request or a timer again and again."""
    if instance.status == "error" and (instance.last_error or {}).get("message") == exc.message:
        return
    instance.status = "error"
    instance.last_error = {"element": task.task_spec.bpmn_id, "name": task.task_spec.bpmn_name,
                           "message": exc.message, "lane": exc.lane, "line": None, "traceback": ""}
    log_event(session, instance, "error", None, task=task, reason=exc.message)


def _timer_due(value: str) -> dt.datetime | None:
    try:  # the same parsing SpiffWorkflow uses when it decides whether the timer fired
        return TimerEventDefinition.get_datetime(value).astimezone(dt.timezone.utc)
    except (TypeError, ValueError):
        return None


def _sync_timers(session: Session, instance: Instance, workflow: BpmnWorkflow, existing: dict[str, Timer]) -> None:
    waiting = {}
    if instance.status != "suspended":
        for task in tasks_in(workflow, TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if definition is None:
                continue
            details = definition.details(task)
            if "Time" in details.event_type and details.value:
                due = _timer_due(details.value)
                if due is not None:
                    waiting[str(task.id)] = (task, details.event_type, due)
    gone = [timer_id for timer_id in existing if timer_id not in waiting]
    if gone:
        deleting(session, Timer, gone)
    for timer_id, (task, event_type, due) in waiting.items():
        row = existing.get(timer_id)
        if row is None:
            adding(session, Timer(id=timer_id, instance_id=instance.id, bpmn_id=task.task_spec.bpmn_id or "",
                              event_type=event_type, due_at=due))
        elif row.due_at != due:
            session.execute(update(Timer).where(Timer.id == timer_id).values(due_at=due))


def active_elements(instance: Instance, workflow: BpmnWorkflow) -> dict[str, tuple[str, str]]:
    """{task id: (bpmn id, "waiting" | "error")} of the diagram elements the instance stands at."""
    found = {}
    if instance.status in ("completed", "terminated"):
        return found
    for task in tasks_in(workflow, ACTIVE):
        bpmn_id = task.task_spec.bpmn_id
        if bpmn_id is None or getattr(task.task_spec, "__class__").__name__.startswith("_"):
            continue
        if task.state == TaskState.STARTED and any(c.state & ACTIVE for c in task.children):
            continue  # a boundary-event parent: its children are where the instance waits
        found[str(task.id)] = (bpmn_id, "error" if task.state == TaskState.ERROR else "waiting")
    error = (instance.last_error or {}).get("element") if instance.status == "error" else None
    if error and not any(b == error and s == "error" for b, s in found.values()):
        found[f"error:{instance.id}"[:36]] = (error, "error")  # an error outside any task (a timer expression)
    return found


def _sync_elements(session: Session, instance: Instance, workflow: BpmnWorkflow,
                   existing: dict[str, InstanceElement], written: dict | None = None) -> None:
    """The element rows (where the instance stands) and the instance's ``waiting_since`` (set as ``_set`` does)."""
    found = active_elements(instance, workflow)
    gone = [element_id for element_id in existing if element_id not in found]
    if gone:
        deleting(session, InstanceElement, gone)
    current = now()
    for element_id, (bpmn_id, state) in found.items():
        values = dict(bpmn_id=bpmn_id, state=state, definition_id=instance.definition_id,
                      instansi_id=instance.instansi_id)
        row = existing.get(element_id)
        if row is None:
            adding(session, InstanceElement(id=element_id, instance_id=instance.id, since=current, **values))
        elif (row.bpmn_id, row.state, row.definition_id, row.instansi_id) != tuple(values.values()):
            session.execute(update(InstanceElement).where(InstanceElement.id == element_id).values(**values))
    sinces = [existing[e].since for e in found if e in existing] + ([current] if set(found) - set(existing) else [])
    waiting_since = min(sinces) if sinces else None
    if instance.waiting_since != waiting_since:
        _set(instance, "waiting_since", waiting_since, written)


def task_uuid(task_id: str) -> UUID | None:
    try:
        return UUID(task_id)
    except (ValueError, TypeError):
        return None
