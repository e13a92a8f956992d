"""The layering the design promises: checked by import-linter's contracts in pyproject.toml,
and the transaction rule of core.db (one use case owns a write transaction)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from core.db import NestedTransaction, in_write_transaction, write_transaction

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str) -> str:
    """What a fresh interpreter running ``code`` in the repository prints."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_contracts_hold():
    lint = shutil.which("lint-imports")
    assert lint, "import-linter is a test dependency (pip install -e '.[test]')"
    done = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" in done.stdout and "0 broken" in done.stdout


def test_engine_layer_imports_without_the_application():
    code = ("import sys, workflows.instances, workflows.search, workflows.repair, workflows.timers, "
            "workflows.workbench, workflows.inspection; "
            "print(sorted(m for m in sys.modules if m == 'app' or m.startswith('app.')))")
    assert _python(code) == "[]"


def test_a_domain_module_imports_only_what_it_needs():
    """app.kinerja's __init__ registers nothing: importing the organisation does not drag in the rest of
    the domain (penilaian, the SKP diagrams' forms, the scheduler's jobs); bindings.load() does that."""
    code = ("import sys, app.kinerja.org; "
            "print(sorted(m for m in ('app.kinerja.penilaian', 'app.kinerja.skp_forms', 'app.kinerja.bindings') "
            "if m in sys.modules))")
    assert _python(code) == "[]"
    code = ("import sys; from app.kinerja import bindings; from app.scheduler import JOBS; bindings.load(); "
            "print('app.kinerja.penilaian' in sys.modules, sorted(JOBS))")
    loaded, jobs = _python(code).split(" ", 1)
    assert loaded == "True"
    assert all(name in jobs for name in ("buka_periode", "pembukaan_periode", "kredit_bulan_berakhir", "pengingat_skp"))


def test_a_nested_write_transaction_raises_and_keeps_nothing_of_the_outer_work():
    engine = create_engine("sqlite://")
    with engine.begin() as c:
        c.execute(text("create table t (x integer)"))
    session = Session(engine)
    with pytest.raises(NestedTransaction):
        with write_transaction(session):
            session.execute(text("insert into t values (1)"))
            assert in_write_transaction(session)
            with write_transaction(session):
                session.execute(text("insert into t values (2)"))
    assert not in_write_transaction(session)
    assert session.execute(text("select count(*) from t")).scalar() == 0
    with write_transaction(session):  # usable again afterwards
        session.execute(text("insert into t values (3)"))
    assert session.execute(text("select x from t")).scalars().all() == [3]
