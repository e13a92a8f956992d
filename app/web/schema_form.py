"""Forms built from a JSON Schema: the fields a page renders (macro ``fields`` in
``_form_fields.html``), the data read back from a posted form, and the schema's problems
as field messages with human labels. The generic task page, the start page of a process and
the workbench's preview share them.

Rendered on the server (Jinja macros; a few lines of vanilla JS only add and remove array rows),
so that a simple form works without JavaScript and the server's messages land at the field.
Input names are the JSON paths of the values (``alamat.kota``, ``anggota[0].nama``): the same
strings the validation messages are keyed by. What the README ("### Forms") lists:

- ``type: object`` with ``properties`` — a fieldset with a legend (nested to any depth);
- ``type: array`` of objects or of single values — rows with "Tambah"/"Hapus"; an array whose items
  are an enum (``enum`` or ``oneOf`` consts) with ``uniqueItems`` — checkboxes;
- ``integer``/``number`` — text inputs (a decimal comma "2,5" is read as 2.5), ``minimum``/``maximum``;
- ``boolean`` — a checkbox (unchecked is ``false``);
- ``format: date`` — a date input; the value is ISO ``YYYY-MM-DD`` (also read from ``DD/MM/YYYY``);
- enums: ``enum`` (the values shown as they are) or, with labels, ``oneOf: [{"const": v, "title": label}]``;
- strings: a text input, a text area when ``format: textarea`` or ``maxLength > 200``;
- files: ``format: bukti-dukung`` (or any ``contentMediaType``) — the file is stored like the bukti
  dukung of a realisasi and the value becomes the stored file's id;
- ``readOnly: true`` — shown from the task's data, never read from the post.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

FILE_FORMAT = "bukti-dukung"
TEXTAREA_OVER = 200  # a string with a larger maxLength is a text area
MAX_ROWS = 500  # rows read from one posted array at most (maxItems, when smaller, is checked by the schema)
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DECIMAL = re.compile(r"^[+-]?\d+(,\d+)?$")


# ------------------------------------------------------------------ fields

def generic_fields(schema: dict | None) -> list[dict]:
    """The fields of a form: one dict per property of the schema's top object (see ``_field``)."""
    schema = schema or {}
    return _object_fields(schema, schema)


form_fields = generic_fields


def _resolve(prop: dict, root: dict) -> dict:
    """A property with a local ``$ref`` (``#/$defs/x``) merged into what it points at."""
    seen = 0
    while isinstance(prop, dict) and isinstance(prop.get("$ref"), str) and prop["$ref"].startswith("#/") and seen < 10:
        target: Any = root
        for part in prop["$ref"][2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            break
        prop = {**target, **{k: v for k, v in prop.items() if k != "$ref"}}
        seen += 1
    return prop if isinstance(prop, dict) else {}


def _type(prop: dict) -> str | None:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind


def _options(prop: dict) -> list[tuple[Any, str]] | None:
    """``[(value, label)]`` of an enum: ``oneOf``/``anyOf`` of consts (label: ``title``) or ``enum``."""
    for key in ("oneOf", "anyOf"):
        choices = prop.get(key)
        if isinstance(choices, list) and choices and all(isinstance(c, dict) and "const" in c for c in choices):
            return [(c["const"], str(c.get("title", c["const"]))) for c in choices if c["const"] is not None]
    if isinstance(prop.get("enum"), list):
        return [(v, str(v)) for v in prop["enum"] if v is not None]
    return None


def _object_fields(schema: dict, root: dict) -> list[dict]:
    required = set(schema.get("required") or [])
    out = []
    for key, prop in (schema.get("properties") or {}).items():
        field = _field(key, _resolve(prop, root), key in required, root)
        if field is not None:
            out.append(field)
    return out


def _field(key: str, prop: dict, required: bool, root: dict) -> dict | None:
    """One field: ``key``, ``title``, ``kind``, ``required`` and what its kind needs (``options``,
    ``children`` of an object, ``item`` of an array, limits). None: a construct no page renders."""
    field = {"key": key, "name": key, "title": str(prop.get("title") or key), "required": required,
             "description": prop.get("description") or "", "read_only": bool(prop.get("readOnly"))}
    kind = _type(prop)
    options = _options(prop)
    if prop.get("format") == FILE_FORMAT or "contentMediaType" in prop:
        field.update(kind="file")
    elif options is not None:
        field.update(kind="select", options=options)
    elif kind == "object" and isinstance(prop.get("properties"), dict):
        field.update(kind="object", children=_object_fields(prop, root))
    elif kind == "array" and isinstance(prop.get("items"), dict):
        items = _resolve(prop["items"], root)
        item_options = _options(items)
        if item_options is not None:
            field.update(kind="choices", options=item_options)
        else:
            item = _field("", items, True, root)
            if item is None:
                return None
            item.update(title=str(items.get("title") or field["title"]), required=False)  # a blank row is no row
            field.update(kind="array", item=item, min_items=prop.get("minItems", 0), max_items=prop.get("maxItems"))
    elif kind == "boolean":
        field.update(kind="checkbox")
    elif kind in ("integer", "number"):
        field.update(kind=kind, minimum=prop.get("minimum"), maximum=prop.get("maximum"))
    elif kind == "string":
        if prop.get("format") == "date":
            field.update(kind="date")
        elif prop.get("format") == "textarea" or (prop.get("maxLength") or 0) > TEXTAREA_OVER:
            field.update(kind="textarea", max_length=prop.get("maxLength"))
        else:
            field.update(kind="text", max_length=prop.get("maxLength"))
        field["keep_empty"] = required or _empty_is_valid(prop)
    else:
        return None
    field["value_type"] = kind
    return field


def _empty_is_valid(prop: dict) -> bool:
    """Whether an optional string left empty may be kept as "" (else it is left out of the data)."""
    pattern = prop.get("pattern")
    try:
        matches = pattern is None or re.search(pattern, "") is not None
    except (re.error, TypeError):
        matches = False
    return matches and not prop.get("minLength") and "format" not in prop and "const" not in prop


def hidden_properties(schema: dict | None) -> list[str]:
    """Top-level properties the pages do not render (e.g. an object without ``properties``)."""
    shown = {f["key"] for f in generic_fields(schema)}
    return sorted(set((schema or {}).get("properties") or {}) - shown)


# ------------------------------------------------------------------ reading a post

class FileStore:
    """Where uploaded files of a form go: ``save(storage, path) -> reference`` stores one upload;
    ``known(reference) -> bool`` says whether a reference posted back (after a refused post) is a
    file this form already stored. The default stores nothing (the workbench preview)."""

    def save(self, storage, path: str):
        return None

    def known(self, reference) -> bool:
        return False


def generic_data_from_form(form, fields: list[dict], files=None, current: dict | None = None,
                           store: FileStore | None = None) -> dict:
    """The data of a posted form in the schema's shape. ``current``: the task's data (read-only
    fields come from there, never from the post); ``files``: the posted files (``request.files``)."""
    reader = _Reader(form, files or {}, current or {}, store or FileStore())
    return reader.object(fields, "", current or {})


form_data = generic_data_from_form


def shown_data(fields: list[dict], data: dict, current: dict) -> dict:
    """What a page shows: ``data`` (what was posted, or nothing yet) with the read-only fields from
    ``current`` (the task's data), at any depth of nested objects."""
    out = dict(data) if isinstance(data, dict) else {}
    current = current if isinstance(current, dict) else {}
    for field in fields:
        key = field["key"]
        if field["read_only"]:
            if key in current:
                out[key] = current[key]
        elif field["kind"] == "object":
            inner = shown_data(field["children"], out.get(key) or {}, current.get(key) or {})
            if inner:
                out[key] = inner
    return out


class _Reader:
    def __init__(self, form, files, current: dict, store: FileStore):
        self.form, self.files, self.store = form, files, store
        self.keys = list(form.keys()) + [k for k in files.keys()]

    def object(self, fields: list[dict], prefix: str, current) -> dict:
        out = {}
        current = current if isinstance(current, dict) else {}
        for field in fields:
            name = f"{prefix}.{field['key']}" if prefix else field["key"]
            if field["read_only"]:
                if field["key"] in current:
                    out[field["key"]] = current[field["key"]]
                continue
            value = self.value(field, name, current.get(field["key"]))
            if value is not _ABSENT:
                out[field["key"]] = value
        return out

    def value(self, field: dict, name: str, current):
        kind = field["kind"]
        if kind == "object":
            value = self.object(field["children"], name, current)
            return value if field["required"] or not _blank(value) else _ABSENT
        if kind == "array":
            return self.rows(field, name, current)
        if kind == "choices":
            chosen = self.form.getlist(name) if hasattr(self.form, "getlist") else [self.form.get(name)]
            return [_option_value(field, v) for v in chosen if v not in (None, "")]
        if kind == "checkbox":
            return self.form.get(name) not in (None, "", "0", "false")
        if kind == "file":
            return self.file(field, name)
        raw = self.form.get(name)
        if raw is None:
            return _ABSENT
        if kind in ("text", "textarea"):
            return raw if raw.strip() or field.get("keep_empty") else _ABSENT
        raw = raw.strip()
        if raw == "":
            return _ABSENT
        if kind == "select":
            return _option_value(field, raw)
        if kind in ("integer", "number"):
            return _number(raw, kind)
        if kind == "date":
            return _date(raw)
        return raw

    def rows(self, field: dict, name: str, current) -> list:
        pattern = re.compile(re.escape(name) + r"\[(\d{1,6})\]")
        indices = sorted({int(m.group(1)) for k in self.keys if (m := pattern.match(k))})[:MAX_ROWS]
        current = current if isinstance(current, list) else []
        out = []
        for i in indices:
            value = self.value(field["item"], f"{name}[{i}]", current[i] if i < len(current) else None)
            if value is _ABSENT or _blank(value):
                continue  # a row left empty (the blank row offered to type into) is no row
            out.append(value)
        return out

    def file(self, field: dict, name: str):
        upload = self.files.get(name)
        if upload is not None and (upload.filename or "").strip():
            reference = self.store.save(upload, name)
            if reference is not None:
                return str(reference) if field.get("value_type") == "string" else reference
        kept = (self.form.get(name) or "").strip()  # a file stored by an earlier (refused) post of this form
        if kept:
            reference = int(kept) if kept.isdigit() and field.get("value_type") != "string" else kept
            if self.store.known(reference):
                return reference
        return _ABSENT


class _Absent:
    def __repr__(self):
        return "ABSENT"


_ABSENT = _Absent()


def _blank(value) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def _option_value(field: dict, raw: str):
    """The enum value a posted string stands for (enum values may be numbers); unknown: the string."""
    return next((value for value, _ in field["options"] if str(value) == raw or (value is True and raw == "true")
                 or (value is False and raw == "false")), raw)


def _number(raw: str, kind: str):
    """``2,5`` or ``2.5`` → 2.5; ``3`` → 3; what is no number stays a string (the schema says so)."""
    text = raw.replace(" ", "").replace("\u00a0", "")
    if _DECIMAL.match(text):
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return raw
    if number != number or number in (float("inf"), float("-inf")):
        return raw
    if number.is_integer() and ("." not in text or kind == "integer") and abs(number) < 2 ** 53:
        return int(number)
    return number


def _date(raw: str):
    """``YYYY-MM-DD`` as it is; ``DD/MM/YYYY`` (or with - or .) turned into it; anything else as typed."""
    if m := _DMY.match(raw):
        try:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        except ValueError:
            return raw
    return raw


# ------------------------------------------------------------------ problems

def problems(schema: dict, data: dict) -> dict[str, str]:
    """The schema's field errors keyed by input name (the value's JSON path), in Indonesian."""
    from workflows.forms import field_errors

    return field_errors(schema, data)


def schema_problems(key: str | None, data: dict) -> dict[str, str]:
    """The field errors of the form ``key`` (none when there is no such form)."""
    from workflows.forms import form_exists, schema_of

    if not key or not form_exists(key):
        return {}
    return problems(schema_of(key), data)


_INDEX = re.compile(r"\[(\d+)\]")


def field_labels(fields: list[dict], paths) -> dict[str, str]:
    """A human label for each error path: ``anggota[1].nama`` → "Anggota › baris 2 › Nama"."""
    return {path: label_of(fields, path) for path in paths}


def label_of(fields: list[dict], path: str) -> str:
    parts: list[str | int] = []
    for piece in path.split("."):
        head = piece.split("[", 1)[0]
        if head:
            parts.append(head)
        parts.extend(int(i) for i in _INDEX.findall(piece))
    words, level = [], fields
    field: dict | None = None
    for part in parts:
        if isinstance(part, int):
            words.append(f"baris {part + 1}")
            level = [field["item"]] if field and field.get("kind") == "array" else []
            if level and level[0]["kind"] == "object":
                field, level = level[0], level[0]["children"]
            continue
        field = next((f for f in level if f["key"] == part), None)
        if field is None:
            words.append(str(part))
            level = []
            continue
        words.append(field["title"])
        level = field.get("children") or []
    return " › ".join(words) or "Formulir"
