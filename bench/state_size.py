#!/usr/bin/env python
"""Bytes stored per SKP-planning instance on PostgreSQL (issue 15 goal 3: ≤ 4 KB per instance, the state
inline, ≤ 2 KB gzip).

N SKP of the demo instansi go the path of ``bench/engine.py`` (draft, submit, return, submit, approve:
approved, the instance waits on its rollback task and the ``skp_selesai`` message), then every one gets
``skp_selesai`` (the annual evaluation closed it: the instance is finished). After each stage: ``VACUUM
FULL instance`` (each save updates the row; dead versions are not what an instance costs), then
``pg_total_relation_size('instance')`` (heap, TOAST, every index) / rows, the heap alone / rows, and the
``state`` column (gzip JSON) per row.

    PYTHONPATH=$PWD python3 bench/state_size.py [--n 300] [--pg-url URL] [--tiny]
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

import engine as bench_engine  # noqa: E402
from measure import DEFAULT_PG, pg_schema, pg_unreachable  # noqa: E402


def sizes(res: dict) -> dict:
    """Per instance: whole relation (heap + TOAST + indexes), heap, TOAST, state column; rows counted."""
    from workflows.models import Instance

    with res["engine"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL instance"))
        conn.execute(text("ANALYZE instance"))
        rows = conn.execute(text("select count(*) from instance")).scalar()
        total, heap, toast = conn.execute(text(
            "select pg_total_relation_size('instance'), pg_relation_size('instance'),"
            " coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0) from pg_class where oid = 'instance'::regclass"
        )).one()
    with res["Session"]() as s:
        state = list(s.scalars(select(func.length(Instance.state)).where(Instance.process_id == bench_engine.PROCESS)))
        statuses = dict(s.execute(select(Instance.status, func.count()).group_by(Instance.status)).all())
    return dict(rows=rows, total=total / rows, heap=heap / rows, toast=toast / rows, statuses=statuses,
                state_median=statistics.median(state), state_max=max(state))


def finish_all(res: dict) -> None:
    """Deliver ``skp_selesai`` to every approved SKP's planning instance (as the annual evaluation does)."""
    from core.db import write_transaction
    from workflows import messages

    for skp_id, _instance_id in res["skps"]:
        with res["Session"]() as s, write_transaction(s):
            messages.send(s, "skp_selesai", {"skp_id": skp_id}, f"skp:{skp_id}", None, None, None,
                          may_send=lambda _definition: True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Bytes per SKP-planning instance on PostgreSQL (issue 15 goal 3).")
    ap.add_argument("--n", type=int, default=300, help="SKP driven to approved, then finished (default 300)")
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--tiny", action="store_true", help="smoke run: --n 3")
    args = ap.parse_args(argv)
    if args.tiny:
        args.n = 3
    problem = pg_unreachable(args.pg_url)
    if problem:
        print(f"PostgreSQL {problem}; nothing measured")
        return 0
    bench_engine.register_app_parts()
    with pg_schema(args.pg_url, "bench_state_size") as url:
        res = bench_engine.run_ours("PostgreSQL", url, args.n, recreate=True)
        approved = sizes(res)
        finish_all(res)
        finished = sizes(res)
        res["engine"].dispose()
    print(f"Goal 3: bytes per instance row on PostgreSQL, N={args.n} SKP (draft, submit, return, submit, approve), "
          "after VACUUM FULL; goal: total <= 4096 per instance, state inline (no TOAST), state <= 2048 gzip")
    hdr = ["", "instances (status)", "pg_total_relation_size / rows", "heap / rows", "TOAST / rows",
           "state gzip median (max)"]
    rows = [[label, f"{z['rows']} {z['statuses']}", f"{z['total']:,.0f}", f"{z['heap']:,.0f}", f"{z['toast']:,.0f}",
             f"{z['state_median']:,.0f} ({z['state_max']:,})"]
            for label, z in (("approved (waits on rollback / skp_selesai)", approved),
                             ("finished (skp_selesai delivered)", finished))]
    bench_engine.table(hdr, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
