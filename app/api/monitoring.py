"""Monitoring of a period (admin kinerja: whole instansi; leaders: their subtree), as JSON, XLSX or CSV."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from app import get_session
from core.errors import ValidationFailed
from app.kinerja.capaian import periode_of_instansi
from app.kinerja.monitoring import monitoring, to_csv, to_xlsx
from app.request_input import as_id

from . import api, login_required

EXPORTS = {"xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
           "csv": ("text/csv; charset=utf-8", to_csv)}


def parse_args() -> tuple:
    """periode_id (required), unor_id (optional) and format, or a 422 naming the bad one."""
    fields = {}
    periode_id, unor_id = request.args.get("periode_id", "").strip(), request.args.get("unor_id", "").strip()
    fmt = request.args.get("format", "json").strip().lower()
    if as_id(periode_id) is None:
        fields["periode_id"] = "wajib diisi dengan id periode"
    if unor_id and as_id(unor_id) is None:
        fields["unor_id"] = "harus id unit kerja"
    if fmt not in ("json", *EXPORTS):
        fields["format"] = "harus json, xlsx atau csv"
    if fields:
        raise ValidationFailed(fields)
    return as_id(periode_id), as_id(unor_id) if unor_id else None, fmt


def export_response(data: dict, fmt: str) -> Response:
    media_type, render = EXPORTS[fmt]
    name = f"monitoring-{data['periode']['tahun']}-{data['periode']['nama']}".replace(" ", "-").lower()
    return Response(render(data), mimetype=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@api.get("/monitoring")
@login_required
def get_monitoring():
    periode_id, unor_id, fmt = parse_args()
    session = get_session()
    periode = periode_of_instansi(session, g.actor.pegawai.instansi_id, periode_id)
    data = monitoring(session, g.actor, periode, unor_id)
    return jsonify(data) if fmt == "json" else export_response(data, fmt)


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID_SCHEMA, _resp

    query = lambda name, schema, required=False, description="": {  # noqa: E731
        "name": name, "in": "query", "required": required, "schema": schema, "description": description}
    DOCUMENT["paths"]["/monitoring"] = {"get": {
        "summary": "Monitoring periode per unit: pegawai, SKP disetujui, realisasi terisi, penilaian final, "
                   "persentase, yang terlambat dan kurva per unit. Admin kinerja: seluruh instansi; "
                   "pimpinan: unit yang dipimpinnya beserta bawahannya.",
        "parameters": [query("periode_id", ID_SCHEMA, True),
                       query("unor_id", ID_SCHEMA, description="hanya subtree unit ini"),
                       query("format", {"enum": ["json", "xlsx", "csv"]},
                             description="xlsx: lembar Unit dan Pegawai (NIP sebagai teks); csv: per pegawai, teks dikutip")],
        "responses": {"200": _resp("Monitoring (JSON) atau berkas ekspor"), **ERRORS,
                      "422": _resp("Parameter tidak valid", {"$ref": "#/components/schemas/Error"})}}}


_describe()
