"""ekinerja-flow: the Flask shell around the engine (``create_app``)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, g

from . import config
from core.db import make_engine, make_sessionmaker


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"), instance_relative_config=True)
    app.config.update(config.from_environment(Path(app.instance_path)))
    app.config.update(overrides or {})

    from .kinerja import bindings
    from .documents import skp as skp_document
    from .documents import process_documents, template_files, verifikasi  # noqa: F401 - registers buat_dokumen
    from . import notifications
    from workflows import forms

    bindings.load()  # the roles, relations, forms, services and jobs of the diagrams
    forms.set_forms_dir(Path(app.config["BPMN_DIR"]) / "forms")
    skp_document.configure(app.config["DOCUMENT_TEMPLATES"], app.config["WKHTMLTOPDF"])
    template_files.configure(app.config["DOCUMENT_TEMPLATES"], app.config["TEMPLATE_DIR"])
    verifikasi.configure(app.config["PUBLIC_URL"], app.config.get("SIGN_P12_DIR"),
                         app.config.get("SIGN_P12_PASSPHRASE", ""))
    notifications.configure(app.config)

    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = make_sessionmaker(engine)
    from workflows.definitions import generated_form_loader

    forms.set_generated_loader(generated_form_loader(app.extensions["db_sessionmaker"]))

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db", None)
        if session is not None:
            session.close()

    from . import jobs, route_errors

    @app.after_request
    def _run_jobs_after_response(response):
        # Jobs this request enqueued (and committed) run once the client has its response; the
        # lease in ``jobs.claim`` keeps the scheduler from running them a second time meanwhile.
        session = g.get("db")
        ids = session.info.pop("enqueued_jobs", None) if session is not None else None
        if ids and app.config["JOBS_AFTER_RESPONSE"]:
            factory = app.extensions["db_sessionmaker"]
            response.call_on_close(lambda: jobs.run_after_response(factory, ids))
        return response

    from .api import api
    from .request_input import IdConverter
    from .web import web

    app.url_map.converters["int"] = IdConverter
    app.redirect = _redirect_in_indonesian
    route_errors.register(app)
    app.register_blueprint(api)
    app.register_blueprint(web)

    from .security import init_security

    init_security(app)
    return app


def get_session():
    """The request's database session (closed when the request ends)."""
    from flask import current_app

    if "db" not in g:
        g.db = current_app.extensions["db_sessionmaker"]()
    return g.db


def _redirect_in_indonesian(location: str, code: int = 302):
    """``flask.redirect`` with the body a browser shows while it follows it in Bahasa Indonesia
    (Werkzeug's says "Redirecting...")."""
    from markupsafe import escape
    from werkzeug.utils import redirect

    response = redirect(location, code)
    response.set_data(f'<!doctype html>\n<html lang="id"><title>Dialihkan</title>'
                      f'<p>Anda sedang dialihkan ke <a href="{escape(location)}">{escape(location)}</a>.</p></html>')
    return response
