"""How long the workbench's checks take on the shipped diagrams: validation (parse + our rules) and the
process test scenarios, as the "Periksa" and "Uji" buttons and `ekinerja bpmn validate/test` run them.

    PYTHONPATH=$PWD python3 bench/workbench.py [--reps 20 | --tiny]

Prints min and median wall time and median CPU time per call (no database: no SQL); no assertion on time (the machine is shared and noisy).
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(fn, reps: int) -> tuple[float, float, float]:
    times, cpu = [], []
    for _ in range(reps):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return min(times), statistics.median(times), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--tiny", action="store_true", help="smoke run in seconds (CI): --reps 1")
    args = parser.parse_args()
    reps = 1 if args.tiny else args.reps
    from app import create_app

    create_app({"DATABASE_URL": "sqlite://"})  # registers roles, services and forms
    from workflows.definitions import check_sources, parse_sources, read_dir
    from workflows.diff import diff
    from workflows.scenarios import run_files, scenario_files

    sources = read_dir(ROOT / "bpmn")
    parsed = {p.process_id: p for p in parse_sources(sources)}
    scenarios = {k: v for pid in parsed for k, v in scenario_files(ROOT / "bpmn" / "tests", pid).items()}
    changed = dict(sources)
    changed["skp_perencanaan.bpmn"] = changed["skp_perencanaan.bpmn"].replace('name="Susun SKP"', 'name="Susun"')
    size = sum(len(t) for t in sources.values())
    print(f"shipped diagrams: {len(sources)} files, {size:,} characters, {len(parsed)} processes, "
          f"{len(scenarios)} scenarios; {reps} repetitions")
    for label, fn in (("validate all (check_sources)", lambda: check_sources(sources)),
                      ("validate skp_perencanaan + DMN", lambda: check_sources(
                          {"skp_perencanaan.bpmn": sources["skp_perencanaan.bpmn"],
                           "predikat_kuadran.dmn": sources["predikat_kuadran.dmn"]})),
                      ("run every scenario", lambda: run_files(parsed, scenarios)),
                      ("diff of two versions (all files)", lambda: diff(sources, changed))):
        low, mid, cpu = measure(fn, reps)
        print(f"{label:<34} min {low:7.1f} ms   median {mid:7.1f} ms   CPU median {cpu:7.1f} ms")


if __name__ == "__main__":
    main()
