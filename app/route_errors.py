"""Errors no blueprint owns: unmatched paths, wrong methods and NUL characters in the URL or form.

Flask runs a blueprint's error handlers only when a route of that blueprint matched, so an unknown path
or a wrong method would get Flask's English HTML. Here the path prefix decides: the JSON error of the API
contract under ``/api/v1``, the Indonesian error page elsewhere.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

API_PREFIX = "/api/v1"


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def _unowned_http_error(exc: HTTPException):
    if is_api_request():
        from app.api import http_error

        return http_error(exc)
    from app.web.common import render_error

    return render_error(exc.code or 400)


def _refuse_nul() -> None:
    """PostgreSQL cannot store NUL in text: a URL or form value carrying one never reaches a query."""
    if "\x00" in request.path:
        raise NotFound()
    values = [*request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in v for v in values if isinstance(v, str)):  # a multipart part without a name has key None
        raise BadRequest("Parameter tidak boleh memuat karakter NUL")


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _unowned_http_error)
    app.before_request(_refuse_nul)
