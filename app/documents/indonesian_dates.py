"""Dates as documents print them, in Indonesian and in the instansi's time zone ("2 Desember 2026").

``tanggal`` is the one notifications already use (also the ``tanggal`` filter of every template)."""
from __future__ import annotations

import datetime as dt

from app.notifications.render import tanggal
from workflows import clock

__all__ = ["tanggal", "waktu"]


def waktu(moment: dt.datetime) -> str:
    """"2 Desember 2026 pukul 10.45 WIB" in the instansi's time zone."""
    local = clock.local(moment)
    return f"{tanggal(local.date())} pukul {local:%H.%M} {local.tzname()}"
