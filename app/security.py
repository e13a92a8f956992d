"""Web security of the app: login throttling (Flask-Limiter), security headers (Flask-Talisman), proxies.

Settings are documented in README.md, "Keamanan"; their defaults live in app/config.py.
"""
from __future__ import annotations

import json

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman

# The pages load only their own scripts and styles (app/web/static, vendored bpmn-js and dmn-js). The
# modelers write style="" attributes into the markup they generate, hence 'unsafe-inline' for styles
# only; scripts stay 'self' (the JSON <script type="application/json"> blocks are data, not scripts).
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Responses the app's own pages may show in a frame: the SKP PDF, previewed beside the review form
# (task_review.html). Everything else stays unframeable.
FRAMEABLE_ENDPOINTS = ("web.skp_document",)
FRAMEABLE_CSP = {**CSP, "frame-ancestors": "'self'"}
LOGIN_ENDPOINTS = ("web.login", "api.token")
# The public verification of archived documents: every request counts, per address (EKINERJA_VERIFIKASI_LIMIT).
VERIFIKASI_ENDPOINTS = ("web.verifikasi_page", "web.verifikasi_form", "api.get_verifikasi")
THROTTLED_MESSAGE = "Terlalu banyak percobaan masuk yang gagal. Coba lagi paling lama {menit} menit lagi."


def init_security(app: Flask) -> Limiter:
    """Wraps the login views of ``app`` in their limits and sets the headers on every response.

    Call after the blueprints are registered. One Limiter per app: its in-memory storage is per app
    and per worker process (RATELIMIT_STORAGE_URI shares it, e.g. ``redis://host:6379``).
    """
    if app.config.get("EKINERJA_PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["EKINERJA_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    limiter = Limiter(get_remote_address, app=app, headers_enabled=True,
                      storage_uri=app.config["RATELIMIT_STORAGE_URI"])
    by_nip = limiter.shared_limit(app.config["EKINERJA_LOGIN_LIMIT_NIP"], scope="masuk-nip", key_func=_nip_key,
                                  methods=["POST"], deduct_when=_failed, error_message=_throttled_message)
    by_address = limiter.shared_limit(app.config["EKINERJA_LOGIN_LIMIT_IP"], scope="masuk-ip",
                                      methods=["POST"], deduct_when=_failed, error_message=_throttled_message)
    for endpoint in LOGIN_ENDPOINTS:
        # The limits are checked before the view runs, so a refused attempt costs no password hashing.
        app.view_functions[endpoint] = by_address(by_nip(app.view_functions[endpoint]))
    verifikasi = limiter.shared_limit(app.config["EKINERJA_VERIFIKASI_LIMIT"], scope="verifikasi")
    for endpoint in VERIFIKASI_ENDPOINTS:
        app.view_functions[endpoint] = verifikasi(app.view_functions[endpoint])
    app.extensions["ekinerja_limiter"] = limiter

    Talisman(app, force_https=app.config["EKINERJA_FORCE_HTTPS"], frame_options="DENY",
             content_security_policy=CSP, referrer_policy="same-origin",
             session_cookie_secure=app.config["SESSION_COOKIE_SECURE"], session_cookie_http_only=True,
             session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
             # HSTS is sent only on requests that came over https (directly or X-Forwarded-Proto).
             strict_transport_security=True, strict_transport_security_include_subdomains=False)
    for endpoint in FRAMEABLE_ENDPOINTS:
        app.view_functions[endpoint].talisman_view_options = {"frame_options": "SAMEORIGIN",
                                                               "content_security_policy": FRAMEABLE_CSP}
    return limiter


def _failed(response) -> bool:
    """Only a wrong NIP or password counts against the limits; a successful login never does."""
    return response.status_code == 401


def _nip_key() -> str:
    """The NIP the request tries (form or JSON), or "" (then only the address limit applies)."""
    nip = request.form.get("nip") if request.mimetype != "application/json" else None
    if nip is None:
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, RecursionError):
            body = None
        nip = body.get("nip") if isinstance(body, dict) else None
    nip = str(nip).strip()[:64] if isinstance(nip, (str, int)) else ""
    return nip or "(tanpa NIP)"  # such a request fails anyway; an empty key would skip the limit noisily


def _throttled_message() -> str:
    window = max(1, _window_seconds() // 60)
    return THROTTLED_MESSAGE.format(menit=window)


def _window_seconds() -> int:
    from flask import current_app
    from limits import parse_many

    items = [*parse_many(current_app.config["EKINERJA_LOGIN_LIMIT_NIP"]),
             *parse_many(current_app.config["EKINERJA_LOGIN_LIMIT_IP"])]
    return max(item.get_expiry() for item in items)
