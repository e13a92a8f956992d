#!/usr/bin/env python
"""National sizing on paper (issue 15 item 9): web nodes, schedulers, PostgreSQL and PgBouncer for the January
peak of every ASN, computed from the per-completion figures the other benchmarks measure on this machine.

Nothing is measured here: the inputs are flags whose defaults are the figures of the latest runs recorded in
bench/README.md (section "National sizing"), each with the benchmark that prints it. Change a flag when a
benchmark prints a new figure; the arithmetic is printed step by step so a reader can check it.

    PYTHONPATH=$PWD python bench/sizing.py [--peak 250] [--app-cpu-ms 80] [--pg-cpu-ms 20] ... [--tiny]
"""
from __future__ import annotations

import argparse
import math


def size(a: argparse.Namespace) -> list[tuple[str, str, str]]:
    """(what, how it is computed, result) rows."""
    rows = []
    app_cores = a.peak * a.app_cpu_ms / 1000
    app_cores_provisioned = app_cores / a.utilisation
    nodes = max(2, math.ceil(app_cores_provisioned / a.node_cores))  # two at least: one may fail or be upgraded
    rows.append(("web CPU at the peak", f"{a.peak} completions/s x {a.app_cpu_ms:g} ms", f"{app_cores:.1f} cores busy"))
    rows.append(("web nodes", f"{app_cores:.1f} / {a.utilisation:.0%} utilisation / {a.node_cores} vCPU per node, "
                 "at least 2", f"**{nodes} nodes** of {a.node_cores} vCPU"))
    workers = a.node_cores * 2
    rows.append(("gunicorn workers per node", f"2 x {a.node_cores} vCPU (sync workers wait on PostgreSQL about as long "
                 "as they compute)", f"{workers}"))
    pg_cores = a.peak * a.pg_cpu_ms / 1000
    pg_provisioned = max(4, 2 ** math.ceil(math.log2(pg_cores / a.pg_utilisation)))
    rows.append(("PostgreSQL CPU at the peak", f"{a.peak} x {a.pg_cpu_ms:g} ms backend CPU per completion",
                 f"{pg_cores:.1f} cores busy"))
    rows.append(("PostgreSQL primary", f"{pg_cores:.1f} / {a.pg_utilisation:.0%}, rounded up to a power of 2",
                 f"**{pg_provisioned} vCPU** (+ a streaming replica of the same size for failover and reports)"))
    statements = a.peak * a.statements
    rows.append(("SQL statements at the peak", f"{a.peak} x {a.statements}", f"{statements:,} statements/s"))
    clients = nodes * workers + a.schedulers
    pool = pg_provisioned * 2
    rows.append(("connections", f"{nodes} nodes x {workers} workers (one checked-out connection each) + "
                 f"{a.schedulers} schedulers", f"{clients} client connections"))
    rows.append(("PgBouncer", "transaction pooling; default_pool_size = 2 x PostgreSQL vCPU; max_client_conn with "
                 "headroom for the engine's pool (pool_size 5 + max_overflow 10 per worker)",
                 f"**pool {pool}** server connections, max_client_conn {nodes * workers * 15 + a.schedulers * 15}"))
    per_asn = a.instances_per_asn * a.bytes_per_instance + a.domain_bytes_per_asn
    db_year = a.asn * per_asn
    rows.append(("PostgreSQL data per ASN and year", f"{a.instances_per_asn} instances x {a.bytes_per_instance:,} B "
                 f"+ domain rows {a.domain_bytes_per_asn:,} B", f"{per_asn / 1024:.0f} KB"))
    rows.append(("PostgreSQL size per year", f"{a.asn / 1e6:.1f} M ASN x {per_asn / 1024:.0f} KB",
                 f"**{db_year / 1e9:.0f} GB** (x 2 with indexes' bloat and WAL headroom: {2 * db_year / 1e9:.0f} GB)"))
    files_year = a.asn * a.documents_per_asn * a.document_bytes
    rows.append(("archived documents per year (files, outside PostgreSQL)",
                 f"{a.asn / 1e6:.1f} M x {a.documents_per_asn} documents x {a.document_bytes / 1000:.0f} KB (PDF + DOCX)",
                 f"**{files_year / 1e12:.1f} TB**"))
    jan = a.asn * a.completions_per_asn_january
    hours = jan / a.peak / 3600
    rows.append(("January's completions", f"{a.asn / 1e6:.1f} M x {a.completions_per_asn_january} (draft saves, "
                 "submit, approve, returns)", f"{jan / 1e6:.0f} M; at the peak rate {hours:.0f} hours of work"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--asn", type=float, default=5.7e6, help="ASN served (upper figure of 4.3-5.7 M)")
    ap.add_argument("--peak", type=float, default=250, help="completions/s at the January peak (an estimate)")
    ap.add_argument("--app-cpu-ms", type=float, default=40, help="web CPU per completion (bench/engine.py goal 2: "
                    "submit 37.6 / approve 41.3 ms through the API on PostgreSQL, quiet machine)")
    ap.add_argument("--pg-cpu-ms", type=float, default=16, help="PostgreSQL backend CPU per completion (bench/cluster.py: "
                    "8.0 ms per draft save of about 23 statements, scaled to an approval's 45)")
    ap.add_argument("--statements", type=int, default=45, help="SQL statements per completion (bench/engine.py goal 2: "
                    "approve 45, submit 37-44)")
    ap.add_argument("--node-cores", type=int, default=4)
    ap.add_argument("--utilisation", type=float, default=0.6, help="target CPU use of the web nodes at the peak")
    ap.add_argument("--pg-utilisation", type=float, default=0.5, help="target CPU use of PostgreSQL at the peak")
    ap.add_argument("--schedulers", type=int, default=2)
    ap.add_argument("--instances-per-asn", type=int, default=6, help="per year: SKP, 4 quarterly, 1 annual")
    ap.add_argument("--bytes-per-instance", type=int, default=3300, help="instance row with its indexes and TOAST "
                    "(bench/state_size.py: 3,277 B per approved SKP instance at 250 rows)")
    ap.add_argument("--domain-bytes-per-asn", type=int, default=20000, help="SKP, RHK, IKI, penilaian, realisasi, "
                    "ledger, events per year (estimate)")
    ap.add_argument("--documents-per-asn", type=int, default=6, help="archived documents per year")
    ap.add_argument("--document-bytes", type=int, default=80000, help="PDF + DOCX of one archived document "
                    "(bench/engine.py: 79,536 B per approval)")
    ap.add_argument("--completions-per-asn-january", type=int, default=8)
    ap.add_argument("--tiny", action="store_true", help="same arithmetic (CI smoke run)")
    args = ap.parse_args()
    print("| what | computed from | result |")
    print("|---|---|---|")
    for what, how, result in size(args):
        print(f"| {what} | {how} | {result} |")


if __name__ == "__main__":
    main()
