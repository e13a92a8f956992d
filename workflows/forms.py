"""Forms of user tasks: JSON Schema files under ``bpmn/forms/`` and the handlers that apply them.

Every completion is validated against the task's schema on the server; a form may also
have a handler registered by the application (the SKP editor writes RHK rows) that
validates business rules and returns what goes into the task data. A form with only a
schema puts the submitted fields into the task data as they are.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from jsonschema import Draft202012Validator

from core.errors import ValidationFailed

_DIR = {"forms": Path(__file__).resolve().parent.parent / "bpmn" / "forms"}
FORMS_PREFIX = "forms/"  # a version's own copy of a form in ``process_definition.sources``
_HANDLERS: dict[str, Callable] = {}
_SCHEMAS: dict[Path, tuple[float, dict]] = {}
_SCHEMA_ERRORS: dict[tuple[Path, float], str | None] = {}


@dataclass
class FormResult:
    task_data: dict = field(default_factory=dict)
    complete: bool = True  # False: saved (a draft), the task stays open
    # With complete=False: the draft is committed, then the request fails with this error
    # (a refused submission keeps what was typed).
    refused: Exception | None = None


def set_forms_dir(path: Path) -> None:
    _DIR["forms"] = Path(path)


def register_form(key: str):
    """Register ``handler(run, task, data) -> FormResult`` for a form key."""
    def decorate(fn):
        _HANDLERS[key] = fn
        return fn
    return decorate


def schema_path(key: str) -> Path:
    return _DIR["forms"] / f"{key}.schema.json"


def form_exists(key: str) -> bool:
    return schema_path(key).exists()


def form_keys() -> list[str]:
    return sorted(p.name[: -len(".schema.json")] for p in _DIR["forms"].glob("*.schema.json"))


def write_form(key: str, schema: dict) -> None:
    """Write a new form file (the caller checked that the key is new and the schema valid)."""
    path = schema_path(key)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def schema_of(key: str, sources: dict | None = None) -> dict:
    """The form's JSON Schema: the copy stored with a version (``sources`` of its definition) when it has
    one, so that an instance keeps the form of its version; else the file under ``bpmn/forms/``."""
    own = (sources or {}).get(f"{FORMS_PREFIX}{key}.schema.json")
    if own is not None:
        return _parsed(own)
    path = schema_path(key)
    mtime = path.stat().st_mtime
    cached = _SCHEMAS.get(path)
    if cached is None or cached[0] != mtime:
        _SCHEMAS[path] = (mtime, json.loads(path.read_text(encoding="utf-8")))
    return _SCHEMAS[path][1]


@lru_cache(maxsize=256)
def _parsed(text: str) -> dict:
    return json.loads(text)


def schema_error(key: str) -> str | None:
    """What is wrong with a form's file (not JSON, not an object, not a valid JSON Schema), or None."""
    path = schema_path(key)
    cache_key = (path, path.stat().st_mtime)
    if cache_key not in _SCHEMA_ERRORS:  # checking against the metaschema costs ~60 ms; a file is checked once
        try:
            _SCHEMA_ERRORS[cache_key] = check_schema(schema_of(key), key)
        except ValueError as exc:
            _SCHEMA_ERRORS[cache_key] = f"formulir '{key}' bukan JSON yang valid: {exc}"
    return _SCHEMA_ERRORS[cache_key]


def check_schema(schema: Any, key: str = "") -> str | None:
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict):
        return f"formulir '{key}' harus berupa objek JSON Schema"
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(map(str, exc.absolute_path)) or "(akar)"
        return f"formulir '{key}' bukan JSON Schema yang valid di {where}: {exc.message}"
    if schema.get("type", "object") != "object":
        return f"formulir '{key}' harus ber-type object"
    return None


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error) -> tuple[str, str]:
    where = list(error.absolute_path)
    v, arg = error.validator, error.validator_value
    if v == "required":
        missing = error.message.split("'")[1]
        return _path(where + [missing]), "wajib diisi"
    messages = {
        "minLength": lambda: "wajib diisi" if arg == 1 else f"minimal {arg} karakter",
        "maxLength": lambda: f"maksimal {arg} karakter",
        "minItems": lambda: f"minimal {arg} isian",
        "maxItems": lambda: f"maksimal {arg} isian",
        "enum": lambda: "harus salah satu dari: " + ", ".join(map(str, arg or [])),
        "const": lambda: f"harus {arg!r}",
        "type": lambda: f"harus bertipe {arg}",
        "pattern": lambda: "wajib diisi" if arg == "\\S" else "format tidak sesuai",
        "additionalProperties": lambda: "kolom tidak dikenal: " + error.message.split("(")[-1].rstrip(")"),
        "minimum": lambda: f"minimal {arg}",
        "maximum": lambda: f"maksimal {arg}",
    }
    return _path(where) or "data", messages[v]() if v in messages else error.message


def validate(key: str, data: Any, sources: dict | None = None) -> None:
    """Raise ValidationFailed naming every field that does not match the form's schema (of the version
    whose ``sources`` are given, see ``schema_of``)."""
    if not isinstance(data, dict):
        raise ValidationFailed({"data": "harus berupa objek JSON"})
    validator = Draft202012Validator(schema_of(key, sources))
    fields: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path, message = _message(error)
        fields.setdefault(path, message)
    if fields:
        raise ValidationFailed(fields)


def apply(key: str, run, task, data: dict) -> FormResult:
    validate(key, data, run.instance.definition.sources)
    handler = _HANDLERS.get(key)
    if handler is None:
        return FormResult(task_data=dict(data))
    return handler(run, task, data)
