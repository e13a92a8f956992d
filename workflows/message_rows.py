"""The message side of an instance's derived rows: which of its tasks wait for which message, with what
correlation (the ``message_subscription`` rows a save keeps in step), and the messages it threw that nothing
inside it caught (handed on by ``messages.deliver_thrown``)."""
from __future__ import annotations

import json

from sqlalchemy import update
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from .derived_writes import adding, deleting
from .models import Instance, MessageSubscription
from .task_walk import tasks_in


def thrown_messages(workflow: BpmnWorkflow) -> list:
    """The messages the instance threw that nothing inside it caught, taken off its event queue
    (other uncaught events stay there as before); ``messages.deliver_thrown`` hands them on."""
    events = workflow.get_events()
    thrown = [e for e in events if isinstance(e.event_definition, MessageEventDefinition)]
    workflow.bpmn_events = [e for e in events if e not in thrown]
    return thrown


def correlation_text(values: dict | None) -> str | None:
    """Correlation property values {name: value} as the canonical JSON stored and compared; None when empty."""
    if not values:
        return None
    return json.dumps({str(k): values[k] for k in sorted(values, key=str)}, sort_keys=True, default=str,
                      separators=(",", ":"))[:512]


def receiver_correlation(task, definition) -> str | None:
    """The property values a waiting message catch event expects (from its process correlations), or None."""
    names = {p.name for p in [*definition.correlation_properties, *getattr(definition, "process_correlations", [])]}
    values = {}
    for key_values in task.workflow.correlations.values():
        for name, value in (key_values or {}).items():
            if name in names:
                values[name] = value
    return correlation_text(values)


def waiting_receivers(workflow: BpmnWorkflow) -> list[tuple]:
    """[(task, message definition)] of the tasks waiting for a message: intermediate and boundary catch
    events, event-based gateways (one entry per message they wait for), receive tasks, message start events."""
    found = []
    for task in tasks_in(workflow, TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        for item in getattr(definition, "event_definitions", None) or [definition]:
            if isinstance(item, MessageEventDefinition) and item.name:
                found.append((task, item))
    return found


def sync_message_subscriptions(session: Session, instance: Instance, workflow: BpmnWorkflow,
                               existing: dict[tuple[str, str], MessageSubscription]) -> None:
    """The instance's message_subscription rows as its waiting catch events have them (only what changed)."""
    waiting = {}
    if instance.status in ("running", "waiting"):
        waiting = {(str(t.id), d.name[:255]): (t, d) for t, d in waiting_receivers(workflow)}
    gone = [key for key in existing if key not in waiting]  # (task id, message name)
    if gone:
        deleting(session, MessageSubscription, gone)
    for key, (task, definition) in waiting.items():
        values = dict(business_key=instance.business_key, correlation=receiver_correlation(task, definition),
                      bpmn_id=task.task_spec.bpmn_id or "")
        row = existing.get(key)
        if row is None:
            adding(session, MessageSubscription(task_id=key[0], message_name=key[1], instance_id=instance.id, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            session.execute(update(MessageSubscription).where(MessageSubscription.task_id == key[0],
                                                              MessageSubscription.message_name == key[1])
                            .values(**values))
