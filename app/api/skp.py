from flask import Response, g, jsonify, request

from app import get_session
from core.db import write_transaction
from app.documents.skp import MEDIA_TYPES, document_bytes
from app.kinerja import skp_access
from core.errors import ValidationFailed
from app.kinerja.skp_lifecycle import buat_skp
from app.kinerja.views import skp_detail
from app.request_input import int_arg

from . import api, json_body, login_required


@api.get("/skp")
@login_required
def list_skp():
    tahun = int_arg(request.args, "tahun", high=9999, what="angka tahun")
    nip = request.args.get("nip") or None
    rows = skp_access.list_visible(get_session(), g.actor, tahun, nip)
    return jsonify([{"id": s.id, "tahun": s.tahun, "status": s.status, "nip": s.pegawai.nip,
                     "nama": s.pegawai.nama_lengkap, "jabatan": s.jabatan.nama} for s in rows])


@api.post("/skp")
@login_required
def create_skp():
    body = json_body()
    try:
        tahun = int(body.get("tahun"))
    except (TypeError, ValueError):
        raise ValidationFailed({"tahun": "wajib diisi dengan angka tahun"}) from None
    session = get_session()
    with write_transaction(session):
        skp = buat_skp(session, g.actor.pegawai, tahun, body.get("pendekatan", "KUANTITATIF"), g.actor.id)
    return jsonify(skp_detail(session, skp)), 201


@api.get("/skp/<int:skp_id>")
@login_required
def get_skp(skp_id):
    session = get_session()
    return jsonify(skp_detail(session, skp_access.visible(session, g.actor, skp_id)))


@api.post("/skp/<int:skp_id>/rollback")
@login_required
def rollback(skp_id):
    body = json_body()
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed({"reason": "wajib diisi"})
    session = get_session()
    skp_access.rollback(session, g.actor, skp_id, reason)
    session.expire_all()
    return jsonify(skp_detail(session, skp_access.visible(session, g.actor, skp_id)))


@api.get("/skp/<int:skp_id>/document.<fmt>")
@login_required
def document(skp_id, fmt):
    session = get_session()
    skp = skp_access.visible(session, g.actor, skp_id)
    content, etag = document_bytes(session, skp, fmt, request.args.get("archived") in ("1", "true"))
    response = Response(content, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="SKP-{skp.pegawai.nip}-{skp.tahun}.{fmt}"'
    if etag:
        response.headers["ETag"] = etag
    return response
