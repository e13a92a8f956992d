"""The shipped .docx templates are what their builders make, byte for byte (no database).

Each builder in document_templates/ runs into a temporary folder as a maintainer would run it; its output
must equal the committed file. A template edited by hand (or a builder changed without re-running it)
fails here: change the builder, run it, commit both.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "document_templates"
# builder -> the templates it writes (a builder given a folder writes several)
BUILDERS = {
    "build_skp_docx.py": ("skp.docx",),
    "build_angka_kredit_docx.py": ("angka_kredit.docx",),
    "build_mph_docx.py": ("mph.docx",),
    "build_lembar_validasi_docx.py": ("lembar_validasi.docx",),
    "build_evaluasi_docx.py": ("evaluasi.docx", "dokumen_evaluasi.docx"),
}


def test_every_shipped_docx_has_a_builder():
    assert sorted(p.name for p in TEMPLATES.glob("*.docx")) == sorted(n for names in BUILDERS.values() for n in names)
    assert sorted(p.name for p in TEMPLATES.glob("build_*.py")) == sorted(BUILDERS)


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_the_builder_rebuilds_the_committed_template_byte_for_byte(builder, tmp_path):
    outputs = BUILDERS[builder]
    target = str(tmp_path) if len(outputs) > 1 else str(tmp_path / outputs[0])
    subprocess.run([sys.executable, str(TEMPLATES / builder), target], check=True, capture_output=True,
                   cwd=tmp_path, timeout=120)
    for name in outputs:
        built, committed = (tmp_path / name).read_bytes(), (TEMPLATES / name).read_bytes()
        assert built == committed, (f"{name} differs from what {builder} builds: run "
                                    f"'python document_templates/{builder}' and commit the result")

