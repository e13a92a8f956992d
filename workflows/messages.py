"""Messages between instances: delivery of thrown messages, message start, correlation.

SpiffWorkflow routes a message only inside one workflow; a message nothing inside the
instance caught is taken off its queue at save (``message_rows.thrown_messages``) and handed on here,
in the thrower's write transaction:

1. The receivers are the rows of ``message_subscription`` (one per waiting message catch event,
   rewritten at every save) with the message's name that correlate:
   - by declared correlation properties when the message has them (``bpmn:correlationProperty``
     with a retrieval expression over the payload; the receiver declares its expected values with
     ``spiffworkflow:processVariableCorrelation``): every property value must be equal;
   - otherwise by business key: the payload's ``business_key`` when it names one, else the
     thrower's own business key, equal to the receiving instance's business key.
2. Each receiving instance is locked (``SELECT … FOR UPDATE``), loaded, the event is caught by the
   waiting task itself, the engine runs on and the instance is saved (which may deliver further
   messages, up to ``MAX_DEPTH`` hops). A receiver's own failure puts it in ``error``, not the thrower.
3. No receiver waits: the newest version of a process whose start event catches the message starts
   (its business key is the message's); nothing starts either: the thrower logs ``message_unmatched``.

Lock order: the thrower is locked first, then its receivers. Two instances throwing at each other at the
same moment lock in opposite orders; PostgreSQL then aborts one transaction as a deadlock, which the
API answers with 409 and nothing half-done is kept.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent

from core.errors import Conflict

from . import store
from .definitions import latest, specs_of
from .instances import Run, _lock, advance, load, start_instance
from .message_rows import correlation_text, waiting_receivers
from .models import Instance, MessageSubscription, ProcessDefinition

MAX_DEPTH = 10  # messages that make the receiver throw again: a loop of instances stops here
_DEPTH: dict[int, int] = {}  # per session: how deep the current delivery is


@dataclass
class Message:
    name: str
    payload: Any = None
    business_key: str | None = None  # the receiver's business key (used when there is no correlation)
    correlation: str | None = None  # canonical property values (message_rows.correlation_text)
    correlations: dict = field(default_factory=dict)  # SpiffWorkflow's {key: {property: value}}


@dataclass
class Outcome:
    delivered: list[int] = field(default_factory=list)  # instance ids that caught it
    started: list[int] = field(default_factory=list)  # instance ids a message start event started


def flat(correlations: dict | None) -> dict:
    """SpiffWorkflow's {correlation key: {property: value}} as {property: value}."""
    values = {}
    for key_values in (correlations or {}).values():
        values.update(key_values or {})
    return values


def from_event(thrower: Instance, event: BpmnEvent) -> Message:
    payload = event.payload
    named = payload.get("business_key") if isinstance(payload, dict) else None
    correlation = correlation_text(flat(event.correlations))
    return Message(name=event.event_definition.name, payload=payload, correlations=event.correlations or {},
                   correlation=correlation,
                   business_key=None if correlation else str(named) if named is not None else thrower.business_key)


def receivers(session: Session, message: Message, scope=None) -> list[MessageSubscription]:
    """The waiting catch events the message correlates with (``scope(query)`` narrows the instances)."""
    query = select(MessageSubscription).where(MessageSubscription.message_name == message.name[:255])
    if message.correlation is not None:
        query = query.where(MessageSubscription.correlation == message.correlation)
    if message.business_key is not None:
        query = query.where(MessageSubscription.business_key == message.business_key)
    if message.correlation is None and message.business_key is None:
        return []
    if scope is not None:
        query = scope(query.join(Instance, Instance.id == MessageSubscription.instance_id))
    return list(session.scalars(query.order_by(MessageSubscription.instance_id, MessageSubscription.task_id)))


def _catch(session: Session, instance_id: int, task_ids: list[str], message: Message, actor_id: int | None) -> bool:
    """Deliver to the instance's first still-waiting subscribed task; False when it no longer waits."""
    instance = _lock(session, instance_id)
    if instance.status not in ("running", "waiting"):
        return False
    run = Run(session, actor_id, instance)
    workflow = load(run)
    waiting = {str(t.id): (t, d) for t, d in waiting_receivers(workflow) if d.name == message.name}
    task, definition = next((waiting[i] for i in task_ids if i in waiting), (None, None))
    if task is None:
        return False
    payload = message.payload if message.payload is not None else {}
    event = BpmnEvent(definition, payload=payload, correlations=_own_correlations(workflow, definition, payload)
                      or message.correlations)
    try:
        task.task_spec.catch(task, event)
        task.task_spec._update(task)
    except Exception as exc:  # noqa: BLE001 - e.g. a correlation expression the payload cannot answer
        instance.last_error = {"element": task.task_spec.bpmn_id, "name": task.task_spec.bpmn_name,
                               "message": f"pesan '{message.name}' tidak dapat diterima: {exc}"}
        instance.status = "error"
        store.log_event(session, instance, "error", actor_id, task=task, reason=instance.last_error["message"])
    else:
        store.log_event(session, instance, "message_received", actor_id, task=task,
                        data={"message": message.name, "payload": _plain(payload)})
        advance(run, workflow)
    store.save(session, instance, workflow, actor_id)
    return True


def _own_correlations(workflow, definition, payload) -> dict:
    """The correlation keys as the receiver's own message definition computes them from the payload."""
    if not isinstance(definition, MessageEventDefinition) or not definition.correlation_properties:
        return {}
    try:
        return definition.calculate_correlations(workflow.script_engine, definition.correlation_properties,
                                                 payload if isinstance(payload, dict) else {})
    except Exception:  # noqa: BLE001 - a property the payload lacks: compared as absent
        return {}


def _plain(payload):
    return payload if isinstance(payload, (dict, list, str, int, float, bool, type(None))) else str(payload)


def deliver(session: Session, message: Message, actor_id: int | None, exclude: int | None = None,
            scope=None) -> Outcome:
    """Deliver to every instance (other than ``exclude``) whose waiting catch event correlates."""
    outcome = Outcome()
    depth = _DEPTH.get(id(session), 0)
    if depth >= MAX_DEPTH:
        raise Conflict(f"Pesan '{message.name}' berputar di antara lebih dari {MAX_DEPTH} instance; "
                       "periksa diagram yang saling mengirim pesan")
    by_instance: dict[int, list[str]] = {}
    for row in receivers(session, message, scope):
        if row.instance_id != exclude:
            by_instance.setdefault(row.instance_id, []).append(row.task_id)
    _DEPTH[id(session)] = depth + 1
    try:
        for instance_id in sorted(by_instance):  # one order for every thrower: fewer deadlocks
            if _catch(session, instance_id, by_instance[instance_id], message, actor_id):
                outcome.delivered.append(instance_id)
    finally:
        if depth:
            _DEPTH[id(session)] = depth
        else:
            _DEPTH.pop(id(session), None)
    return outcome


_STARTS: dict[int, set[str]] = {}  # definition id -> names of the messages its start events catch


def start_messages(definition: ProcessDefinition) -> set[str]:
    if definition.id not in _STARTS:
        spec, _subs = specs_of(definition)
        _STARTS[definition.id] = {ts.event_definition.name for ts in getattr(spec, "bpmn_start_events", [])
                                  if isinstance(getattr(ts, "event_definition", None), MessageEventDefinition)}
    return _STARTS[definition.id]


def startable_by(session: Session, name: str, instansi_id: int | None = None) -> list[ProcessDefinition]:
    """The version of every process whose message start event catches ``name`` that an instance of the
    instansi would take (its own newest, else the national default)."""
    found = []
    for process_id in session.scalars(select(ProcessDefinition.process_id).distinct()
                                      .order_by(ProcessDefinition.process_id)):
        definition = latest(session, process_id, instansi_id)
        if definition is not None and name in start_messages(definition):
            found.append(definition)
    return found


def start_by_message(session: Session, definition: ProcessDefinition, message: Message, actor_id: int | None,
                     start_data: dict | None = None) -> Instance:
    """Start the process (it waits at its message start event), then deliver the message to it."""
    business_key = message.business_key or f"pesan:{message.name}:{uuid.uuid4().hex[:12]}"
    data = dict(start_data or {})
    if isinstance(message.payload, dict):
        data = {**message.payload, **data}
    instance = start_instance(session, definition.process_id, business_key[:128], data, actor_id)
    rows = session.scalars(select(MessageSubscription.task_id).where(MessageSubscription.instance_id == instance.id,
                                                               MessageSubscription.message_name == message.name))
    if not _catch(session, instance.id, list(rows), message, actor_id):
        raise Conflict(f"Proses '{definition.process_id}' tidak menunggu pesan '{message.name}' di awalnya")
    return instance


def deliver_thrown(session: Session, thrower: Instance, events: list, actor_id: int | None) -> None:
    """Called by ``store.save`` for the messages an instance threw and did not catch itself."""
    for event in events:
        message = from_event(thrower, event)
        outcome = deliver(session, message, actor_id, exclude=thrower.id)
        if not outcome.delivered:
            for definition in startable_by(session, message.name, thrower.instansi_id):
                outcome.started.append(start_by_message(session, definition, message, actor_id).id)
        if outcome.delivered or outcome.started:
            store.log_event(session, thrower, "message_sent", actor_id,
                            data={"message": message.name, "delivered": outcome.delivered,
                                  "started": outcome.started})
        else:
            store.log_event(session, thrower, "message_unmatched", actor_id,
                            reason=f"Tidak ada instance yang menunggu pesan '{message.name}'"
                                   + (f" dengan kunci bisnis '{message.business_key}'" if message.business_key
                                      else f" dengan korelasi {message.correlation}"),
                            data={"message": message.name, "business_key": message.business_key,
                                  "correlation": message.correlation})



SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_SENDERS: dict[int, set[str]] = {}


def declared_senders(definition: ProcessDefinition) -> set[str]:
    """The roles the process declares may send it messages through the API: the process property
    ``pengirim_pesan`` ("verifikator|operator"; "semua" for every pegawai of the instansi).

    Parsed here from the stored XML until the shared process-properties reader exists."""
    if definition.id not in _SENDERS:
        from lxml import etree

        found: set[str] = set()
        for name, text in (definition.sources or {}).items():
            if not name.endswith(".bpmn"):
                continue
            root = etree.fromstring(text.encode())
            for process in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
                if process.get("id") != definition.process_id:
                    continue
                for prop in process.findall(f"./{{*}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"):
                    if prop.get("name") == "pengirim_pesan":
                        found |= {r.strip() for r in (prop.get("value") or "").split("|") if r.strip()}
        _SENDERS[definition.id] = found
    return _SENDERS[definition.id]


def send(session: Session, name: str, payload: dict, business_key: str | None, correlation: dict | None,
         actor_id: int | None, instansi_id: int | None, may_send, start_data: dict | None = None) -> Outcome:
    """A message from outside (the API), inside the caller's write transaction.

    Delivered to the waiting instances it correlates with (by ``business_key`` and/or the ``correlation``
    property values), within ``instansi_id`` when given; when none waits, the processes whose message start
    event catches it start (with ``start_data`` over the payload as start data; it must land in
    ``instansi_id`` too). ``may_send(definition)`` says whether the caller may message that process:
    Forbidden when something matched but nothing the caller may message, NotFound when nothing matched."""
    from core.errors import Forbidden, NotFound

    message = Message(name=name, payload=payload, business_key=business_key,
                      correlation=correlation_text(correlation))
    scope = (lambda q: q.where(Instance.instansi_id == instansi_id)) if instansi_id is not None else None
    matched = receivers(session, message, scope) if (business_key or correlation) else []
    allowed = {r.instance_id for r in matched if may_send(session.get(Instance, r.instance_id).definition)}
    outcome = Outcome()
    if allowed:
        outcome = deliver(session, message, actor_id,
                          scope=lambda q: (scope(q) if scope else q).where(Instance.id.in_(allowed)))
    if outcome.delivered:
        return outcome
    startable = startable_by(session, name, instansi_id) if not matched else []
    if (matched or startable) and not any(may_send(d) for d in startable) and not allowed:
        raise Forbidden(f"Anda tidak berhak mengirim pesan '{name}' ke proses ini")
    for definition in (d for d in startable if may_send(d)):
        instance = start_by_message(session, definition, message, actor_id, start_data)
        if instansi_id is not None and instance.instansi_id != instansi_id:
            raise Forbidden(f"Pesan '{name}' akan memulai proses di luar instansi Anda")
        outcome.started.append(instance.id)
    if not outcome.started:
        keys = " ".join(filter(None, [f"kunci bisnis '{business_key}'" if business_key else "",
                                      f"korelasi {message.correlation}" if message.correlation else ""]))
        raise NotFound(f"Tidak ada instance yang menunggu pesan '{name}'{' dengan ' + keys if keys else ''} "
                       f"dan tidak ada proses yang dimulai oleh pesan itu")
    return outcome
