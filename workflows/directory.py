"""Who the engine's people and units are: the application registers its mapped classes.

The engine layer imports nothing from the application. Where it shows or searches people
(the admin console, the repair "alihkan" by NIP), it reads them through the classes registered
here: a person has ``id``, ``nip`` and ``nama``; a unit has ``id`` and ``nama``.
"""
from __future__ import annotations

_registered: dict[str, type] = {}


def register(*, person: type, unit: type) -> None:
    _registered["person"] = person
    _registered["unit"] = unit


def _get(kind: str) -> type:
    try:
        return _registered[kind]
    except KeyError:
        raise RuntimeError("workflows.directory.register() was not called by the application") from None


def person() -> type:
    return _get("person")


def unit() -> type:
    return _get("unit")
