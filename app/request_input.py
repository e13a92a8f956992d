"""Bounds on what a request may carry, checked before it reaches the domain or the database.

Every id column is a signed 32-bit integer on PostgreSQL, so an id beyond 2^31-1 is simply not there
(404 in a URL, 422 in a query parameter or a JSON body). JSON bodies are refused when nested deeper than
``MAX_JSON_DEPTH``, when a number is not finite (``1e999``), when a string holds a NUL character (which
PostgreSQL cannot store) or when an integer is beyond what JSON carries exactly (2^53).
"""
from __future__ import annotations

import json
import math
import re

from werkzeug.routing import IntegerConverter

from core.errors import DomainError, NotFound, ValidationFailed

ID_MAX = 2**31 - 1
JSON_INT_MAX = 2**53
MAX_JSON_DEPTH = 64
_DIGITS = re.compile(r"[0-9]{1,10}")


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a positive id a database column can hold, else the route does not match."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def parse_int(raw, name: str, low: int = 0, high: int = ID_MAX, what: str = "bilangan bulat") -> int:
    """``raw`` (a query parameter or form value) as an int in [low, high], or a 422 naming ``name``."""
    text = str(raw).strip()
    if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
        raise ValidationFailed({name: f"harus {what} antara {low} dan {high}, bukan '{text[:20]}'"},
                               f"Parameter {name} tidak valid")
    return int(text)


def int_arg(args, name: str, default: int | None = None, low: int = 0, high: int = ID_MAX,
            what: str = "bilangan bulat") -> int | None:
    """The query parameter ``name`` as a bounded int; ``default`` when absent or empty."""
    raw = args.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    return parse_int(raw, name, low, high, what)


def id_or_404(raw) -> int:
    """An id written by hand in a URL (``?unor_id=…``): out of range or not a number is simply not found."""
    text = str(raw or "").strip()
    if not _DIGITS.fullmatch(text) or int(text) > ID_MAX:
        raise NotFound("Data tidak ditemukan")
    return int(text)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"angka di luar jangkauan: {text[:20]}")
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} bukan angka JSON")


def load_json(raw: bytes | str):
    """Parse a JSON document and check it against the bounds above; DomainError (400/422) otherwise."""
    try:
        body = json.loads(raw, parse_float=_finite, parse_constant=_refuse_constant)
    except RecursionError:
        raise DomainError(f"JSON terlalu dalam; paling banyak {MAX_JSON_DEPTH} tingkat") from None
    except ValueError as exc:
        raise DomainError(f"JSON tidak valid: {exc}") from None
    check_json(body)
    return body


def require_object(value, field: str = "data") -> dict:
    """``value`` when it is a JSON object, else a 422 naming ``field``."""
    if not isinstance(value, dict):
        raise ValidationFailed({field: "harus berupa objek JSON"})
    return value


def _is_id_like(key: str) -> bool:
    return key == "id" or key.endswith("_id") or key == "tahun"


def check_json(body) -> None:
    """Walk a parsed document without recursion; the first offending value is named by its path."""
    stack = [(body, "", 0, "")]
    while stack:
        value, path, depth, key = stack.pop()
        where = path or "data"
        if depth > MAX_JSON_DEPTH:
            raise DomainError(f"JSON terlalu dalam; paling banyak {MAX_JSON_DEPTH} tingkat",
                              {"fields": {where: "terlalu dalam"}})
        if isinstance(value, dict):
            for k, v in value.items():
                if "\x00" in k:
                    raise ValidationFailed({where: "nama kolom tidak boleh memuat karakter NUL"})
                stack.append((v, f"{path}.{k}" if path else k, depth + 1, k))
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1, key) for i, v in enumerate(value))
        elif isinstance(value, str):
            if "\x00" in value:
                raise ValidationFailed({where: "tidak boleh memuat karakter NUL"})
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            high = ID_MAX if _is_id_like(key) else JSON_INT_MAX
            if not -high <= value <= high:
                raise ValidationFailed({where: f"angka di luar jangkauan (paling besar {high})"})


def as_id(value) -> int | None:
    """``value`` (str or int) as an id a database column can hold, or None (not ASCII digits, too large)."""
    text = str(value if value is not None else "").strip()
    return int(text) if _DIGITS.fullmatch(text) and int(text) <= ID_MAX else None


def as_year(value) -> int | None:
    """A four-digit year (ASCII digits), or None."""
    text = str(value if value is not None else "").strip()
    return int(text) if re.fullmatch(r"[0-9]{4}", text) else None


DATE_HINT = "gunakan pemilih tanggal, atau tulis TTTT-BB-HH (mis. 2026-12-31)"


def read_date(value, field: str, fields: dict, required: bool = True):
    """A date given as ISO text (what a date picker posts): the date, or None with the field's problem
    in ``fields`` ("wajib diisi" when empty and required; "bukan tanggal yang valid" otherwise)."""
    import datetime as dt

    if value in (None, ""):
        if required:
            fields[field] = "wajib diisi"
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    fields[field] = f"bukan tanggal yang valid; {DATE_HINT}"
    return None
