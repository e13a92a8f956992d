"""The leader's Matriks Peran Hasil page: one row per subordinate, one column per RHK, role and result per cell."""
from __future__ import annotations

import re

from flask import Response, flash, g, redirect, render_template, request, url_for

from app import get_session
from app.documents import mph as mph_document
from core.errors import ValidationFailed
from app.kinerja import mph, skp_access

from . import web
from .common import parse_id

CELL = re.compile(r"^sel-(\d{18})-(\d{1,12})-(peran|hasil)$")


def posted_cells() -> list[dict]:
    cells: dict[tuple, dict] = {}
    for key, value in request.form.items():
        match = CELL.match(key)
        if match:
            nip, rhk_id, part = match.groups()
            cells.setdefault((nip, int(rhk_id)), {"nip": nip, "rhk_id": int(rhk_id), "peran": "", "hasil": ""})[part] = value
    return [c for c in cells.values() if c["peran"].strip() or c["hasil"].strip()]


def cell_errors(data: dict, cells: list[dict], fields: dict) -> dict:
    """Put the posted cells back into the matrix ``data`` and return the errors per (nip, rhk_id)."""
    posted = {(c["nip"], c["rhk_id"]): c for c in cells}
    for row in data["baris"]:
        row["sel"] = [posted.get((row["nip"], s["rhk_id"]), {**s, "peran": "", "hasil": ""}) for s in row["sel"]]
    errors = {}
    for n, cell in enumerate(cells):
        for key, message in fields.items():
            if key.startswith(f"sel[{n}]"):
                errors[(cell["nip"], cell["rhk_id"])] = message
    return errors


def matrix_page(data: dict, save, done: str, saved: str, editable: bool, **texts):
    """A matrix page (an SKP's or a tim kerja's): on POST ``save(cells)`` then back to ``done``, or the page again
    with the posted cells and the errors per cell (422)."""
    errors, status = {}, 200
    if request.method == "POST":
        cells = posted_cells()
        try:
            save(cells)
        except ValidationFailed as exc:
            errors, status = cell_errors(data, cells, exc.fields), 422
        else:
            flash(saved, "success")
            return redirect(done)
    return render_template("matriks.html", data=data, errors=errors, editable=editable, **texts), status


@web.route("/skp/<skp_id>/matriks", methods=["GET", "POST"])
def matriks_page(skp_id):
    db = get_session()
    skp = skp_access.visible(db, g.actor, parse_id(skp_id))
    return matrix_page(
        mph.matriks(db, skp), lambda cells: mph.simpan(db, g.actor, skp, {"sel": cells}),
        url_for("web.matriks_page", skp_id=skp.id), "Matriks peran hasil disimpan.", g.actor.id == skp.pegawai_id,
        judul=f"Matriks peran hasil {skp.tahun}",
        pengantar="Bagikan setiap RHK kepada bawahan yang Anda nilai: peran dan hasil yang diharapkan. SKP bawahan "
                  "yang dibuat sesudahnya berisi RHK dari hasil tersebut, sudah terhubung ke RHK Anda.",
        kosong_kolom="SKP ini belum memiliki RHK.", kosong_baris="Tidak ada bawahan yang Anda nilai.",
        unduh=lambda fmt: url_for("web.matriks_document_page", skp_id=skp.id, fmt=fmt),
        kembali=("Kembali ke SKP", url_for("web.skp_page", skp_id=skp.id)))


@web.get("/skp/<skp_id>/matriks.<fmt>")
def matriks_document_page(skp_id, fmt):
    db = get_session()
    skp = skp_access.visible(db, g.actor, parse_id(skp_id))
    content, media_type, filename = mph_document.download(db, skp, fmt)
    return Response(content, mimetype=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
