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

from jsonschema import Draft202012Validator, FormatChecker

from core.errors import ValidationFailed

_DIR = {"forms": Path(__file__).resolve().parent.parent / "bpmn" / "forms"}
FORMS_PREFIX = "forms/"  # a version's own copy of a form in ``process_definition.sources``
_HANDLERS: dict[str, Callable] = {}
_SCHEMAS: dict[Path, tuple[float, dict]] = {}
_SCHEMA_ERRORS: dict[tuple[Path, float], str | None] = {}
# Forms generated from a diagram (Camunda 7 ``camunda:formData``): stored inside the deployed
# definition, kept here by their content-addressed key once seen; the loader finds the others.
GENERATED_PREFIX = "camunda-"
_GENERATED: dict[str, dict] = {}
_GENERATED_LOADER: list[Callable[[str], dict | None]] = []


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


# Choices a form takes from the database: a property ``"x-pilihan": "<name>"`` is offered the values
# ``fn(session, pegawai_id) -> [(value, label)]`` registered under that name (for the subject pegawai).
CHOICES_KEYWORD = "x-pilihan"
_CHOICES: dict[str, Callable] = {}


def register_choices(name: str):
    """Register ``fn(session, pegawai_id) -> [(value, label), …]`` as the choices ``x-pilihan: name``."""
    def decorate(fn):
        _CHOICES[name] = fn
        return fn
    return decorate


def _choice_names(schema: Any) -> list[str]:
    """Every ``x-pilihan`` name in a schema, at any depth."""
    if isinstance(schema, dict):
        own = [schema[CHOICES_KEYWORD]] if isinstance(schema.get(CHOICES_KEYWORD), str) else []
        return own + [n for v in schema.values() for n in _choice_names(v)]
    if isinstance(schema, list):
        return [n for v in schema for n in _choice_names(v)]
    return []


def with_choices(schema: Any, session, pegawai_id: int | None) -> Any:
    """A copy of ``schema`` whose ``x-pilihan`` properties carry their choices as ``oneOf`` consts (an
    empty ``enum`` when there are none), so the page shows a select and validation accepts only those."""
    if isinstance(schema, list):
        return [with_choices(v, session, pegawai_id) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: with_choices(v, session, pegawai_id) for k, v in schema.items()}
    name = schema.get(CHOICES_KEYWORD)
    if isinstance(name, str):
        fn = _CHOICES.get(name)
        if fn is None:
            raise LookupError(f"pilihan '{name}' tidak dikenal")
        options = [{"const": value, "title": str(label)} for value, label in fn(session, pegawai_id)]
        out.pop("enum", None)
        if options:
            out["oneOf"] = options
        else:
            out["enum"] = []
    return out


def generated_key(schema: dict) -> str:
    """The key of a generated form: the same fields give the same key in every version and process."""
    import hashlib

    text = json.dumps(schema, sort_keys=True, ensure_ascii=False)
    return GENERATED_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:16]


def register_generated(schema: dict) -> str:
    key = generated_key(schema)
    _GENERATED[key] = schema
    return key


def set_generated_loader(loader: Callable[[str], dict | None]) -> None:
    """``loader(key)`` finds a generated form in the deployed definitions (a process that has not
    loaded the definition yet, e.g. after a restart); the application registers it."""
    _GENERATED_LOADER[:] = [loader]


def _generated(key: str) -> dict | None:
    if not key.startswith(GENERATED_PREFIX):
        return None
    if key not in _GENERATED and _GENERATED_LOADER:
        schema = _GENERATED_LOADER[0](key)
        if schema is not None:
            _GENERATED[key] = schema
    return _GENERATED.get(key)


def schema_path(key: str) -> Path:
    return _DIR["forms"] / f"{key}.schema.json"


def form_exists(key: str) -> bool:
    return _generated(key) is not None or schema_path(key).exists()


def form_keys() -> list[str]:
    return sorted(p.name[: -len(".schema.json")] for p in _DIR["forms"].glob("*.schema.json"))


def write_form(key: str, schema: dict) -> None:
    """Write a new form file (the caller checked that the key is new and the schema valid)."""
    path = schema_path(key)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def schema_of(key: str, sources: dict | None = None) -> dict:
    """The form's JSON Schema: the copy stored with a version (``sources`` of its definition) when it has
    one, so that an instance keeps the form of its version; else a generated form (Camunda formData), else
    the file under ``bpmn/forms/``."""
    own = (sources or {}).get(f"{FORMS_PREFIX}{key}.schema.json")
    if own is not None:
        return _parsed(own)
    generated = _generated(key)
    if generated is not None:
        return generated
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
    if _generated(key) is not None:
        return None  # built by camunda.form_schema, checked there
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
    unknown = sorted(set(_choice_names(schema)) - set(_CHOICES))
    if unknown and _CHOICES:  # before the application registered any, nothing can be told
        return (f"formulir '{key}': {CHOICES_KEYWORD} {', '.join(unknown)} tidak dikenal "
                f"(tersedia: {', '.join(sorted(_CHOICES))})")
    return None


def _path(parts) -> str:
    """A value's JSON path as the pages name their inputs: ``anggota[0].nama``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


TYPE_WORDS = {"integer": "bilangan bulat", "number": "angka", "boolean": "ya/tidak", "string": "teks",
              "array": "daftar", "object": "objek", "null": "kosong"}
FORMAT_WORDS = {"date": "tanggal tidak valid (isi dengan format TTTT-BB-HH, misalnya 2026-01-31)"}
# Only the formats a form may ask for are checked (date); "textarea", "bukti-dukung" only say how to render.
FORMATS = FormatChecker(formats=("date",))


def _number(n) -> str:
    """A limit as an Indonesian reads it: 2.5 → "2,5"."""
    return str(n).replace(".", ",") if isinstance(n, float) else str(n)


def _choices(arg) -> str:
    return ", ".join(str(c.get("title", c.get("const"))) if isinstance(c, dict) else str(c)
                     for c in (arg or []) if c is not None)


def _type_message(arg) -> str:
    kinds = [arg] if isinstance(arg, str) else list(arg or [])
    return "harus berupa " + " atau ".join(TYPE_WORDS.get(k, k) for k in kinds if k != "null")


def _message(error) -> tuple[str, str]:
    where = list(error.absolute_path)
    v, arg = error.validator, error.validator_value
    if v == "required":
        missing = error.message.split("'")[1]
        return _path(where + [missing]), "wajib diisi"
    messages = {
        "minLength": lambda: "wajib diisi" if arg == 1 else f"minimal {arg} karakter",
        "maxLength": lambda: f"maksimal {arg} karakter",
        "minItems": lambda: "wajib diisi" if arg == 1 else f"minimal {arg} isian",
        "maxItems": lambda: f"maksimal {arg} isian",
        "uniqueItems": lambda: "isian tidak boleh sama",
        "enum": lambda: "harus salah satu dari: " + _choices(arg),
        "oneOf": lambda: "harus salah satu dari: " + _choices(arg),
        "anyOf": lambda: "harus salah satu dari: " + _choices(arg),
        "const": lambda: f"harus {arg!r}",
        "type": lambda: _type_message(arg),
        "format": lambda: FORMAT_WORDS.get(arg, "format tidak sesuai"),
        "pattern": lambda: "wajib diisi" if arg == "\\S" else "format tidak sesuai",
        "additionalProperties": lambda: "kolom tidak dikenal: " + error.message.split("(")[-1].rstrip(")"),
        "minimum": lambda: f"minimal {_number(arg)}",
        "maximum": lambda: f"maksimal {_number(arg)}",
        "exclusiveMinimum": lambda: f"harus lebih dari {_number(arg)}",
        "exclusiveMaximum": lambda: f"harus kurang dari {_number(arg)}",
        "multipleOf": lambda: f"harus kelipatan {_number(arg)}",
    }
    return _path(where) or "data", messages[v]() if v in messages else error.message


def field_errors(schema: dict, data: Any) -> dict[str, str]:
    """Every field of ``data`` that does not match ``schema``: {JSON path: Indonesian message}."""
    if not isinstance(data, dict):
        return {"data": "harus berupa objek JSON"}
    validator = Draft202012Validator(schema, format_checker=FORMATS)
    fields: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path, message = _message(error)
        fields.setdefault(path, message)
    return fields


def validate(key: str, data: Any, sources: dict | None = None) -> None:
    """Raise ValidationFailed naming every field that does not match the form's schema (of the version
    whose ``sources`` are given, see ``schema_of``)."""
    fields = field_errors(schema_of(key, sources), data)
    if fields:
        raise ValidationFailed(fields)


def keep_read_only(schema: dict, data: Any, current: Any) -> Any:
    """``data`` with every ``readOnly`` property of the schema's objects taken from ``current`` (the
    task's data), never from what was submitted: a crafted post cannot overwrite them."""
    if not isinstance(data, dict) or not isinstance(schema, dict):
        return data
    current = current if isinstance(current, dict) else {}
    out = dict(data)
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        if prop.get("readOnly"):
            out.pop(name, None)
            if name in current:
                out[name] = current[name]
        elif name in out and isinstance(out[name], dict):
            out[name] = keep_read_only(prop, out[name], current.get(name))
    return out


def apply(key: str, run, task, data: dict) -> FormResult:
    sources = run.instance.definition.sources
    if isinstance(data, dict):
        data = keep_read_only(schema_of(key, sources), data, getattr(task, "data", None))
    validate(key, data, sources)
    handler = _HANDLERS.get(key)
    if handler is None:
        return FormResult(task_data=dict(data))
    return handler(run, task, data)
