"""The one clock of the application, which tests (and a training server) can move.

Everything that asks "what time is it" for the process goes through ``now()``: task due
dates, events, the scheduler's "which timers are due", and SpiffWorkflow's own timer
events. SpiffWorkflow 3.2.0 reads ``datetime.now(timezone.utc)`` inside its timer module
and has no injectable clock, so ``install()`` gives that module a ``datetime`` whose
``now`` is ours (the library is pinned; tests/test_timers.py checks every timer kind).

``EKINERJA_NOW`` (an ISO date or datetime) starts the clock at that moment and lets it run
from there: a training server can live in late January without waiting for it.
"""
from __future__ import annotations

import datetime as dt
import os
import threading

_lock = threading.Lock()
_offset = dt.timedelta(0)


def _real_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def now() -> dt.datetime:
    """The current time (UTC, aware), moved by ``set``/``advance``."""
    return _real_now() + _offset


def local_zone() -> dt.tzinfo:
    """The instansi's time zone (``EKINERJA_TIMEZONE``, default Asia/Jakarta = WIB)."""
    from zoneinfo import ZoneInfo
    return ZoneInfo(os.environ.get("EKINERJA_TIMEZONE", "Asia/Jakarta"))


def today() -> dt.date:
    """Today's date where the pegawai are (WIB by default), by this clock."""
    return now().astimezone(local_zone()).date()


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time read back (SQLite returns it naive, in UTC) as an aware UTC datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def local(moment: dt.datetime) -> dt.datetime:
    """A stored instant in the instansi's time zone (a naive value is read as UTC, as it is stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(local_zone())


def local_date(moment: dt.datetime | dt.date | None) -> dt.date | None:
    """The instansi's calendar date of an instant (a plain date stays as it is)."""
    if moment is None or not isinstance(moment, dt.datetime):
        return moment
    return local(moment).date()


def local_text(moment: dt.datetime) -> str:
    """"02-12-2026 06:00 WIB": the instansi's local date and time with the zone's own abbreviation."""
    moment = local(moment)
    return f"{moment:%d-%m-%Y %H:%M} {moment.tzname()}"


def set(moment: dt.datetime | dt.date | str) -> None:  # noqa: A001 - clock.set reads naturally
    """Move the clock so that ``now()`` is ``moment`` (naive means UTC) and runs on from there."""
    global _offset
    target = parse(moment)
    with _lock:
        _offset = target - _real_now()


def advance(delta: dt.timedelta) -> None:
    global _offset
    with _lock:
        _offset += delta


def reset() -> None:
    global _offset
    with _lock:
        _offset = dt.timedelta(0)


def parse(moment: dt.datetime | dt.date | str) -> dt.datetime:
    if isinstance(moment, str):
        moment = dt.date.fromisoformat(moment) if len(moment) == 10 else dt.datetime.fromisoformat(moment)
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment


class _ClockDatetime(dt.datetime):
    """``datetime`` for SpiffWorkflow's timer module: ``now()`` comes from this clock."""

    @classmethod
    def now(cls, tz=None):
        return cls.fromtimestamp(now().timestamp(), tz)


def install() -> None:
    """Point SpiffWorkflow's timer events at this clock and time zone (idempotent)."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockDatetime
    timer.LOCALTZ = local_zone()  # a date without offset in a diagram means the instansi's time


def from_environment() -> None:
    value = os.environ.get("EKINERJA_NOW", "").strip()
    if value:
        try:
            set(value)
        except ValueError:
            raise SystemExit(f"EKINERJA_NOW={value!r} bukan tanggal ISO (contoh: 2027-01-31 atau 2027-01-31T08:00)") from None


install()
from_environment()
