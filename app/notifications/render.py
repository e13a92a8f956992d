"""Subject and body of a notification from ``templates/<kind>.txt`` (Jinja2, plain text).

A template's first line is ``Subjek: …``, then a blank line, then the body. Every context key
is optional: a template says less when a value is missing rather than failing.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, TemplateNotFound

from workflows import clock

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUBJECT_PREFIX = "Subjek:"
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def tanggal(value) -> str:
    """An Indonesian date, "31 Januari 2027", from a date, a datetime or an ISO string.

    A datetime prints the instansi's calendar date of that instant (due dates are stored as the
    end of their local day, so that day is the one shown).
    Anything else (an empty value, text that is no ISO date) prints as it is.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = clock.local_date(value)
    if isinstance(value, dt.date):
        return f"{value.day} {BULAN[value.month - 1]} {value.year}"
    return str(value)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=False)
    env.filters["tanggal"] = tanggal
    return env


def render(kind: str, context: dict) -> tuple[str, str]:
    """(subject, body) of ``kind`` with ``context``; the subject is one line of at most 255 characters."""
    try:
        template = _environment().get_template(f"{kind}.txt")
    except TemplateNotFound:
        raise ValueError(f"no template for notification kind {kind!r} in {TEMPLATES}") from None
    text = template.render(**context)
    first, _, body = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise ValueError(f"template {kind}.txt must start with a line '{SUBJECT_PREFIX} …'")
    subject = " ".join(first[len(SUBJECT_PREFIX):].split())
    if len(subject) > 255:
        subject = subject[:254].rstrip() + "…"
    return subject, body.strip()
