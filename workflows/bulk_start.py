"""Starting many instances of one process in one transaction with a few statements per table.

``start_instance`` writes one instance at a time: an INSERT, the engine run, then an UPDATE and one
INSERT per derived table and per notification (13 statements). Opening a period starts one
instance per pegawai, so ``start_many`` inserts a batch's instance rows in one multi-row INSERT,
runs each one's engine as ``start_instance`` does, and writes the states, derived rows, events and
notifications of the whole batch with one flush (``store.save_new_many``).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from . import instances as single, store
from .models import Instance


def start_many(session: Session, process_id: str, starts: list[tuple[str, dict]],
               actor_id: int | None) -> list[Instance]:
    """``start_instance`` for each ``(business_key, start data)``, in order, inside the caller's write
    transaction. Any error raised (a DomainError) leaves the caller to roll the whole batch back; an
    engine error in one instance puts that instance in the error state, as ``start_instance`` does."""
    definitions: dict = {}
    prepared = [single.new_instance(session, process_id, key, data, actor_id, definitions) for key, data in starts]
    instances = [instance for instance, _ in prepared]
    session.add_all(instances)
    session.flush()  # one INSERT … RETURNING id for the batch: the engines' services need the ids
    started = [(instance, single.run_start(session, instance, data, actor_id)) for instance, data in prepared]
    for instance, _ in started:
        store.log_event(session, instance, "started", actor_id, data={"business_key": instance.business_key})
    store.save_new_many(session, started, actor_id)
    return instances
