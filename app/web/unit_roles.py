"""The "Peran per unit" section of the organisasi page: the admin kinerja assigns and revokes unit roles."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from app import get_session
from app.kinerja import unit_roles

from . import web
from .common import parse_id


def _moved(result: dict) -> str:
    count = len(result.get("tugas_dialihkan") or [])
    return f"; {count} tugas terbuka dialihkan" if count else ""


@web.post("/organisasi/peran-unit")
def peran_unor_tetapkan():
    row, moved = unit_roles.tetapkan(get_session(), g.actor, parse_id(request.form.get("unor_id", "")),
                                     {"peran": request.form.get("peran", ""), "nip": request.form.get("nip", "")})
    flash(f"{row.pegawai.nama_lengkap} ditetapkan sebagai {unit_roles.PERAN_UNOR[row.peran].lower()} "
          f"{row.unor.nama}{_moved(moved)}", "success")
    return redirect(url_for("web.organisasi_page") + "#peran-unit")


@web.post("/organisasi/peran-unit/<unor_id>/<peran_id>/cabut")
def peran_unor_cabut(unor_id, peran_id):
    row, moved = unit_roles.cabut(get_session(), g.actor, parse_id(unor_id), parse_id(peran_id))
    flash(f"Peran {unit_roles.PERAN_UNOR.get(row.peran, row.peran).lower()} {row.pegawai.nama_lengkap} di "
          f"{row.unor.nama} dicabut{_moved(moved)}", "success")
    return redirect(url_for("web.organisasi_page") + "#peran-unit")
