"""Tukin / TPP: the year × month matrix of predikat (JSON, XLSX, CSV) and the instansi's percentage per predikat."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from app import get_session
from app.kinerja import tukin
from app.kinerja.org import ADMIN_ROLES
from app.request_input import int_arg
from core.db import write_transaction
from core.errors import Forbidden, ValidationFailed

from . import api, json_body, login_required

EXPORTS = {"xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", tukin.to_xlsx),
           "csv": ("text/csv; charset=utf-8", tukin.to_csv)}


def admin_instansi() -> int:
    if not g.actor.has(*ADMIN_ROLES):
        raise Forbidden("Hanya admin kinerja yang dapat melihat matriks Tukin/TPP")
    return g.actor.pegawai.instansi_id


def matriks_response(session, instansi_id: int, args) -> Response:
    """The matrix of ``?tahun=&unor_id=&format=`` (shared by the API and the monitoring page's link)."""
    tahun = int_arg(args, "tahun", low=2000, high=2100, what="tahun")
    unor_id = int_arg(args, "unor_id", what="id unit kerja")
    fmt = (args.get("format") or "json").strip().lower()
    fields = {}
    if tahun is None:
        fields["tahun"] = "wajib diisi (mis. 2026)"
    if fmt not in ("json", *EXPORTS):
        fields["format"] = "harus json, xlsx atau csv"
    if fields:
        raise ValidationFailed(fields)
    data = tukin.matriks(session, instansi_id, tahun, unor_id)
    if fmt == "json":
        return jsonify(data)
    media_type, render = EXPORTS[fmt]
    return Response(render(data), mimetype=media_type,
                    headers={"Content-Disposition": f'attachment; filename="predikat-bulanan-{tahun}.{fmt}"'})


@api.get("/tukin")
@login_required
def get_tukin():
    return matriks_response(get_session(), admin_instansi(), request.args)


@api.get("/tukin/persentase")
@login_required
def get_tukin_persentase():
    return jsonify({"persen": tukin.persentase(get_session(), admin_instansi())})


@api.put("/tukin/persentase")
@login_required
def put_tukin_persentase():
    instansi_id = admin_instansi()
    body = json_body()
    session = get_session()
    with write_transaction(session):
        result = tukin.ubah_persentase(session, instansi_id, body)
    return jsonify({"persen": result})


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID_SCHEMA, _resp

    error = _resp("Parameter tidak valid", {"$ref": "#/components/schemas/Error"})
    persen = {"type": "object", "properties": {"persen": {"type": "object", "additionalProperties": {
        "type": "number", "nullable": True, "minimum": 0, "maximum": 100}}}}
    query = lambda name, schema, required=False, description="": {  # noqa: E731
        "name": name, "in": "query", "required": required, "schema": schema, "description": description}
    DOCUMENT["paths"]["/tukin"] = {"get": {
        "summary": "Matriks predikat bulanan per pegawai (tahun × bulan) dengan persentase Tukin/TPP instansi; "
                   "admin kinerja.",
        "parameters": [query("tahun", {"type": "integer", "minimum": 2000, "maximum": 2100}, True),
                       query("unor_id", ID_SCHEMA, description="hanya unit ini beserta unit di bawahnya"),
                       query("format", {"enum": ["json", "xlsx", "csv"]},
                             description="xlsx/csv: satu baris per pegawai, NIP sebagai teks")],
        "responses": {"200": _resp("Matriks (JSON) atau berkas ekspor"), **ERRORS, "422": error}}}
    DOCUMENT["paths"]["/tukin/persentase"] = {
        "get": {"summary": "Persentase Tukin/TPP per predikat instansi (null: belum ditetapkan)",
                "responses": {"200": _resp("Persentase", persen), **ERRORS}},
        "put": {"summary": "Ubah persentase per predikat: {\"persen\": {\"BAIK\": 100, \"KURANG\": null}}",
                "requestBody": {"required": True, "content": {"application/json": {"schema": persen}}},
                "responses": {"200": _resp("Persentase setelah diubah", persen), **ERRORS, "422": error}}}


_describe()
