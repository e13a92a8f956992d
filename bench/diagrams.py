"""Which diagrams from other modelers deploy, and why the others are refused.

    PYTHONPATH=$PWD python -m bench.diagrams DIR [DIR ...] [-v]
    PYTHONPATH=$PWD python bench/diagrams.py --tiny      # the diagrams under tests/bpmn/ (smoke test)

Every ``.bpmn`` file under the folders is checked as the workbench checks a deploy
(``workflows.definitions.check_sources``, with the ``.dmn`` files of its folder); a second column
says whether SpiffWorkflow's own parser (CamundaParser for Camunda 7 files, SpiffBpmnParser for the
others) reads it, so that refusals by our rules stand apart from diagrams nobody could run.
Prints one line per file and a summary by reason.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# the first words of a refusal, grouped into the reasons the README table names
REASONS = [
    ("JUEL/FEEL", "Ekspresi JUEL/FEEL (ditulis ulang sebagai Python)"),
    ("camunda:class", "Delegasi Java"), ("camunda:expression", "Delegasi Java"),
    ("camunda:delegateExpression", "Delegasi Java"), ("camunda:type", "Tugas eksternal Camunda"),
    ("camunda:connector", "Konektor Camunda"), ("Listener (kode Java", "Delegasi Java"),
    ("skrip berbahasa", "Skrip bukan Python"),
    ("tidak didukung oleh mesin ini", "Formulir embedded / Camunda Forms"),
    ("camunda:assignee", "Pelaksana tidak dikenal"), ("camunda:candidate", "Pelaksana tidak dikenal"),
    ("Camunda 8", "Camunda 8 (Zeebe)"),
    ("tidak ada proses yang dapat dijalankan", "Tidak ada proses executable"),
    ("skrip ditolak", "Skrip Python ditolak (sandbox)"), ("kondisi '", "Kondisi ditolak"),
    ("skrip tidak boleh mengimpor", "Skrip Python ditolak (sandbox)"),
    ("nama yang tidak diizinkan", "Skrip Python ditolak (sandbox)"),
    ("tidak didukung", "Elemen tidak didukung"), ("proses tidak ditemukan", "Proses yang dipanggil tidak ada"),
    ("bukan peran yang dikenal", "Lane tanpa pelaksana yang dikenal"),
    ("pelaksana '", "Lane tanpa pelaksana yang dikenal"),
    ("' tidak ada", "Formulir tidak ada di bpmn/forms/"), ("layanan '", "Layanan tidak terdaftar"),
    ("No DMN", "Tabel DMN tidak ada"), ("tanpa kondisi", "Gateway tanpa kondisi"),
    ("Element '{", "Melanggar skema BPMN"),
]


@dataclass
class Row:
    path: Path
    spiff_parses: bool
    deploys: bool
    reasons: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def reason_of(message: str) -> str:
    return next((label for needle, label in REASONS if needle in message), "Lainnya")


def spiff_parses(text: str, dmn: dict[str, str]) -> bool:
    """Whether SpiffWorkflow alone (no rules of ours) gives a spec for every executable process."""
    from SpiffWorkflow.camunda.parser import CamundaParser
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser

    parser = CamundaParser() if "http://camunda.org/schema/1.0/bpmn" in text else SpiffBpmnParser()
    try:
        for name, dmn_text in dmn.items():
            parser.add_dmn_str(dmn_text.encode(), filename=name)
        parser.add_bpmn_str(text.encode(), filename="x.bpmn")
        ids = parser.get_process_ids()
        specs = 0
        for process_id in ids:
            try:
                parser.get_spec(process_id)
                specs += 1
            except Exception as exc:  # noqa: BLE001 - a survey: any failure is "does not parse"
                if "is not executable" not in str(exc):
                    return False
        return specs > 0
    except Exception:  # noqa: BLE001
        return False


def _called_files(path: Path, problems) -> dict[str, str]:
    import re

    missing = {m for p in problems for m in re.findall(r"The process '([^']+)' was not found", p.message)}
    found = {}
    for other in sorted(path.parent.glob("*.bpmn")):
        text = other.read_text(encoding="utf-8")
        defines = {m for m in missing if re.search(rf'<(\w+:)?process [^>]*id="{re.escape(m)}"', text)}
        if other != path and defines:
            found[other.name] = text
            missing -= defines  # the first file defining it (several tenants may each define one)
    return found


def survey(folders: list[Path]) -> list[Row]:
    from workflows.definitions import check_sources

    rows = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.bpmn")):
            dmn = {p.name: p.read_text(encoding="utf-8") for p in sorted(path.parent.glob("*.dmn"))}
            text = path.read_text(encoding="utf-8")
            try:
                files = {path.name: text, **dmn}
                _parsed, problems = check_sources(files)
                called = _called_files(path, problems)
                if called:  # a call activity's process in another file of the folder: checked together
                    _parsed, problems = check_sources({**files, **called})
                errors = [p for p in problems if p.severity == "error"]
            except Exception as exc:  # noqa: BLE001 - shown as a finding, the survey goes on
                errors = [f"{type(exc).__name__}: {exc}"]
            messages = [getattr(e, "message", str(e)) for e in errors]
            rows.append(Row(path, spiff_parses(text, dmn), not errors,
                            sorted({reason_of(m) for m in messages}), [str(e) for e in errors]))
    return rows


ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    import time

    from app.kinerja import bindings

    bindings.load()  # the lane roles and forms of the application

    if argv == ["--tiny"]:
        argv = [str(ROOT / "tests" / "bpmn" / "camunda"), str(ROOT / "tests" / "bpmn" / "workbench")]
    if not argv:
        print(__doc__)
        return 2
    started = time.process_time()
    rows = survey([Path(a) for a in argv])
    cpu_ms = (time.process_time() - started) * 1000
    for row in rows:
        status = "DIPASANG" if row.deploys else "ditolak "
        print(f"{status}  spiff={'ya' if row.spiff_parses else 'tidak':5}  {row.path.name}  "
              f"{'; '.join(row.reasons)}")
        for error in row.errors[:3] if "-v" in sys.argv else []:
            print(f"          {error[:200]}")
    print(f"\n{sum(r.deploys for r in rows)} dari {len(rows)} diagram dapat dipasang; "
          f"SpiffWorkflow sendiri membaca {sum(r.spiff_parses for r in rows)}; "
          f"dibaca SpiffWorkflow tetapi ditolak aturan kita: {sum(r.spiff_parses and not r.deploys for r in rows)}; "
          f"CPU {cpu_ms / max(len(rows), 1):.1f} ms per diagram")
    reasons = Counter(reason for r in rows if not r.deploys for reason in r.reasons)
    for reason, count in reasons.most_common():
        print(f"  {count:3}  {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main([a for a in sys.argv[1:] if a != "-v"]))
