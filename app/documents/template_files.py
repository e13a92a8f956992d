"""Where a document template is found: the shipped folder, or an instansi's own copy.

A template ``<name>`` is ``<name>.html`` (printed to PDF by wkhtmltopdf) and/or ``<name>.docx``
(filled by docxtpl), both from the same context; a table document (CSV and/or XLSX) is ``<name>.table.json``,
a column spec over a list in that context (``tables``). An instansi overrides a shipped template (its
letterhead, fonts) by dropping a file of the same name into ``<override dir>/<instansi kode>/``
(``EKINERJA_TEMPLATE_DIR``, default ``instance/templates``); the override wins for that instansi only.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

SETTINGS: dict[str, Path | None] = {"shipped": None, "overrides": None}
FORMATS = {"pdf": ".html", "docx": ".docx", "csv": ".table.json", "xlsx": ".table.json"}
CHOICES = {"pdf": ("pdf",), "docx": ("docx",), "keduanya": ("pdf", "docx"), "csv": ("csv",), "xlsx": ("xlsx",),
           "tabel": ("csv", "xlsx")}
CHOICES_TEXT = ", ".join(CHOICES)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")  # no folders, no dots: a name never leaves its folder


def configure(shipped: str | Path, overrides: str | Path | None) -> None:
    SETTINGS["shipped"] = Path(shipped)
    SETTINGS["overrides"] = Path(overrides) if overrides else None


def _shipped() -> Path:
    if SETTINGS["shipped"] is None:  # not configured (a script without the app): the repository's folder
        return Path(__file__).resolve().parent.parent.parent / "document_templates"
    return SETTINGS["shipped"]


def folders(instansi_kode: str | None) -> list[Path]:
    """The folders searched for a template of this instansi, the first match winning."""
    found = []
    overrides = SETTINGS["overrides"]
    if overrides is not None and instansi_kode and NAME.match(instansi_kode):
        found.append(overrides / instansi_kode)
    return found + [_shipped()]


def find(name: str, fmt: str, instansi_kode: str | None) -> Path | None:
    """The file of template ``name`` in format ``fmt`` (pdf|docx) for this instansi, or None."""
    if not NAME.match(name or "") or fmt not in FORMATS:
        return None
    for folder in folders(instansi_kode):
        path = folder / f"{name}{FORMATS[fmt]}"
        if path.is_file():
            return path
    return None


def available_anywhere(name: str, fmt: str) -> bool:
    """Whether the shipped folder or some instansi's override folder holds the template (deploy check)."""
    if find(name, fmt, None) is not None:
        return True
    overrides = SETTINGS["overrides"]
    if overrides is None or not overrides.is_dir() or not NAME.match(name or ""):
        return False
    return any((folder / f"{name}{FORMATS[fmt]}").is_file() for folder in overrides.iterdir() if folder.is_dir())


def literal(expression: str | None):
    """The value of a service parameter written as a literal ('"skp"'), or None when it is computed."""
    try:
        return ast.literal_eval((expression or "").strip())
    except (ValueError, SyntaxError):
        return None


def deploy_problem(params: dict) -> str | None:
    """Why the parameters of a ``buat_dokumen`` task name a template that does not exist, or None.

    Only literal values can be checked; a computed template name is checked when the document is made."""
    template = literal((params.get("template") or {}).get("value"))
    fmt = literal((params.get("format") or {}).get("value")) if "format" in params else "keduanya"
    if isinstance(fmt, str) and fmt not in CHOICES:
        return f"format dokumen '{fmt}' tidak dikenal (pilihan: {CHOICES_TEXT})"
    if not isinstance(template, str):
        return None
    if not NAME.match(template):
        return (f"nama templat dokumen '{template}' tidak sah (huruf, angka, _ dan -; tanpa folder "
                "dan tanpa ekstensi)")
    if not isinstance(fmt, str):  # computed format: one of the two files must exist
        if any(available_anywhere(template, f) for f in FORMATS):
            return None
        fmt = "keduanya"
    missing = sorted({f"{template}{FORMATS[f]}" for f in CHOICES[fmt] if not available_anywhere(template, f)})
    if missing:
        return (f"templat dokumen '{template}' tidak ditemukan: {', '.join(missing)} tidak ada di "
                f"{_shipped()} maupun di folder templat instansi")
    shipped_table = find(template, "csv", None) if set(CHOICES[fmt]) & {"csv", "xlsx"} else None
    if shipped_table is not None:
        from .tables import load_spec

        try:
            load_spec(shipped_table)
        except ValueError as exc:
            return str(exc)
    return None
