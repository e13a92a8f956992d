"""``ekinerja scheduler``: the process that fires timers and sends reminders.

APScheduler runs a few static jobs, in memory, in each scheduler process; the durable
work lives in the database (due timers, queued e-mail, who was reminded of what), so any
number of scheduler processes may run side by side (each claims its rows with
``FOR UPDATE SKIP LOCKED``), and one started after downtime does what fell due meanwhile
on its first round (every job runs once at start). Never give APScheduler a shared job
store: two schedulers on one store run jobs twice (toolchain notes).

Modules add their jobs with ``job(name, seconds)``; the job gets a session factory and
returns a dict of counts, which is logged and printed by ``--once``.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import sessionmaker

log = logging.getLogger("ekinerja.scheduler")

JobFn = Callable[[sessionmaker, str], dict]


@dataclass(frozen=True)
class Job:
    name: str
    seconds: int
    fn: JobFn


JOBS: dict[str, Job] = {}


def job(name: str, seconds: int):
    """Register ``fn(session_factory, worker) -> dict`` to run every ``seconds`` (environment
    ``EKINERJA_JOB_<NAME>_SECONDS`` overrides the interval)."""
    def decorate(fn: JobFn) -> JobFn:
        override = os.environ.get(f"EKINERJA_JOB_{name.upper()}_SECONDS")
        JOBS[name] = Job(name, int(override) if override else seconds, fn)
        return fn
    return decorate


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def load_jobs() -> None:
    """Register the domain's jobs, roles, forms, services and listeners (in a process that runs them: the
    scheduler, ``ekinerja jobs``, the helper processes of an opening)."""
    from .kinerja import bindings

    bindings.load()  # the domain's jobs, roles, forms and services
    from . import notifications  # noqa: F401 - the e-mail job
    from . import jobs  # noqa: F401 - the outbox job
    from .documents import skp  # noqa: F401 - its archive handler


@job("timers", 15)
def fire_timers(session_factory: sessionmaker, worker: str) -> dict:
    from workflows.timers import arm_timer_starts, fire_due

    armed = arm_timer_starts(session_factory)
    report = fire_due(session_factory, worker)
    return {"dipasang": len(armed), "dijalankan": report.fired, "usang": report.stale, "gagal": report.failed}


def run_job(item: Job, session_factory: sessionmaker, worker: str) -> dict:
    try:
        result = item.fn(session_factory, worker)
    except Exception:  # noqa: BLE001 - a failing job must not stop the scheduler
        log.exception("job %s failed", item.name)
        return {"error": True}
    if any(result.values()):
        log.info("job %s: %s", item.name, result)
    return result


def run_once(session_factory: sessionmaker, names: list[str] | None = None) -> dict[str, dict]:
    """Run each job once, in registration order (``ekinerja scheduler --once``, tests, cron)."""
    load_jobs()
    worker = worker_name()
    return {name: run_job(item, session_factory, worker) for name, item in JOBS.items()
            if not names or name in names}


def run_forever(session_factory: sessionmaker) -> None:
    """Run the jobs on their intervals until SIGINT or SIGTERM."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    load_jobs()
    worker = worker_name()
    scheduler = BlockingScheduler(timezone="UTC")
    for item in JOBS.values():
        # next_run_time=now: catch up at start; coalesce + max_instances=1: a slow round is
        # never run twice in parallel nor queued up behind itself.
        scheduler.add_job(run_job, "interval", seconds=item.seconds, args=(item, session_factory, worker),
                          id=item.name, name=item.name, next_run_time=dt.datetime.now(dt.timezone.utc), coalesce=True,
                          max_instances=1, misfire_grace_time=None)

    def _stop(_signum, _frame):
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    log.info("scheduler %s started with jobs %s", worker,
             ", ".join(f"{j.name} ({j.seconds} s)" for j in JOBS.values()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
