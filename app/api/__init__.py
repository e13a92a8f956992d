"""JSON API v1 (contract: shared/api.md; description: /api/v1/openapi.json)."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from app import get_session
from app.auth import actor_from_token
from core.db import COLLISION_MESSAGE, RETRY_AFTER_SECONDS, UNAVAILABLE_ERRORS, collided, end_after_unavailable
from core.errors import DomainError
from app.request_input import load_json

api = Blueprint("api", __name__, url_prefix="/api/v1")


def error(status: int, code: str, message: str, details: dict | None = None):
    return jsonify({"error": {"code": code, "message": message, "details": details or {}}}), status


@api.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    get_session().rollback()
    body, status = error(exc.status, exc.code, exc.message, exc.details)
    if getattr(exc, "retry_after", None):  # work under way (a document being prepared): ask again later
        body.headers["Retry-After"] = str(exc.retry_after)
    return body, status


@api.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Any HTTP error as the JSON error of the contract (also for unmatched paths, see app.route_errors)."""
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "bad_request",
             409: "conflict", 413: "bad_request", 415: "bad_request", 429: "too_many_requests"}
    messages = {404: "Alamat tidak ditemukan", 405: "Metode tidak diizinkan", 413: "Permintaan terlalu besar",
                400: "Permintaan tidak valid", 415: "Gunakan Content-Type: application/json",
                500: "Terjadi kesalahan pada server; sudah dicatat", 429: exc.description}
    status = exc.code or 400
    body, status = error(status, codes.get(status, "internal_error" if status >= 500 else "bad_request"),
                         messages.get(status, exc.description or ""))
    allow = [(k, v) for k, v in exc.get_headers() if k == "Allow"]
    body.headers.extend(allow)
    return body, status


def _database_unavailable(exc: Exception):
    if collided(exc):
        get_session().rollback()
        return error(409, "conflict", COLLISION_MESSAGE)
    end_after_unavailable(get_session(), exc)
    response, status = error(503, "service_unavailable",
                             "Basis data sedang tidak dapat dihubungi; coba lagi beberapa saat lagi")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status


for _error in UNAVAILABLE_ERRORS:
    api.register_error_handler(_error, _database_unavailable)


@api.errorhandler(Exception)
def _unexpected(exc: Exception):
    get_session().rollback()
    import logging
    logging.getLogger("ekinerja").exception("unexpected error in API")
    return error(500, "internal_error", "Terjadi kesalahan pada server; sudah dicatat")


def json_body() -> dict:
    """The request's JSON object, or a 400 naming what is wrong with it."""
    raw = request.get_data(cache=True)
    if not raw:
        raise DomainError("Badan permintaan kosong; kirim objek JSON")
    body = load_json(raw)
    if not isinstance(body, dict):
        raise DomainError("Badan permintaan harus berupa objek JSON")
    return body


def login_required(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return error(401, "unauthorized", "Token tidak ada; gunakan header Authorization: Bearer <token>")
        actor = actor_from_token(get_session(), header[7:].strip())
        if actor is None:
            return error(401, "unauthorized", "Token tidak valid atau kedaluwarsa")
        g.actor = actor
        return fn(*args, **kwargs)
    return wrapper


from . import instances, notifications, openapi, skp, tasks, token  # noqa: E402,F401
from . import angka_kredit  # noqa: E402,F401
from . import penilaian  # noqa: E402,F401
from . import capaian  # noqa: E402,F401
from . import monitoring  # noqa: E402,F401
from . import bukti_dukung  # noqa: E402,F401
from . import penilaian_dokumen  # noqa: E402,F401
from . import dialog  # noqa: E402,F401
from . import admin  # noqa: E402,F401
from . import workbench  # noqa: E402,F401
from . import organisasi  # noqa: E402,F401
from . import messages  # noqa: E402,F401
from . import layanan  # noqa: E402,F401
from . import unit_roles  # noqa: E402,F401
from . import profil  # noqa: E402,F401
from . import tukin  # noqa: E402,F401
from . import tim_kerja  # noqa: E402,F401
from . import verifikasi  # noqa: E402,F401
from . import kegiatan_harian  # noqa: E402,F401
from . import penilai  # noqa: E402,F401
