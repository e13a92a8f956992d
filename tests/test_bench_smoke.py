"""Benchmarks cannot rot: each script under bench/ runs once at its tiny size (``--tiny``), as CI runs it.

No figure is judged (benchmarks never fail on time); a crash, a non-zero exit or output without the
figures' lines fails. PostgreSQL benchmarks use TEST_DATABASE_URL in a schema of their own (dropped at the
end); without a reachable server they are skipped outside CI and fail in CI, like the database tests.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL, _pg_reachable

ROOT = Path(__file__).resolve().parent.parent

# script, needs PostgreSQL, lines the output must contain (regular expressions; a pair
# (pattern, program) is expected only where that program is installed)
BENCHES = [
    ("engine.py", True, [r"^\| SQLite \(temp file, WAL\) +\|", r"^\| PostgreSQL +\|",
                             r"Per step: wall median ms \(min\), CPU median ms \[SQL statements",
                             r"CPU \d+\.\d+ \[\d+\]", r"status_skp='DISETUJUI'",
                             r"SKP status after the run \{'DISETUJUI': 2\}",
                             r"^\| bare \+ state +\| [\d.]+ ", (r"completions/s .* TPS; ratio [\d.]+", "pgbench"),
                             (r"2 client process\(es\): [\d.]+ completions/s \(16 in .*ratio to pgbench [\d.]+; "
                              r"ours / ceiling [\d.]+", "pgbench"),
                             r"^\| PostgreSQL +\| \d+ statements \(max \d+\), CPU [\d.]+ ms, n=2 +\| \d+ statements"]),
    ("admin_filters.py", True, [r"^\| superadmin: pegawai by NIP \| \d+ \| [\d.]+ \| [\d.]+ \|",
                                    r"^\| superadmin: pegawai by part of the name .* ix_pegawai_nama_trgm",
                                    r"^\| superadmin: everything, page 200 through the cursor .* \| shared hit=\d+",
                                    r"^goal 6: slowest admin filter \(page \+ count\) p95 [\d.]+ ms",
                                    r"^goal 6: inbox .* p95 [\d.]+ ms", r"schema bench_admin_\d+ dropped"]),
    ("http_load.py", True, [r"^  1 worker\(s\), POST draft save, concurrency 2: 6 requests, [\d.]+ req/s, p50 [\d.]+ ms",
                                r"^\| 1 \| GET /skp/<id> \(page\) \| [\d.]+, \d+/\d+ \|", r"^non-2xx answers: 0$"]),
    ("cluster.py", True, [r"^  node 2: 6 draft saves, [\d.]+/s, .* server CPU [\d.]+ ms/request",
                              r"^two nodes, two schedulers:\n(.*\n){2}  web total: [\d.]+ completions/s; non-2xx answers: 0",
                              r"^  scheduler\(s\): 5 timers fired \[\d, \d\]",
                              r"^two nodes.*\n(.*\n){4}  exactly once: 5 timer_fired events over 5 instances \(expected 5\), "
                              r"timers left 0",
                              r"^throughput two nodes / one node: web [\d.]+x"]),
    ("sizing.py", False, [r"^\| web nodes \| .* \| \*\*\d+ nodes\*\* of \d+ vCPU \|",
                               r"^\| PgBouncer \| .* \*\*pool \d+\*\* server connections"]),
    ("monitoring.py", True, [r"^SQLite: \d+ units", r"^PostgreSQL: \d+ units",
                                 r"^monitoring\(\), whole instansi +[\d.]+ +[\d.]+ +[\d.]+ +\d+$"]),
    ("pembukaan.py", True, [r"demo \+ generated: 36 pegawai \(36 dibuka\).*CPU [\d.]+ ms, [\d.]+ SQL statements each",
                              r"memory: RSS \d+ MB before the opening, peak \d+ MB", r"goal 5: 36 pegawai in [\d.]+ s on PostgreSQL",
                              r"^PostgreSQL:", r"check: 36 evaluasi_periodik instances, 36 open realisasi tasks, one result per pegawai in both runs: True"]),
    ("state_size.py", True, [r"^\| approved \(waits on rollback / skp_selesai\) \| 3 \{'waiting': 3\} +\| [\d,]+ ",
                               r"^\| finished \(skp_selesai delivered\) +\| 3 \{'completed': 3\} +\| [\d,]+ "]),
    ("reroute.py", False, [r"planned_moves \(preview\): 2 moves, \d+ ms total",
                               r"^apply: CPU \d+ ms .*, \d+ SQL statements"]),
    ("timers.py", True, [r"^SQLite: scheduler process start", r"^PostgreSQL: scheduler process start",
                             r"fired events 5 over 5 instances \(expected 5\), timers left 0"]),
    ("diagrams.py", False, [r"^\d+ dari \d+ diagram dapat dipasang; .* CPU [\d.]+ ms per diagram"]),
    ("workbench.py", False, [r"^run every scenario +min +[\d.]+ ms +median +[\d.]+ ms +CPU median +[\d.]+ ms"]),
    ("approval.py", False, [r"^sqlite: approve CPU median \d+ ms", r"outbox afterwards: .*ms per archive"]),
    ("verifikasi.py", False, [r"^PAdES signature +CPU +[\d.]+ ms", (r"^PDF with code\+QR +CPU", "wkhtmltopdf")]),
    ("documents.py", False, [r"^DOCX skp.docx: uncached docxtpl [\d.]+ ms CPU .* ours cached [\d.]+ ms CPU",
                                  (r"^PDF skp.html: ours [\d.]+ ms CPU .* raw wkhtmltopdf [\d.]+ ms CPU .* ours/raw [\d.]+",
                                   "wkhtmltopdf")]),
]


@pytest.mark.parametrize("script,needs_pg,expected", BENCHES, ids=[b[0] for b in BENCHES])
def test_bench_runs_at_tiny_size(script, needs_pg, expected, tmp_path):
    command = [sys.executable, str(ROOT / "bench" / script), "--tiny"]
    if needs_pg:
        reason = _pg_reachable()
        if reason:
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        command += ["--pg-url", PG_URL]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true"}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{script} exited with {done.returncode}:\n{output[-4000:]}"
    for pattern in expected:
        if isinstance(pattern, tuple):
            pattern, program = pattern
            if shutil.which(program) is None:
                continue
        assert re.search(pattern, done.stdout, re.MULTILINE), f"{script}: no line matches {pattern!r}:\n{output[-4000:]}"
