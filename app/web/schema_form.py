"""Forms built from a JSON Schema: the fields a page renders (macro ``fields`` in
``_form_fields.html``), the data read back from a posted form, and the schema's problems
as field messages. The generic task page, the start page of a process and the workbench's
preview share them.
"""
from __future__ import annotations


def generic_fields(schema: dict | None) -> list[dict]:
    required = set((schema or {}).get("required", []))
    out = []
    for name, prop in ((schema or {}).get("properties") or {}).items():
        kind = prop.get("type")
        if "enum" in prop:
            out.append({"name": name, "title": prop.get("title", name), "kind": "select", "required": name in required,
                        "options": [v for v in prop["enum"] if v is not None]})
        elif kind == "string":
            out.append({"name": name, "title": prop.get("title", name), "kind": "text", "required": name in required})
    return out


def generic_data_from_form(form, fields: list[dict]) -> dict:
    data = {}
    for field in fields:
        value = form.get(field["name"], "")
        if field["kind"] == "select" and value == "" and not field["required"]:
            continue
        data[field["name"]] = value
    return data


def schema_problems(key: str | None, data: dict) -> dict[str, str]:
    """The form schema's field errors, checked here first so that every one becomes a 422 page.

    (workflows.forms._message builds all its messages eagerly and fails on integer limits such as
    minLength; until that is fixed, the pages must not reach it with invalid data.)
    """
    from jsonschema import Draft202012Validator

    from workflows.forms import _path, form_exists, schema_of

    if not key or not form_exists(key):
        return {}
    fields: dict[str, str] = {}
    for e in sorted(Draft202012Validator(schema_of(key)).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where, arg = list(e.absolute_path), e.validator_value
        if e.validator == "required":
            where, message = where + [e.message.split("'")[1]], "wajib diisi"
        elif (e.validator == "minLength" and arg == 1) or (e.validator == "pattern" and arg == "\\S"):
            message = "wajib diisi"
        elif e.validator == "maxLength":
            message = f"maksimal {arg} karakter"
        elif e.validator == "maxItems":
            message = f"maksimal {arg} isian"
        elif e.validator == "enum":
            message = "harus salah satu dari: " + ", ".join(str(v) for v in arg if v is not None)
        else:
            message = "isian tidak sesuai"
        fields.setdefault(_path(where) or "data", message)
    return fields
