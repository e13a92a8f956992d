from flask import current_app, g, jsonify

from app import get_session
from app.auth import admin_scope, akun_by_nip, authenticate, issue_token, revoke_all, revoke_tokens
from core.db import write_transaction
from core.errors import NotFound

from . import api, error, json_body, login_required


@api.post("/auth/token")
def token():
    """A bearer token; failed attempts are throttled per NIP and per address (app/security.py)."""
    body = json_body()
    actor = authenticate(get_session(), str(body.get("nip", "")), str(body.get("password", "")))
    if actor is None:
        return error(401, "unauthorized", "NIP atau kata sandi salah")
    return jsonify({"access_token": issue_token(actor), "token_type": "Bearer",
                    "expires_in": current_app.config["TOKEN_TTL_SECONDS"]})


@api.post("/auth/revoke")
@login_required
def revoke():
    """Ends every token of the caller, this one included (a leaked token, a lost laptop)."""
    db = get_session()
    with write_transaction(db):
        revoke_tokens(g.actor.akun)
    return "", 204


@api.post("/pegawai/<nip>/cabut-sesi")
@login_required
def revoke_pegawai(nip):
    """Admin kinerja (own instansi) or superadmin: end every page session and API token of a pegawai."""
    scope = admin_scope(g.actor)
    db = get_session()
    with write_transaction(db):
        akun = akun_by_nip(db, nip)
        if akun is None or (scope is not None and akun.pegawai.instansi_id != scope):
            raise NotFound("Tidak ada akun aktif dengan NIP ini di instansi Anda")
        revoke_all(akun)
    return "", 204


@api.get("/me")
@login_required
def me():
    from app.kinerja.nip import data_nip
    from workflows import clock

    p = g.actor.pegawai
    return jsonify({"nip": p.nip, "nama": p.nama_lengkap, "jabatan": p.jabatan.nama if p.jabatan else None,
                    "unor": p.jabatan.unor.nama if p.jabatan else None, "roles": g.actor.roles,
                    **data_nip(p, clock.today())})
