"""Lookups a session remembers until something they read from may have changed.

A completion asks "who leads this unor" several times (the submit guard, the atasan of the penilai,
the lane of the next task); each answer costs a statement (``remembered_many``: one for several keys).
``remembered`` keeps the answer in ``session.info`` under a namespace that names the mapped classes it
was read from, and forgets the namespace when the session writes one of those classes (a flush, an ORM
UPDATE/DELETE, any textual statement) and at the end of every transaction or rolled-back savepoint.
Answers are ORM objects of the same session, so they are the rows the session would have loaded anyway.

``keep_read`` lets the rows of the bearer-token check (who asks) outlive the read transaction that
``write_transaction`` ends, when nothing else happened in it.
"""
from __future__ import annotations

from collections import deque
from itertools import chain
from typing import Any, Callable, Hashable, Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "ekinerja.memo"
_WATCHED: dict[str, tuple[type, ...]] = {}


_KEPT = "ekinerja.kept"
_KEEP: list[type] = []
KEEP_LIMIT = 256


def keep_loaded(*classes: type) -> None:
    """Hold the last ``KEEP_LIMIT`` rows of these classes a session loaded until its transaction ends.

    The identity map holds rows weakly: the SKP a form handler read was gone by the time the step's
    service asked for it, and read again (the same for the pegawai, jabatan and unor of a lane). Held,
    ``session.get`` and lazy loads by primary key find them without a statement."""
    _KEEP.extend(classes)


@event.listens_for(Session, "loaded_as_persistent")
def _hold(session: Session, instance) -> None:
    if _KEEP and isinstance(instance, tuple(_KEEP)):
        kept = session.info.get(_KEPT)
        if kept is None:
            kept = session.info[_KEPT] = deque(maxlen=KEEP_LIMIT)
        kept.append(instance)


_READ_KEPT = "ekinerja.read_kept"


def keep_read(session: Session) -> None:
    """Mark the session's transaction as one that so far only read rows a write transaction may go on using
    as they are (the requester's akun and pegawai, read to check who asks). ``write_transaction`` then ends
    it with a commit, which keeps them loaded, instead of a rollback that expires them to be read again.
    Any further statement or flush in the transaction cancels the mark."""
    session.info[_READ_KEPT] = True


def read_kept(session: Session) -> bool:
    """Whether the transaction holds only what ``keep_read`` marked and nothing is waiting to be written."""
    return bool(session.info.get(_READ_KEPT)) and not (session.new or session.dirty or session.deleted)


def watch(namespace: str, *classes: type) -> None:
    """Declare that answers under ``namespace`` are read from these mapped classes."""
    _WATCHED[namespace] = tuple(classes)


def remembered(session: Session, namespace: str, key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()``, or the answer the session already got for (namespace, key)."""
    answers = _answers(session, namespace)
    if key not in answers:
        answers[key] = compute()
    return answers[key]


def remembered_many(session: Session, namespace: str, keys: Iterable[Hashable],
                    compute: Callable[[list], dict]) -> dict:
    """The answers for every key: those the session has not got yet from one ``compute(missing keys)``,
    which returns a dict of answers (answers it gives for other keys of the namespace are kept too)."""
    answers = _answers(session, namespace)
    missing = [k for k in dict.fromkeys(keys) if k not in answers]
    if missing:
        found = compute(missing)
        answers.update(found)
        for key in missing:
            answers.setdefault(key, None)
    return {k: answers[k] for k in keys}


def remember(session: Session, namespace: str, found: dict) -> None:
    """Keep answers read together with something else (a query that answered several keys at once)."""
    _answers(session, namespace).update(found)


def _answers(session: Session, namespace: str) -> dict:
    if namespace not in _WATCHED:
        raise KeyError(f"memo namespace {namespace!r} is not watched")
    classes = _WATCHED[namespace]
    if session.info.get(_KEY, {}).get(namespace) and any(
            isinstance(o, classes) for o in chain(session.new, session.dirty, session.deleted)):
        forget(session, set(classes))  # a change not flushed yet: the query below flushes and sees it
    return session.info.setdefault(_KEY, {}).setdefault(namespace, {})


def forget(session: Session, classes: set[type] | None = None) -> None:
    """Forget every answer read from any of ``classes`` (None: everything)."""
    memo = session.info.get(_KEY)
    if not memo:
        return
    for namespace in list(memo):
        if classes is None or any(issubclass(c, _WATCHED[namespace]) for c in classes):
            del memo[namespace]


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    session.info.pop(_READ_KEPT, None)
    if session.info.get(_KEY):
        forget(session, {type(o) for o in chain(session.new, session.dirty, session.deleted)})


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    state.session.info.pop(_READ_KEPT, None)  # another statement (lazy loads and refreshes too)
    if state.is_select or not state.session.info.get(_KEY):
        return
    mappers = state.all_mappers
    forget(state.session, {m.class_ for m in mappers} if mappers else None)


_TRANSACTION_KEYS: list[str] = []


def forget_at_transaction_end(key: str) -> None:
    """Drop ``session.info[key]`` when a session's transaction ends (not a savepoint's): what a use case kept
    for later in its transaction (the engine's derived rows read with a task, its held events)."""
    _TRANSACTION_KEYS.append(key)


@event.listens_for(Session, "after_transaction_end")
def _at_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # a released savepoint keeps what the session wrote and read
        for key in (_READ_KEPT, _KEY, _KEPT, *_TRANSACTION_KEYS):
            session.info.pop(key, None)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous) -> None:  # a savepoint too: what it wrote is gone
    session.info.pop(_KEY, None)
